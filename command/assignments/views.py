"""Task pages (issue 6): "我的任务" (a phone: sign for in one tap, report progress with a photo), a task's
page, the files from the scene (served only after a permission check), the command's task board (live),
and the end-of-response form (§5.3.6).

Every task URL looks the task up through ``assignments.services.visible``: another unit's task is a 404."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.htmx import asked_part, render_page
from config.inputs import hidden_int_for
from config.pagecache import cached_page
from incidents.choices import State
from incidents.lifecycle import allowed_moves
from incidents.models import Incident
from orgchart.models import Person, Unit, UnitKind
from orgchart.permissions import can

from ..common import CommandError
from ..web import parse_local, sig
from . import ending, selectors, services
from .models import Assignment, TaskFile, TaskNote
from .moves import MOVES

OPEN = Assignment.OPEN_STATES


_tasks_qs = selectors.tasks_qs
_ordered = selectors.ordered_tasks


def _offset(request):
    raw = request.GET.get("offset", "")
    return min(int(raw), 10**6) if raw.isdigit() else 0


def _mark(tasks, scope, now):
    """What a row shows besides the task: overdue, and the one-tap 签收 where this user may sign."""
    for t in tasks:
        t.overdue = t.is_overdue(now)
        t.can_sign = t.state == Assignment.State.PENDING and scope.may("sign", t)
    return tasks


def _more_urls(base, params, next_offset):
    """The "更多" link of a list: (plain link without JavaScript, htmx URL) or ("", "")."""
    if next_offset is None:
        return "", ""
    page = urlencode({**params, "offset": next_offset})
    part = urlencode({**params, "part": "rows", "offset": next_offset})
    return f"{base}?{page}", f"{base}?{part}"


def _get_task(request, pk):
    try:
        return (
            services.visible(request.user, _tasks_qs())
            .prefetch_related(
                Prefetch("notes", queryset=TaskNote.objects.order_by("at", "id").prefetch_related("files"))
            )
            .get(pk=pk)
        )
    except Assignment.DoesNotExist:
        raise Http404(_("没有这项任务。")) from None


def _actions(scope, task):
    return [
        {"name": m.name, "label": m.label, "needs_reason": m.needs_reason}
        for m in MOVES.values()
        if task.state in m.sources and scope.may(m.name, task) and task.incident.state != State.ARCHIVED
    ]


@login_required
@cached_page()
def my_tasks(request):
    """The tasks of this person's units and groups, open first; TASK_ROWS (20) at a time ("更多任务")."""
    now = timezone.now()
    scope = services.Scope(request.user)
    qs = scope.filter(_tasks_qs()).filter(
        incident__state__in=(State.RESPONDING, State.RESPONSE_ENDED, State.AFTERMATH)
    )
    show_done = request.GET.get("done") == "1"
    if not show_done:
        qs = qs.filter(state__in=OPEN)
    tasks, next_offset = selectors.task_page(qs, now, offset=_offset(request))
    params = {"done": "1"} if show_done else {}
    more_href, more_hx = _more_urls(reverse("command:my_tasks"), params, next_offset)
    context = {
        "tasks": _mark(tasks, scope, now),
        "scope": scope,
        "show_done": show_done,
        "now": now,
        "more_href": more_href,
        "more_hx": more_hx,
        "row_next": "mine",
        "show_incident": True,
    }
    if asked_part(request) == "rows":  # "更多任务"
        return render(request, "command/assignments/_task_rows.html", context)
    return render(request, "command/assignments/my_tasks.html", context)


@login_required
def task_detail(request, pk):
    task = _get_task(request, pk)
    scope = services.Scope(request.user)
    context = {
        "task": task,
        "incident": task.incident,
        "actions": _actions(scope, task),
        "may_progress": task.is_open
        and task.state != Assignment.State.RETURNED
        and (scope.is_doer(task) or scope.command),
        "may_reassign": scope.command and task.is_open and task.kind == Assignment.Kind.TASK,
        "overdue": task.is_overdue(),
        "max_files": services.MAX_FILES,
    }
    if context["may_reassign"]:
        context["groups"] = services.groups_for_select(task.incident)
        context["units"] = list(
            Unit.objects.filter(active=True)
            .exclude(kind=UnitKind.ENTERPRISE_CATEGORY)
            .order_by("order", "name")
        )
    return render(request, "command/assignments/task.html", context)


def _back_to(request, task_id):
    nxt = request.POST.get("next", "")
    if nxt == "mine":
        return redirect("command:my_tasks")
    if nxt.startswith("board:") and nxt[6:].isdigit():
        return redirect("command:board", pk=int(nxt[6:]))
    return redirect("command:task", pk=task_id)


@login_required
@require_POST
def task_move(request, pk, move):
    if move not in MOVES:
        raise Http404
    try:
        task = services.task_move(
            task_id=pk,
            user=request.user,
            move=move,
            expected_state=request.POST.get("expected_state") or None,
            reason=request.POST.get("reason", ""),
        )
    except Assignment.DoesNotExist:
        raise Http404(_("没有这项任务。")) from None
    except (CommandError, PermissionDenied) as e:
        messages.error(request, str(e) or _("您无权进行此项操作。"))
    else:
        messages.success(
            request,
            _("%(move)s：%(title)s（%(state)s）。")
            % {"move": MOVES[move].label, "title": task.title, "state": task.get_state_display()},
        )
    return _back_to(request, pk)


@login_required
@require_POST
def task_progress(request, pk):
    try:
        services.task_progress(
            task_id=pk,
            user=request.user,
            text=request.POST.get("text", ""),
            files=request.FILES.getlist("files"),
        )
    except Assignment.DoesNotExist:
        raise Http404(_("没有这项任务。")) from None
    except (CommandError, PermissionDenied) as e:
        messages.error(request, str(e) or _("您无权进行此项操作。"))
    else:
        messages.success(request, _("进展已报告。"))
    return _back_to(request, pk)


@login_required
@require_POST
def task_reassign(request, pk):
    try:
        services.task_reassign(
            task_id=pk,
            user=request.user,
            group_code=request.POST.get("group", ""),
            unit_id=int(request.POST.get("unit") or 0) or None,
            reason=request.POST.get("reason", ""),
        )
    except Assignment.DoesNotExist:
        raise Http404(_("没有这项任务。")) from None
    except (CommandError, PermissionDenied, ValueError) as e:
        messages.error(request, str(e) if not isinstance(e, ValueError) else _("请选择单位。"))
    else:
        messages.success(request, _("任务已改派。"))
    return _back_to(request, pk)


@login_required
def task_file(request, pk):
    """A photo or file from the scene: only for those who may see its task."""
    try:
        f = TaskFile.objects.select_related("note").get(pk=pk)
    except TaskFile.DoesNotExist:
        raise Http404 from None
    if not services.visible(request.user, Assignment.objects.filter(pk=f.note.task_id)).exists():
        raise Http404(_("没有这个文件。"))
    response = FileResponse(
        f.file.open("rb"), content_type=f.content_type, as_attachment=not f.is_image, filename=f.name
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ------------------------------------------------------------------------------------------------
# The command's task board
# ------------------------------------------------------------------------------------------------


def _board_context(request, incident):
    """The board without its rows (figures counted in SQL); a section's rows load when it is opened."""
    now = timezone.now()
    scope = services.Scope(request.user)
    summary = selectors.board_summary(scope.filter(Assignment.objects.filter(incident=incident)), now)
    return {
        "incident": incident,
        **summary,
        "sig": sig([summary["sig"]]),
        "scope": scope,
        "now": now,
        "board_next": f"board:{incident.pk}",
    }


def _section_rows(request, incident, key, scope, now):
    """One section's rows (TASK_ROWS from ``offset``) and its "更多" links; None for an unknown section."""
    tasks = selectors.board_section(scope.filter(_tasks_qs().filter(incident=incident)), key)
    if tasks is None:
        return None
    rows, next_offset = selectors.task_page(tasks, now, offset=_offset(request))
    more_href, more_hx = _more_urls(
        reverse("command:board", args=[incident.pk]), {"section": key}, next_offset
    )
    return {
        "tasks": _mark(rows, scope, now),
        "more_href": more_href + (f"#board-{key}" if more_href else ""),
        "more_hx": more_hx,
        "row_next": f"board:{incident.pk}",
        "section": key,
    }


def _incident_or_404(pk):
    try:
        return Incident.objects.select_related("county").get(pk=pk)
    except Incident.DoesNotExist:
        raise Http404(_("没有这个事件。")) from None


def _issue_form(request, incident):
    """The 下达任务 form alone (htmx, when it is opened); 403 for someone who may not issue."""
    if not (services.Scope(request.user).command and incident.state == State.RESPONDING):
        raise PermissionDenied(_("只有现场指挥部或办公室在响应中下达任务。"))
    context = {"incident": incident, **_issue_choices(incident)}
    return render_page(request, "command/assignments/board.html", context, partial="issue_form")


@login_required
@cached_page()
def board(request, pk):
    incident = _incident_or_404(pk)
    part = asked_part(request)
    if part == "rows":  # a section opened, or its "更多"
        scope, now = services.Scope(request.user), timezone.now()
        rows = _section_rows(request, incident, request.GET.get("section", ""), scope, now)
        if rows is None:
            raise Http404(_("没有这一栏。"))
        return render(request, "command/assignments/_task_rows.html", rows)
    if part == "issue_form":  # the 下达任务 form, loaded when it is opened
        return _issue_form(request, incident)
    context = _board_context(request, incident)
    if part == "board":
        return render_page(
            request, "command/assignments/board.html", context, partial=part, signature=context["sig"]
        )
    if request.GET.get("section"):  # without JavaScript: the page with this section open
        context["open_section"] = _section_rows(
            request, incident, request.GET["section"], context["scope"], context["now"]
        )
    if incident.state == State.RESPONDING:
        end_action = "response.end.1_2" if (incident.level or 4) <= 2 else "response.end.3_4"
        context["may_end"] = bool(can(request.user, end_action, incident))
    context["may_issue"] = context["scope"].command and incident.state == State.RESPONDING
    if context["may_issue"] and request.GET.get("form") == "issue":  # without JavaScript: the form open
        context.update(_issue_choices(incident), open_form="issue")
    return render(request, "command/assignments/board.html", context)


def _issue_choices(incident):
    return {
        "groups": services.groups_for_select(incident),
        "units": list(
            Unit.objects.filter(active=True)
            .exclude(kind=UnitKind.ENTERPRISE_CATEGORY)
            .order_by("order", "name")
        ),
        "people": list(
            Person.objects.filter(active=True).select_related("unit").order_by("unit__order", "name")[:400]
        ),
        "priorities": Assignment.Priority.choices,
    }


@login_required
@require_POST
def task_issue(request, pk):
    try:
        task = services.task_issue(
            incident_id=pk,
            user=request.user,
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            group_code=request.POST.get("group", ""),
            unit_id=int(request.POST.get("unit") or 0) or None,
            person_id=int(request.POST.get("person") or 0) or None,
            due_at=parse_local(request.POST.get("due_at")),
            priority=request.POST.get("priority", "normal"),
        )
    except (CommandError, PermissionDenied, ValueError) as e:
        messages.error(request, str(e) if not isinstance(e, ValueError) else _("请选择单位。"))
    else:
        messages.success(request, _("已下达任务：%(title)s。") % {"title": task.title})
    return redirect(reverse("command:board", args=[pk]))


# ------------------------------------------------------------------------------------------------
# Ending the response (§5.3.6)
# ------------------------------------------------------------------------------------------------


def _end_context(request, incident):
    action = "response.end.1_2" if (incident.level or 4) <= 2 else "response.end.3_4"
    decision = can(request.user, action, incident)
    open_tasks = list(_ordered(_tasks_qs().filter(incident=incident, state__in=OPEN), timezone.now()))
    checks = [
        (_("仍被困人数为0"), incident.still_trapped == 0, incident.still_trapped),
        (_("仍失联人数为0"), incident.still_missing == 0, incident.still_missing),
        (
            _("遇难人员已全部救出（遇难未救出人数为0）"),
            incident.dead_unrecovered == 0,
            incident.dead_unrecovered,
        ),
        (_("次生、衍生事故的威胁和危害已控制或消除"), bool(incident.hazards_controlled), None),
    ]
    return {
        "incident": incident,
        "decision": decision,
        "rule_label": decision.rule.label,
        "open_tasks": open_tasks,
        "checks": checks,
        "all_met": all(ok for _l, ok, _n in checks),
    }


def _may_end(request, incident):
    return any(spec.name == "end_response" for spec, _levels in allowed_moves(incident, request.user))


@login_required
def end_response(request, pk):
    incident = _incident_or_404(pk)
    if incident.state != State.RESPONDING:
        messages.info(
            request, _("事件当前为“%(state)s”，没有进行中的响应。") % {"state": incident.get_state_display()}
        )
        return redirect("command:incident", pk=pk)
    context = _end_context(request, incident)
    if request.method == "POST":
        decisions = {t.pk: request.POST.get(f"task-{t.pk}", "") for t in context["open_tasks"]}
        try:
            ending.response_end(
                incident_id=pk,
                user=request.user,
                decisions=decisions,
                reason=request.POST.get("reason", ""),
                expected_level=hidden_int_for(
                    request.POST.get("expected_level"), lambda: _may_end(request, incident)
                )
                or None,
            )
        except (CommandError, PermissionDenied) as e:
            messages.error(request, str(e) or _("您无权进行此项操作。"))
            for t in context["open_tasks"]:
                t.posted = decisions.get(t.pk)
            return render(request, "command/assignments/end.html", context, status=422)
        messages.success(request, _("响应已结束，事件转入后期处置（§5.3.6、§7）。"))
        return redirect("incidents:detail", pk=pk)
    return render(request, "command/assignments/end.html", context)
