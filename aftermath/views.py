"""The aftermath pages (§7; issue 9): the incident's aftermath page (the §7.1 items and carried tasks,
the investigation record, the office summary, improvement measures, revisions, the archive) and the
office's list of improvement measures across incidents.

Thin views: parse, call ``aftermath.services`` (which checks who acts and the incident's state and
refuses with a Chinese message that changes nothing), then redirect with a message. A record form with
an error is shown again with what the person typed, never lost. An archived incident's page has no forms.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from command.common import CommandError
from command.models import Assignment
from incidents import lifecycle
from incidents.choices import State
from incidents.models import Incident
from orgchart.models import Unit, UnitKind
from orgchart.permissions import can

from . import plan, services
from .models import Kind, Measure, Record, Revision

AFTER_STATES = (State.RESPONSE_ENDED, State.AFTERMATH, State.ARCHIVED)


def _may_view(user):
    return bool(can(user, "aftermath.manage")) or bool(can(user, "task.view_all"))


def _back(pk, anchor="top"):
    return redirect(reverse("aftermath:incident", args=[pk]) + f"#{anchor}")


def _refusal(request, e):
    if isinstance(e, CommandError) and e.args and isinstance(e.args[0], dict):
        messages.error(request, "；".join(str(v) for v in e.args[0].values()))
    else:
        messages.error(request, str(e) or _("您无权进行此项操作。"))


def _fields(kind, content, errors, team=""):
    required = {f.name for f in services.required_fields(kind, team)}
    rows = []
    for f in plan.FIELDS[kind]:
        if f.name == "outside_ref" and team not in plan.OUTSIDE_TEAMS and not content.get(f.name):
            continue  # only an investigation by the province (or above) has an outside reference
        rows.append(
            {
                "f": f,
                "value": content.get(f.name, ""),
                "error": errors.get(f.name, ""),
                "required": f.name in required,
            }
        )
    return rows


def _record_block(kind, record, revisions, posted=None, errors=None, team=""):
    """What the page shows of one record: its revisions (newest first), the draft or the latest
    submitted version, and the form (pre-filled with the draft, or with the latest version for a
    correction, or with what the person just posted when it was refused)."""
    revisions = sorted(revisions, key=lambda r: -r.number)
    draft = next((r for r in revisions if r.status == Revision.Status.DRAFT), None)
    submitted = [r for r in revisions if r.status == Revision.Status.SUBMITTED]
    current = submitted[0] if submitted else None
    base = draft or current
    team = team if kind == Kind.INVESTIGATION else ""  # the current grade's team (§7.2: it follows)
    content = posted if posted is not None else (base.content if base else {})
    return {
        "kind": kind,
        "label": Kind(kind).label,
        "record": record,
        "revisions": revisions,
        "draft": draft,
        "current": current,
        "token": services.token_of(revisions[0] if revisions else None),
        "rows": _fields(kind, content, errors or {}, team),
        "shown": [(f, (current.content if current else {}).get(f.name, "")) for f in plan.FIELDS[kind]],
        "correcting": draft is None and current is not None,
        "needs_reason": (draft is not None and draft.number > 1) or (draft is None and current is not None),
        "reason": (posted or {}).get("_reason", draft.reason if draft else ""),
        "missing": services.missing_fields(kind, base.content, team) if base else [],
    }


def _record_blocks(incident, posted_kind, posted, errors):
    """(grade, team, the record blocks, the team mismatch) of the §7.2 records: the investigation where the
    incident has an accident grade (附件5) or a record already, and the office summary."""
    records = {r.kind: r for r in Record.objects.filter(incident=incident)}
    revisions = {}
    for rev in Revision.objects.filter(record__incident=incident).select_related("record").order_by("number"):
        revisions.setdefault(rev.record.kind, []).append(rev)
    grade = services.accident_grade(incident)
    team = services.team_level(incident)  # the team follows the current grade (§7.2, reading)
    investigation = records.get(Kind.INVESTIGATION)
    submitted_kinds = {r.record.kind for rs in revisions.values() for r in rs if r.status == "submitted"}
    team_mismatch = (
        services.team_mismatch(incident, investigation)
        if investigation is not None and Kind.INVESTIGATION in submitted_kinds
        else ""
    )
    kinds = ([Kind.INVESTIGATION] if grade or Kind.INVESTIGATION in records else []) + [Kind.SUMMARY]
    blocks = [
        _record_block(
            kind,
            records.get(kind),
            revisions.get(kind, []),
            posted=posted if kind == posted_kind else None,
            errors=errors if kind == posted_kind else None,
            team=team,
        )
        for kind in kinds
    ]
    return grade, team, blocks, team_mismatch


def _context(request, incident, posted_kind=None, posted=None, errors=None):
    user = request.user
    tasks = list(
        Assignment.objects.filter(incident=incident)
        .filter(Q(phase=Assignment.Phase.AFTERMATH) | Q(carried_to_aftermath=True))
        .select_related("group", "unit", "person")
        .order_by("phase", "created_at", "id")
    )
    grade, team, blocks, team_mismatch = _record_blocks(incident, posted_kind, posted, errors)
    measures = list(
        Measure.objects.filter(incident=incident).select_related("owner_unit").order_by("due_on", "id")
    )
    manage = bool(can(user, "aftermath.manage", incident))
    writable = incident.state == State.AFTERMATH
    return {
        "incident": incident,
        "items": [t for t in tasks if t.phase == Assignment.Phase.AFTERMATH],
        "carried": [t for t in tasks if t.phase != Assignment.Phase.AFTERMATH],
        "open_count": sum(1 for t in tasks if t.is_open),
        "grade": grade,
        "team": team,
        "team_label": plan.TEAM_LABELS.get(team, ""),
        "team_clause": plan.TEAM_CLAUSE,
        "team_mismatch": team_mismatch,
        "outside": team in plan.OUTSIDE_TEAMS,
        "blocks": blocks,
        "measures": measures,
        "today": timezone.localdate(),
        "may_manage": manage,
        "may_write": manage and writable,
        "may_close_items": manage and writable and bool(can(user, "task.issue", incident)),
        "blockers": lifecycle.archive_blockers(incident) if incident.state == State.AFTERMATH else [],
        "may_archive": manage and writable,
        "may_reopen": incident.state == State.ARCHIVED and bool(can(user, "incident.reopen", incident)),
        "units": Unit.objects.filter(active=True)
        .exclude(kind=UnitKind.ENTERPRISE_CATEGORY)
        .order_by("kind", "order", "code")
        if manage and writable
        else [],
        "preamble": plan.ITEM_CONTEXT,
    }


@login_required
def incident_aftermath(request, pk):
    if not _may_view(request.user):
        raise PermissionDenied(_("后期处置页面供市指挥部办公室和指挥部使用（§7）。"))
    incident = get_object_or_404(Incident.objects.select_related("county", "county__government"), pk=pk)
    if incident.state not in AFTER_STATES:
        messages.info(request, _("响应结束后才有后期处置（§7）。"))
        return redirect(incident.get_absolute_url())
    return render(request, "aftermath/incident.html", _context(request, incident))


@login_required
@require_POST
def record_save(request, pk, kind):
    """Save the draft ("save") or save and submit it ("submit"). A refusal with field errors shows the
    form again with what was typed."""
    if kind not in plan.FIELDS:
        raise Http404(_("没有这种记录。"))
    incident = get_object_or_404(Incident.objects.select_related("county", "county__government"), pk=pk)
    raw = {f.name: request.POST.get(f.name, "") for f in plan.FIELDS[kind]}
    reason = request.POST.get("reason", "")
    try:
        revision = services.save_draft(
            incident_id=pk,
            kind=kind,
            user=request.user,
            raw=raw,
            reason=reason,
            token=request.POST.get("token", ""),
        )
        if request.POST.get("action") == "submit":
            services.submit(incident_id=pk, kind=kind, user=request.user, token=services.token_of(revision))
            messages.success(request, _("已提交，内容已锁定（第%(n)s版）。") % {"n": revision.number})
        else:
            messages.success(request, _("草稿已保存（第%(n)s版）。") % {"n": revision.number})
    except CommandError as e:
        errors = e.args[0] if e.args and isinstance(e.args[0], dict) else {}
        if not errors:
            messages.error(request, str(e))
        else:
            messages.error(request, _("未保存：请按提示修改。"))
        incident.refresh_from_db()
        context = _context(
            request, incident, posted_kind=kind, posted={**raw, "_reason": reason}, errors=errors
        )
        return render(request, "aftermath/incident.html", context, status=400)
    except PermissionDenied as e:
        _refusal(request, e)
    return _back(pk, kind)


@login_required
@require_POST
def item_not_applicable(request, task_id):
    task = get_object_or_404(Assignment, pk=task_id)
    try:
        services.item_not_applicable(
            task_id=task_id, user=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("已关闭：不适用。"))
    except (CommandError, PermissionDenied, Assignment.DoesNotExist) as e:
        _refusal(request, e)
    return _back(task.incident_id, "items")


def _date(raw):
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@login_required
@require_POST
def measure_add(request, pk):
    get_object_or_404(Incident, pk=pk)
    raw_due = request.POST.get("due_on", "")
    try:
        if raw_due.strip() and _date(raw_due) is None:
            raise CommandError({"due_on": _("完成时限不是有效的日期。")})
        services.measure_add(
            incident_id=pk,
            user=request.user,
            text=request.POST.get("text", ""),
            owner_unit_id=request.POST.get("owner_unit", ""),
            owner_name=request.POST.get("owner_name", ""),
            due_on=_date(raw_due),
        )
        messages.success(request, _("改进措施已添加。"))
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    return _back(pk, "measures")


@login_required
@require_POST
def measure_done(request, measure_id):
    measure = get_object_or_404(Measure, pk=measure_id)
    try:
        services.measure_done(measure_id=measure_id, user=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("已确认完成。"))
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    if request.POST.get("next") == "list":
        return redirect("aftermath:measures")
    return _back(measure.incident_id, "measures")


@login_required
@require_POST
def archive(request, pk):
    get_object_or_404(Incident, pk=pk)
    try:
        lifecycle.perform(pk, move="archive", actor=request.user, expected_state=State.AFTERMATH)
        messages.success(request, _("已归档。事件转为只读（§7）。"))
    except (lifecycle.TransitionError, PermissionDenied) as e:
        _refusal(request, e)
    return _back(pk, "archive")


@login_required
def measures(request):
    """The office's list of improvement measures across incidents (§7.2): open ones first, overdue on
    top; filter by state and unit. A fixed number of queries per page."""
    if not _may_view(request.user):
        raise PermissionDenied(_("改进措施清单供市指挥部办公室和指挥部使用（§7.2）。"))
    today = timezone.localdate()
    state = request.GET.get("state", "open")
    qs = Measure.objects.select_related("incident", "owner_unit")
    if state == "open":
        qs = qs.filter(state=Measure.State.OPEN)
    elif state == "overdue":
        qs = qs.filter(state=Measure.State.OPEN, due_on__lt=today)
    elif state == "done":
        qs = qs.filter(state=Measure.State.DONE)
    else:
        state = "all"
    unit = request.GET.get("unit", "")
    if unit.isdigit():
        qs = qs.filter(owner_unit_id=int(unit))
    counts = Measure.objects.aggregate(
        open=Count("id", filter=Q(state="open")),
        overdue=Count("id", filter=Q(state="open", due_on__lt=today)),
        done=Count("id", filter=Q(state="done")),
    )
    page = Paginator(qs.order_by("state", "due_on", "id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "aftermath/measures.html",
        {
            "page": page,
            "state": state,
            "unit": unit,
            "units": Unit.objects.filter(pk__in=Measure.objects.values("owner_unit_id")).order_by(
                "order", "code"
            ),
            "counts": counts,
            "today": today,
            "may_manage": bool(can(request.user, "aftermath.manage")),
        },
    )
