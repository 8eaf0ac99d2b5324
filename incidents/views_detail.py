"""The incident page (issue 4): the recommendation panel polled every minute, the reporting log,
follow-ups, state actions and the timeline; each action checks the permission, calls a service or an
Incident method, then redirects with a Chinese message (or renders the page with the form's errors)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from config.htmx import asked_part, render_page, wants_partial
from config.inputs import hidden_int_for
from config.pagecache import cached_page
from orgchart.permissions import can

from . import selectors, services
from .choices import ResponseLevel, State
from .forms import FollowUpForm, UpwardReportForm, add_service_error
from .lifecycle import MOVES, TransitionError, allowed_moves
from .models import Incident, LinkedEvent, UpwardReport
from .panels import move_items, recommendation_context
from .views import INVALID
from .views_lists import follow_ups_context, timeline_context

# ------------------------------------------------------------------------------------------------
# The incident page
# ------------------------------------------------------------------------------------------------


def _get_detail(pk):
    try:
        return selectors.incident_detail(pk)
    except Incident.DoesNotExist:
        raise Http404(_("没有这个事件。")) from None


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
        "moves": move_items(incident, user, rc["rec"]),
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


# What an htmx request may ask of the incident page (``?part=``): the forms loaded when opened, "更早的续报",
# the names offered when linking.
DETAIL_PARTS = ("follow_up_form", "report_form", "follow_ups", "event_names")


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
    return render_page(request, "incidents/detail.html", context, partial=f"{name}_form")


@login_required
@cached_page()
def incident_detail(request, pk):
    part = asked_part(request, DETAIL_PARTS)
    if part in ("follow_up_form", "report_form"):
        return lazy_form(request, pk, part.removesuffix("_form"))
    if part == "follow_ups":  # "更早的续报"
        return render_page(
            request, "incidents/detail.html", follow_ups_context(request, pk), partial="follow_up_items"
        )
    if part == "event_names":  # the names offered when linking (see the link form)
        names = LinkedEvent.objects.order_by("-created_at").values_list("name", flat=True)[:30]
        return render(request, "incidents/_event_names.html", {"event_names": names})
    incident = _get_detail(pk)
    return render(request, "incidents/detail.html", _detail_context(request, incident))


def recommendation(request, pk):
    """The recommendation panel alone, polled by htmx every 60 s while the tab is visible: a provisional
    recommendation turns firm by itself when the outage reaches 24 hours."""
    if not request.user.is_authenticated:
        if wants_partial(request):
            return HttpResponseClientRefresh()  # session ended: the page reloads to the login form
        return redirect_to_login(request.get_full_path())
    if not wants_partial(request):
        return redirect(reverse("incidents:detail", args=[pk]) + "#recommendation")
    try:
        incident = selectors.incident_for_recommendation(pk)
    except Incident.DoesNotExist:
        raise Http404(_("没有这个事件。")) from None
    context = {"incident": incident, **recommendation_context(incident, timezone.now())}
    return render_page(request, "incidents/detail.html", context, partial="recommendation")


def _back(pk, anchor):
    return redirect(reverse("incidents:detail", args=[pk]) + f"#{anchor}")


def _merged_into(raw):
    """ "2026-00012", "#12" or "12" → 12."""
    digits = raw.strip().lstrip("#").rsplit("-", 1)[-1]
    return int(digits)


class MoveRefused(Exception):
    """The page's form cannot be acted on (a stale page, an incident number that names nothing)."""


def _move_arguments(request, incident, move):
    """The move's keyword arguments from the page's form; ``MoveRefused`` with the message to show. A
    malformed expected level: 403 for who may not make the move anyway, else 400 (issue 16)."""
    expected_state = request.POST.get("expected_state", "")
    if expected_state not in State.values:
        raise MoveRefused(_("操作未执行：页面已过期，请刷新后再试。"))
    kwargs = {"expected_state": expected_state, "reason": request.POST.get("reason", "")}
    if "expected_level" in request.POST:  # "" (no level yet) is a value to check too
        raw = request.POST["expected_level"].strip()
        may = lambda: any(s.name == move for s, _l in allowed_moves(incident, request.user))  # noqa: E731
        kwargs["expected_level"] = hidden_int_for(raw, may) if raw else ""
    if move in ("activate", "change_level"):
        kwargs["level"] = request.POST.get("level")
    if move == "dismiss" and request.POST.get("merged_into", "").strip():
        raw = request.POST["merged_into"]
        try:
            target = _merged_into(raw)
        except ValueError:
            raise MoveRefused(
                _("操作未执行：“%(v)s”不是事件编号（如 2026-00012 或 12）。") % {"v": raw}
            ) from None
        if not Incident.objects.filter(pk=target).exists():
            raise MoveRefused(_("操作未执行：没有编号为 %(v)s 的事件。") % {"v": raw})
        kwargs["merged_into"] = target
    return kwargs


def _move_done(spec, incident):
    """What the page says once the move is made."""
    if spec.name == "activate":
        return _("已启动%(level)s响应。") % {"level": ResponseLevel(incident.level).label}
    if spec.name == "change_level":
        return _("响应级别已调整为%(level)s。") % {"level": ResponseLevel(incident.level).label}
    return _("已完成：%(move)s。现为“%(state)s”。") % {
        "move": spec.label,
        "state": State(incident.state).label,
    }


@login_required
@require_POST
def incident_move(request, pk, move):
    """One state action: calls the Incident method; the lifecycle checks the state, the authority and
    the move's conditions, and refuses with a Chinese message that changes nothing."""
    spec = MOVES.get(move)
    if spec is None:
        raise Http404(_("没有这个操作。"))
    incident = get_object_or_404(Incident, pk=pk)
    try:
        kwargs = _move_arguments(request, incident, move)
    except MoveRefused as e:
        messages.error(request, str(e))
        return _back(pk, "actions")
    try:
        getattr(incident, move)(request.user, **kwargs)
    except (TransitionError, PermissionDenied) as e:
        messages.error(request, str(e) or _("您无权进行此项操作。"))
        return _back(pk, "actions")
    messages.success(request, _move_done(spec, incident))
    return _back(pk, "top")


def _refused_page(request, pk, **forms):
    """The incident page again with the refused form and its errors (422)."""
    detail = _get_detail(pk)
    return render(request, "incidents/detail.html", _detail_context(request, detail, **forms), status=INVALID)


def _follow_up_saved(report):
    n = len(report.changes)
    return _("已记录续报（%(n)s 项数据变化）。") % {"n": n} if n else _("已记录续报（数据无变化）。")


def _report_logged(report):
    return _("已记录信息报送：%(to)s，时限 %(due)s。") % {
        "to": report.get_recipient_display(),
        "due": f"{timezone.localtime(report.due_at):%m-%d %H:%M}",
    }


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
            messages.success(request, _follow_up_saved(report))
            return _back(pk, "follow-ups")
    return _refused_page(request, pk, follow_up_form=form)


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
            messages.success(request, _report_logged(report))
            return _back(pk, "reports")
    return _refused_page(request, pk, report_form=form)


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
