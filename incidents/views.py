"""The incident pages (issue 4): report an incident (with live validation and a live grade and
recommendation), the list, and the incident page (recommendation panel polled every minute, reporting
log, follow-ups, state actions, timeline).

Thin views: parse, check the permission (``orgchart.permissions``; never only in a template), call a
service or an Incident method, then redirect with a Chinese message or render the page, or its partial
for htmx. Reading: every logged-in member of the organisation may read every incident for now (see
``selectors``); the buttons shown are only the moves ``lifecycle.allowed_moves`` gives the user.
"""

import secrets
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from config.inputs import hidden_int_for
from config.pagecache import cached_page
from orgchart.permissions import VIEW_CLAUSE, can, sees_all_incidents, visible_incidents

from . import selectors, services
from .choices import ACTIVE_STATES, CLOSED_STATES, ResponseLevel, State
from .forms import (
    MAX_MEASURES,
    FirstMeasureFormSet,
    FollowUpForm,
    IncidentFilterForm,
    IncidentReportForm,
    UpwardReportForm,
    add_service_error,
    hide_required_errors,
    hide_required_errors_formset,
)
from .lifecycle import MOVES, TransitionError, allowed_moves, backed_levels
from .models import Incident, LinkedEvent, PlanVersion, UpwardReport
from .templatetags.incident_tags import fmt_number
from .views_lists import follow_ups_context, timeline_context

INVALID = 422
PER_PAGE = 25
MEASURES_PREFIX = "measures"

STATUS_LABELS = {
    "firm": gettext_lazy("确定"),
    "provisional": gettext_lazy("暂定：条件已满足，待满24小时"),
    "lapsed": gettext_lazy("已失效：24小时内已恢复供热"),
    "no_outage": gettext_lazy("不适用：未停热"),
    "none": gettext_lazy("无：未满足附件4所列条件"),
}
# The forward move of each state: the page's one primary action.
PRIMARY_MOVES = ("start_assessment", "activate", "end_response", "begin_aftermath", "archive")


# ------------------------------------------------------------------------------------------------
# Grade, recommendation and the 24-hour clock, for a saved or an unsaved incident
# ------------------------------------------------------------------------------------------------


def outage_clock(incident, rec, now):
    """The 24-hour clock of 附件4 ("24 小时以上不能恢复供热"), or None without an outage."""
    start = incident.outage_started_at
    if start is None:
        return None
    restored = incident.restored_at
    end = restored or now
    firm_at = incident.firm_at()
    estimate = None if restored else incident.estimated_restoration_at
    return {
        "start": start,
        "elapsed": max(end - start, timedelta(0)),
        "restored": restored,
        "estimate": estimate,
        "estimate_length": (estimate - start) if estimate else None,
        "estimate_remaining": (estimate - now) if estimate and estimate > now else None,
        "firm_at": firm_at,
        "until_firm": (firm_at - now) if rec.status == "provisional" and firm_at > now else None,
        "firm_by_estimate": rec.status == "firm" and restored is None and now < firm_at,
        "counted_hours": rec.unrestored_hours,
    }


def _grade_rows(incident, reasons):
    """["附件5 较大：死亡3人以上"] → [(clause, criterion, the figure that reached it)]."""

    def people(n):
        return ngettext("%(n)s 人", "%(n)s 人", n) % {"n": fmt_number(n)}

    figures = (
        ("死亡", incident.deaths, people),
        ("重伤", incident.serious_injuries, people),
        ("直接经济损失", incident.direct_loss_yuan, lambda v: _("%(n)s 元") % {"n": fmt_number(v)}),
    )
    rows = []
    for reason in reasons:
        clause, _sep, what = reason.partition("：")
        value = next(
            (show(v) for prefix, v, show in figures if what.startswith(prefix) and v is not None), ""
        )
        rows.append((clause, what, value))
    return rows


def _immediate_reason(incident, rec):
    """附件4 第4项, prefilled where people are trapped or dead (DOMAIN.md §3)."""
    if not rec.immediate_option:
        return ""
    who = []
    if incident.people_at_risk_peak:
        who.append(_("涉险、被困、失联 %(n)s 人") % {"n": incident.people_at_risk_peak})
    if incident.still_trapped:
        who.append(_("仍被困 %(n)s 人") % {"n": incident.still_trapped})
    deaths = incident.deaths  # dead, verified or not (DOMAIN.md §3)
    if deaths:
        who.append(_("死亡 %(n)s 人") % {"n": deaths})
    return _("依%(clause)s（市指挥部认为需要启动的其他情形）立即启动：%(who)s，不等待满24小时。") % {
        "clause": rec.condition_4_clause,
        "who": "，".join(who),
    }


def recommendation_context(incident, now):
    rec = incident.recommendation(now)
    grade, reasons = incident.grade()
    confirmed = incident.grade_if_confirmed() if incident.grade_provisional else grade
    pending = [
        label
        for flag, label in (
            (incident.deaths_pending, _("死亡人数")),
            (incident.serious_injuries_pending, _("重伤人数")),
            (incident.direct_loss_pending, _("直接经济损失")),
        )
        if flag
    ]
    shown_level = rec.level or rec.matched_level
    return {
        "now": now,
        "rec": rec,
        "rec_level": ResponseLevel(shown_level) if shown_level else None,
        "rec_status_label": STATUS_LABELS[rec.status],
        "grade": grade,
        "grade_rows": _grade_rows(incident, reasons),
        "grade_provisional": incident.grade_provisional,
        "grade_pending": pending,
        "grade_confirmed": confirmed,
        "grade_changes_when_confirmed": incident.grade_provisional and confirmed != grade,
        "share": incident.outage_share,
        "area_exceeds_total": incident.outage_area_exceeds_total,
        "service_area": incident.service_area,
        "clock": outage_clock(incident, rec, now),
        "immediate_reason": _immediate_reason(incident, rec),
        "polling": incident.pk is not None and incident.state not in CLOSED_STATES,
        "incident_active": incident.state in ACTIVE_STATES,
    }


# ------------------------------------------------------------------------------------------------
# The list
# ------------------------------------------------------------------------------------------------


@login_required
def incident_list(request):
    form = IncidentFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    qs = visible_incidents(request.user, selectors.incident_list(**filters))  # finding 7 of issue 16
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    for incident in page:  # computed from the row: no query per incident
        incident.rec = incident.recommendation(now)
        incident.grade_value = incident.grade()[0]
        incident.rec_level = incident.rec.level or incident.rec.matched_level
        incident.rec_differs = (  # a firm recommendation the active level does not follow
            incident.rec.firm and incident.rec.level != incident.level and incident.state in ACTIVE_STATES
        )
        incident.outage = incident.outage_hours(now)  # DOMAIN §6: elapsed and estimate apart
        if incident.outage_started_at:
            incident.without_heat = max(
                (incident.restored_at or now) - incident.outage_started_at, timedelta(0)
            )
        else:
            incident.without_heat = None
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
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "incidents/list.html#results" if partial else "incidents/list.html", context)


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
    template = "incidents/form.html#form" if (request.htmx and live) else "incidents/form.html"
    return render(request, template, context, status=status)


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
        try:
            incident = services.incident_report(
                actor=request.user,
                data=form.incident_data(),
                first_measures=measures.rows(),
                submission=request.POST.get("submission", ""),
            )
        except ValidationError as e:
            add_service_error(form, e, field_map={"direct_loss_yuan": "direct_loss"})
        else:
            if getattr(incident, "duplicate_submission", False):
                return _already_reported(request, incident)
            messages.success(
                request,
                _("已登记：%(title)s（编号 %(ref)s）。") % {"title": str(incident), "ref": incident.ref},
            )
            return redirect(incident)
    return _render_report(request, form, measures, now, status=INVALID)


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


# ------------------------------------------------------------------------------------------------
# The incident page
# ------------------------------------------------------------------------------------------------


def _get_detail(pk):
    try:
        return selectors.incident_detail(pk)
    except Incident.DoesNotExist:
        raise Http404(_("没有这个事件。")) from None


def _move_items(incident, user, rec):
    """The buttons: the moves ``allowed_moves`` gives this user now. A level backed by the firm 附件4
    recommendation (or its alternative) needs no reason; any other level raised to is the command's
    judgment (附件4 第4项) and needs one, which the lifecycle enforces; the page says so beforehand."""
    items = []
    suggested = rec.level or rec.matched_level
    backed = backed_levels(rec)
    for spec, levels in allowed_moves(incident, user):
        item = {
            "name": spec.name,
            "label": spec.label,
            "clause": spec.clause,
            "needs_reason": spec.needs_reason,
            "levels": [(int(lv), lv.label) for lv in levels],
            "backed": [int(lv) for lv in levels if lv in backed],
            "suggested": int(suggested) if suggested and suggested in levels else None,
            "primary": spec.name in PRIMARY_MOVES,
            "reason": "",
        }
        if spec.name == "activate" and rec.immediate_option and not rec.firm:
            item["reason"] = _immediate_reason(incident, rec)
        if spec.name == "end_response":
            item["checks"] = [
                (_("仍被困人数为0"), incident.still_trapped == 0),
                (_("仍失联人数为0"), incident.still_missing == 0),
                (_("遇难人员已全部救出（遇难未救出人数为0）"), incident.dead_unrecovered == 0),
                (_("次生、衍生事故的威胁和危害已控制或消除"), incident.hazards_controlled),
            ]
        items.append(item)
    return items


def _may_follow_up(user, incident, can_log):
    # services.follow_up_add: no follow-up on a dismissed or archived incident (reopen it first)
    return incident.state not in (State.DISMISSED, State.ARCHIVED) and (
        can_log or bool(can(user, "incident.follow_up_unit", incident))
    )


def _detail_context(request, incident, *, follow_up_form=None, report_form=None):
    """The page; the 续报 and 信息报送 forms only when given (refused, with their errors) or asked for
    without JavaScript (``?form=``): otherwise they load when opened (``lazy_form``)."""
    now = timezone.now()
    user = request.user
    rc = recommendation_context(incident, now)
    can_log = bool(can(user, "incident.follow_up"))
    can_follow_up = _may_follow_up(user, incident, can_log)
    form = request.GET.get("form")
    if follow_up_form is None and can_follow_up and form == "follow_up":
        follow_up_form = FollowUpForm(incident=incident)
    if report_form is None and can_log and form == "report":
        report_form = UpwardReportForm()
    reports = list(incident.upward_reports.all())
    for r in reports:
        r.late = r.is_late(now)
    return {
        "incident": incident,
        **rc,
        "moves": _move_items(incident, user, rc["rec"]),
        "measures": list(incident.first_measures.all()),
        **follow_ups_context(request, incident.pk),
        "reports": reports,
        **timeline_context(incident.pk, None, user),
        "can_follow_up": can_follow_up,
        "can_log": can_log,
        "follow_up_form": follow_up_form,
        "report_form": report_form,
        # Incidents of the same event (one cold wave …): one query; the names offered when linking: one.
        "linked_siblings": list(
            Incident.objects.filter(linked_event_id=incident.linked_event_id)
            .exclude(pk=incident.pk)
            .only("id", "title", "state", "level", "reported_at", "is_drill")
            .order_by("reported_at")[:50]
        )
        if incident.linked_event_id
        else [],
    }


def lazy_form(request, pk, name):
    """The 续报 or 信息报送 form alone (htmx, when it is opened); 403 for someone who may not use it."""
    incident = get_object_or_404(selectors.incidents_qs().select_related("county__government"), pk=pk)
    can_log = can(request.user, "incident.follow_up")
    if name == "follow_up":
        if not _may_follow_up(request.user, incident, bool(can_log)):
            raise PermissionDenied(can_log.reason or _("此事件不能续报。"))
        context = {"incident": incident, "follow_up_form": FollowUpForm(incident=incident)}
    else:
        if not can_log:
            raise PermissionDenied(can_log.reason)
        context = {"incident": incident, "report_form": UpwardReportForm()}
    return render(request, f"incidents/detail.html#{name}_form", context)


@login_required
@cached_page()
def incident_detail(request, pk):
    part = request.GET.get("part") if request.htmx else None
    if part in ("follow_up_form", "report_form"):
        return lazy_form(request, pk, part.removesuffix("_form"))
    if part == "follow_ups":  # "更早的续报"
        return render(request, "incidents/detail.html#follow_up_items", follow_ups_context(request, pk))
    if part == "event_names":  # the names offered when linking (see the link form)
        names = LinkedEvent.objects.order_by("-created_at").values_list("name", flat=True)[:30]
        return render(request, "incidents/_event_names.html", {"event_names": names})
    incident = _get_detail(pk)
    return render(request, "incidents/detail.html", _detail_context(request, incident))


def recommendation(request, pk):
    """The recommendation panel alone, polled by htmx every 60 s while the tab is visible: a provisional
    recommendation turns firm by itself when the outage reaches 24 hours."""
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseClientRefresh()  # session ended: the page reloads to the login form
        return redirect_to_login(request.get_full_path())
    if not request.htmx:
        return redirect(reverse("incidents:detail", args=[pk]) + "#recommendation")
    try:
        incident = selectors.incident_for_recommendation(pk)
    except Incident.DoesNotExist:
        raise Http404(_("没有这个事件。")) from None
    context = {"incident": incident, **recommendation_context(incident, timezone.now())}
    return render(request, "incidents/detail.html#recommendation", context)


def _back(pk, anchor):
    return redirect(reverse("incidents:detail", args=[pk]) + f"#{anchor}")


def _merged_into(raw):
    """ "2026-00012", "#12" or "12" → 12."""
    digits = raw.strip().lstrip("#").rsplit("-", 1)[-1]
    return int(digits)


@login_required
@require_POST
def incident_move(request, pk, move):
    """One state action: calls the Incident method; the lifecycle checks the state, the authority and
    the move's conditions, and refuses with a Chinese message that changes nothing."""
    spec = MOVES.get(move)
    if spec is None:
        raise Http404(_("没有这个操作。"))
    incident = get_object_or_404(Incident, pk=pk)
    expected_state = request.POST.get("expected_state", "")
    if expected_state not in State.values:
        messages.error(request, _("操作未执行：页面已过期，请刷新后再试。"))
        return _back(pk, "actions")
    kwargs = {"expected_state": expected_state, "reason": request.POST.get("reason", "")}
    if "expected_level" in request.POST:  # "" (no level yet) is a value to check too
        raw = request.POST["expected_level"].strip()
        may = lambda: any(s.name == move for s, _l in allowed_moves(incident, request.user))  # noqa: E731
        kwargs["expected_level"] = hidden_int_for(raw, may) if raw else ""  # issue 16: 400 if malformed
    if move in ("activate", "change_level"):
        kwargs["level"] = request.POST.get("level")
    if move == "dismiss" and request.POST.get("merged_into", "").strip():
        raw = request.POST["merged_into"]
        try:
            target = _merged_into(raw)
        except ValueError:
            messages.error(
                request, _("操作未执行：“%(v)s”不是事件编号（如 2026-00012 或 12）。") % {"v": raw}
            )
            return _back(pk, "actions")
        if not Incident.objects.filter(pk=target).exists():
            messages.error(request, _("操作未执行：没有编号为 %(v)s 的事件。") % {"v": raw})
            return _back(pk, "actions")
        kwargs["merged_into"] = target
    try:
        getattr(incident, move)(request.user, **kwargs)
    except (TransitionError, PermissionDenied) as e:
        messages.error(request, str(e) or _("您无权进行此项操作。"))
        return _back(pk, "actions")
    if move == "activate":
        done = _("已启动%(level)s响应。") % {"level": ResponseLevel(incident.level).label}
    elif move == "change_level":
        done = _("响应级别已调整为%(level)s。") % {"level": ResponseLevel(incident.level).label}
    else:
        done = _("已完成：%(move)s。现为“%(state)s”。") % {
            "move": spec.label,
            "state": State(incident.state).label,
        }
    messages.success(request, done)
    return _back(pk, "top")


@login_required
@require_POST
def follow_up(request, pk):
    """续报 (§5.1): a note and the changed figures; the page shows what changed."""
    incident = get_object_or_404(selectors.incidents_qs().select_related("county__government"), pk=pk)
    decision = can(request.user, "incident.follow_up")
    if not (decision or can(request.user, "incident.follow_up_unit", incident)):
        messages.error(request, decision.reason)
        return _back(pk, "follow-ups")
    form = FollowUpForm(request.POST, incident=incident)
    if form.is_valid():
        try:
            report = services.follow_up_add(
                actor=request.user,
                incident_id=incident.pk,
                note=form.cleaned_data["note"],
                data=form.changed_values(),
                correction=form.cleaned_data.get("correction", False),
                correction_reason=form.cleaned_data.get("correction_reason", ""),
            )
        except PermissionDenied as e:
            messages.error(request, str(e))
            return _back(pk, "follow-ups")
        except ValidationError as e:
            add_service_error(form, e, field_map={"direct_loss_yuan": "direct_loss"})
        else:
            n = len(report.changes)
            messages.success(
                request,
                _("已记录续报（%(n)s 项数据变化）。") % {"n": n} if n else _("已记录续报（数据无变化）。"),
            )
            return _back(pk, "follow-ups")
    detail = _get_detail(pk)
    return render(
        request,
        "incidents/detail.html",
        _detail_context(request, detail, follow_up_form=form),
        status=INVALID,
    )


@login_required
@require_POST
def report_log(request, pk):
    """Log a report sent (or due) upward (§5.1)."""
    incident = get_object_or_404(Incident, pk=pk)
    decision = can(request.user, "incident.follow_up")
    if not decision:
        messages.error(request, decision.reason)
        return _back(pk, "reports")
    form = UpwardReportForm(request.POST)
    if form.is_valid():
        cd = form.cleaned_data
        try:
            report = services.upward_report_log(actor=request.user, incident=incident, **cd)
        except PermissionDenied as e:
            messages.error(request, str(e))
            return _back(pk, "reports")
        except ValidationError as e:
            add_service_error(form, e)
        else:
            messages.success(
                request,
                _("已记录信息报送：%(to)s，时限 %(due)s。")
                % {
                    "to": report.get_recipient_display(),
                    "due": f"{timezone.localtime(report.due_at):%m-%d %H:%M}",
                },
            )
            return _back(pk, "reports")
    detail = _get_detail(pk)
    return render(
        request, "incidents/detail.html", _detail_context(request, detail, report_form=form), status=INVALID
    )


@login_required
@require_POST
def report_sent(request, pk, report_id):
    report = get_object_or_404(UpwardReport, pk=report_id, incident_id=pk)
    try:
        report = services.upward_report_mark_sent(actor=request.user, report_id=report.pk)
    except PermissionDenied as e:
        messages.error(request, str(e) or _("您无权进行此项操作。"))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        if report.is_late():
            messages.warning(
                request, _("已标记为已报送：%(to)s（超时）。") % {"to": report.get_recipient_display()}
            )
        else:
            messages.success(request, _("已标记为已报送：%(to)s。") % {"to": report.get_recipient_display()})
    return _back(pk, "reports")


@login_required
@require_POST
def link(request, pk):
    """Link the incident to an event of several incidents (or unlink with an empty name)."""
    incident = get_object_or_404(Incident, pk=pk)
    try:
        services.incident_link(
            actor=request.user, incident_id=incident.pk, event_name=request.POST.get("event_name", "")
        )
    except PermissionDenied as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已更新关联事件。"))
    return _back(pk, "facts")
