"""The incident pages (issue 4): report an incident (with live validation and a live grade and
recommendation), the list, and the incident page (recommendation panel polled every minute, reporting
log, follow-ups, state actions, timeline).

Thin views: parse, check the permission (``orgchart.permissions``; never only in a template), call a
service or an Incident method, then redirect with a Chinese message or render the page, or its partial
for htmx. Reading: every logged-in member of the organisation may read every incident for now (see
``selectors``); the buttons shown are only the moves ``lifecycle.allowed_moves`` gives the user.
The incident page's own views are ``views_detail``; what the pages show of the plan's rules (grade,
recommendation, clock, buttons) is built in ``panels``.
"""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.htmx import render_page
from orgchart.permissions import VIEW_CLAUSE, can, sees_all_incidents, visible_incidents

from . import selectors, services
from .forms import (
    MAX_MEASURES,
    FirstMeasureFormSet,
    IncidentFilterForm,
    IncidentReportForm,
    add_service_error,
    hide_required_errors,
    hide_required_errors_formset,
)
from .models import PlanVersion
from .panels import STATUS_LABELS, list_row_facts, recommendation_context

INVALID = 422
PER_PAGE = 25
MEASURES_PREFIX = "measures"


# ------------------------------------------------------------------------------------------------
# The list
# ------------------------------------------------------------------------------------------------


@login_required
def incident_list(request):
    """The list, filtered, a page at a time; htmx asks for the results alone."""
    form = IncidentFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    qs = visible_incidents(request.user, selectors.incident_list(**filters))  # finding 7 of issue 16
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    for incident in page:  # computed from the row: no query per incident
        list_row_facts(incident, now)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": f"{query.urlencode()}&" if query else "",
        "drills_excluded": filters.get("drill", "") not in ("include", "only"),
        "can_report": bool(can(request.user, "incident.report")),
        # a member unit: the note saying why the list is short (the rule's clause, a reading)
        "scope_clause": "" if sees_all_incidents(request.user) else VIEW_CLAUSE,
        "status_labels": STATUS_LABELS,
    }
    return render_page(request, "incidents/list.html", context, partial="results")


# ------------------------------------------------------------------------------------------------
# 接报登记 (§5.1)
# ------------------------------------------------------------------------------------------------


def _require_report(request):
    decision = can(request.user, "incident.report")
    if not decision:
        raise PermissionDenied(decision.reason)


def _bound_forms(request, now, *, add_measure=False):
    data = request.POST
    if add_measure:
        data = data.copy()
        key = f"{MEASURES_PREFIX}-TOTAL_FORMS"
        try:
            total = int(data.get(key, 1))
        except ValueError:
            total = 1
        data[key] = str(min(max(total, 1) + 1, MAX_MEASURES))
    form = IncidentReportForm(data, now=now)
    measures = FirstMeasureFormSet(data, prefix=MEASURES_PREFIX, now=now)
    return form, measures


def _render_report(request, form, measures, now, *, live=False, status=200, duplicate=None):
    if form.is_bound:
        form.is_valid()
        measures.is_valid()
    token = request.POST.get("submission", "")  # the form's single-use token (issue 16), kept while editing
    if not services.SUBMISSION_TOKEN.fullmatch(token):
        token = secrets.token_urlsafe(24)
    if duplicate is None and live and request.POST.get("confirm_duplicate") and form.is_valid():
        duplicate = _possible_duplicate(form, now)  # keep the warning (and its tick) while editing
    if live:
        hide_required_errors(form)
        hide_required_errors_formset(measures)
    preview = form.preview_incident(PlanVersion.current())
    context = {
        "form": form,
        "measures": measures,
        # the summary at the top only after 登记: while typing it would push the form down under the finger
        "has_errors": not live and (bool(form.errors) or any(f.errors for f in measures.forms)),
        **recommendation_context(preview, now),
        "preview": preview,
        "submission_token": token,
        "duplicate": duplicate,
        "confirm_duplicate": bool(request.POST.get("confirm_duplicate")),
    }
    return render_page(
        request, "incidents/form.html", context, partial="form" if live else None, status=status
    )


@login_required
def incident_new(request):
    _require_report(request)
    now = timezone.now()
    if request.method != "POST":
        form = IncidentReportForm(now=now)
        measures = FirstMeasureFormSet(prefix=MEASURES_PREFIX, now=now)
        return _render_report(request, form, measures, now)
    if "add_measure" in request.POST:  # without JavaScript: one more 先期处置 row, nothing saved
        form, measures = _bound_forms(request, now, add_measure=True)
        return _render_report(request, form, measures, now, live=True)
    first = services.submitted(request.POST.get("submission", ""), request.user)
    if first is not None:  # the same form sent again (a double click): its first result (issue 16)
        return _already_reported(request, first)
    form, measures = _bound_forms(request, now)
    if form.is_valid() and measures.is_valid():
        duplicate = None if request.POST.get("confirm_duplicate") else _possible_duplicate(form, now)
        if duplicate is not None:
            return _render_report(request, form, measures, now, status=409, duplicate=duplicate)
        incident = _report(request, form, measures)
        if incident is not None:
            return _reported(request, incident)
    return _render_report(request, form, measures, now, status=INVALID)


def _report(request, form, measures):
    """The service logs the incident; None with its refusal put on the form."""
    try:
        return services.incident_report(
            actor=request.user,
            data=form.incident_data(),
            first_measures=measures.rows(),
            submission=request.POST.get("submission", ""),
        )
    except ValidationError as e:
        add_service_error(form, e, field_map={"direct_loss_yuan": "direct_loss"})
        return None


def _reported(request, incident):
    if getattr(incident, "duplicate_submission", False):
        return _already_reported(request, incident)
    messages.success(
        request,
        _("已登记：%(title)s（编号 %(ref)s）。") % {"title": str(incident), "ref": incident.ref},
    )
    return redirect(incident)


def _possible_duplicate(form, now):
    """可能重复: only with a company named (two reports of "somewhere in the county" are not alike)."""
    cd = form.cleaned_data
    if cd.get("company") is None:
        return None
    return services.possible_duplicate(
        county=cd["county"], company=cd.get("company"), is_drill=cd.get("is_drill", False), now=now
    )


def _already_reported(request, incident):
    messages.info(
        request,
        _("这份表单已经提交过，已登记为 %(ref)s，没有重复登记。") % {"ref": incident.ref},
    )
    return redirect(incident)


@require_POST
def incident_validate(request):
    """Live validation (htmx, on change): the form with its errors and the live preview; saves nothing."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)  # session ended: leave what the clerk typed alone (登记 logs in)
    _require_report(request)
    now = timezone.now()
    form, measures = _bound_forms(request, now, add_measure="add_measure" in request.POST)
    return _render_report(request, form, measures, now, live=True)
