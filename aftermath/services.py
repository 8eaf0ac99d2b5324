"""Aftermath, investigation and archive (§7; issue 9). Every write locks the incident row, checks who
acts (``aftermath.manage``: the office, §7) and the incident's state, and records a timeline event, in one
transaction; a refusal raises ``CommandError``/``PermissionDenied`` with a Chinese message and changes
nothing.

- ``create_items``: the §7.1 items as tasks for the 事发地县级政府 under the 善后工作组, when the incident
  enters aftermath (idempotent). ``item_not_applicable`` closes one with a reason.
- ``save_draft`` / ``submit``: the investigation record (§7.2, only where there was an accident) and the
  office summary. Drafts are saved as you go; a submitted revision is locked; a correction is a new
  revision with a reason. ``token`` guards against two people overwriting each other's draft.
- ``measure_add`` / ``measure_done``: the summary's improvement measures, each with an owner and a due date.
- ``archive_blockers``: the archive gate (registered in ``incidents.lifecycle.ARCHIVE_CHECKS``).
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from command.assignments.notices import notify_new_task
from command.assignments.services import task_create, task_move
from command.common import CommandError, lock_incident, timeline_add
from command.models import Assignment
from config.inputs import FIELDS, window_error
from incidents.archive import ArchivedError
from incidents.choices import State
from incidents.recording import recorded
from incidents.timeline import actor_name
from orgchart.models import Unit, UnitKind, WorkingGroup
from orgchart.permissions import can

from . import plan
from .models import Kind, Measure, Record, Revision

MAX_TEXT = 20000
MAX_LINE = 200


# ---------------------------------------------------------------------------------------------------
# What the incident needs
# ---------------------------------------------------------------------------------------------------


def accident_grade(incident):
    """The 附件5 grade from the verified figures, or None (no accident)."""
    return incident.grade()[0]


def needs_investigation(incident):
    return accident_grade(incident) is not None


def team_level(incident):
    grade = accident_grade(incident)
    return plan.TEAM_BY_GRADE.get(grade, "") if grade else ""


def team_mismatch(incident, record=None, team=None):
    """Why the submitted investigation record's team is not the one the current grade calls for (§7.2,
    reading: the team follows the grade), or "" — e.g. a record submitted by the county team before a
    续报 raised the deaths to 3 (较大 → city team). One query unless ``record`` or ``team`` is given."""
    if team is None:
        if record is None:
            record = Record.objects.filter(incident=incident, kind=Kind.INVESTIGATION).first()
        if record is None:
            return ""
        team = record.team_level
    wanted = team_level(incident)
    if not wanted or team == wanted:
        return ""
    return _(
        "事故等级现为%(grade)s，应由%(wanted)s调查；已提交的调查评估报告系%(team)s所作，"
        "须按现等级提交更正（§7.2，解读：调查组随事故等级调整）"
    ) % {
        "grade": accident_grade(incident).label,
        "wanted": plan.TEAM_LABELS[wanted],
        "team": plan.TEAM_LABELS.get(team, _("（未记录调查主体）")),
    }


def required_fields(kind, team=""):
    fields = plan.FIELDS[kind]
    if kind == "investigation" and team in plan.OUTSIDE_TEAMS:
        return [f for f in fields if f.name in plan.OUTSIDE_REQUIRED]
    return [f for f in fields if f.required]


def archive_blockers(incident):
    """Why an incident in aftermath may not be archived yet (§7): open tasks (the §7.1 items and those
    carried over from the response), the office summary, and — only where there was an accident — the
    investigation record. Three queries."""
    failing = []
    open_tasks = Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES).count()
    if open_tasks:
        failing.append(_("仍有 %(n)s 项善后处置或转入的任务未完成（§7.1）") % {"n": open_tasks})
    rows = list(
        Revision.objects.filter(record__incident=incident).values_list(
            "record__kind", "status", "record__team_level"
        )
    )
    statuses = [(kind, status) for kind, status, _team in rows]
    teams = {kind: team for kind, _status, team in rows}
    submitted = {kind for kind, status in statuses if status == Revision.Status.SUBMITTED}
    correcting = sorted(
        {kind for kind, status in statuses if status == Revision.Status.DRAFT and kind in submitted}
    )
    for kind in correcting:
        failing.append(_("%(kind)s有未提交的更正草稿（§7.2）") % {"kind": Kind(kind).label})
    if incident.grade_provisional and not needs_investigation(incident):
        failing.append(_("伤亡或直接经济损失数字待核定，核定后才能确定是否须调查评估（附件5、§7.2）"))
    if needs_investigation(incident) and Kind.INVESTIGATION not in submitted:
        failing.append(
            _("有事故等级（%(grade)s），调查评估报告尚未提交（§7.2）")
            % {"grade": accident_grade(incident).label}
        )
    elif needs_investigation(incident):
        mismatch = team_mismatch(incident, team=teams[Kind.INVESTIGATION])
        if mismatch:
            failing.append(mismatch)
    if Kind.SUMMARY not in submitted:
        failing.append(_("办公室总结尚未提交（§7.2）"))
    return failing


# ---------------------------------------------------------------------------------------------------
# §7.1 items
# ---------------------------------------------------------------------------------------------------


def _require(user, incident):
    decision = can(user, "aftermath.manage", incident)
    if not decision:
        raise PermissionDenied(decision.reason)


def _writable(incident, states=(State.AFTERMATH,)):
    if incident.state == State.ARCHIVED:
        raise ArchivedError()
    if incident.state not in states:
        raise CommandError(
            _("事件当前为“%(state)s”，后期处置记录只能在“后期处置”阶段填写（§7）。")
            % {"state": State(incident.state).label}
        )


def create_items(incident, actor, now=None):
    """The §7.1 items as tasks for the 事发地县级政府 (善后工作组, 附件3), once per incident. Called in the
    transaction that moves the incident into aftermath; the people are told after commit."""
    now = now or timezone.now()
    if Assignment.objects.filter(
        incident=incident, phase=Assignment.Phase.AFTERMATH, clause=plan.ITEM_CLAUSE
    ).exists():
        return []
    group = WorkingGroup.objects.filter(code=plan.AFTERMATH_GROUP).first()
    unit = incident.county.government
    created = []
    with recorded():  # the record is kept in the plan's language
        for _code, title, duties in plan.ITEMS:
            task = task_create(
                incident=incident,
                actor=actor,
                note_text=plan.ITEM_PREAMBLE + duties,
                phase=Assignment.Phase.AFTERMATH,
                group=group,
                unit=unit,
                title=str(title),
                duties=plan.ITEM_PREAMBLE + duties,
                clause=plan.ITEM_CLAUSE,
                level=incident.level or 4,
                created_at=now,
            )
            created.append(task)
        timeline_add(
            incident,
            actor=actor,
            at=now,
            summary=_("下达善后处置事项 %(n)s 项（%(unit)s · 善后工作组）")
            % {"n": len(created), "unit": unit.display_name},
            clause="§7.1、附件3",
            data={"aftermath_items": [t.pk for t in created]},
        )
    for task in created:
        notify_new_task(task)
    return created


def item_not_applicable(*, task_id, user, reason, now=None):
    """Close a §7.1 item that does not apply to this incident (e.g. no one injured: 后续医疗救治),
    with the reason; the command's "close" move."""
    reason = (reason or "").strip()
    if not reason:
        raise CommandError(_("请写明该事项不适用的理由（例如：无人员受伤）。"))
    return task_move(task_id=task_id, user=user, move="close", reason=_("不适用：") + reason, now=now)


# ---------------------------------------------------------------------------------------------------
# Records: drafts, submission, corrections
# ---------------------------------------------------------------------------------------------------


def token_of(revision):
    return f"{revision.number}:{revision.saved_at.timestamp():.6f}" if revision else "new"


def clean_content(kind, raw):
    """Typed values from the form's strings; errors name the field. Partial content is fine (a draft)."""
    content, errors = {}, {}
    for f in plan.FIELDS[kind]:
        value = (raw.get(f.name) or "").strip() if isinstance(raw.get(f.name, ""), str) else raw.get(f.name)
        if value in ("", None):
            continue
        if f.kind == "int":
            text = str(value).strip()
            if not re.fullmatch(r"[0-9]{1,9}", text):  # ASCII digits: "²".isdigit() is True
                errors[f.name] = _("%(label)s须为不小于0的整数。") % {"label": f.label}
                continue
            content[f.name] = int(text)
        elif f.kind == "money":
            try:
                d = Decimal(str(value).replace(",", "").strip())
            except InvalidOperation:
                d = None
            if d is None or not d.is_finite() or d < 0 or d >= Decimal("1e14"):
                errors[f.name] = _("%(label)s须为不小于0的金额（元）。") % {"label": f.label}
                continue
            content[f.name] = str(d.quantize(Decimal("0.01")))
        else:
            limit = MAX_LINE if f.kind == "line" else MAX_TEXT
            if len(value) > limit:
                errors[f.name] = _("%(label)s最多%(n)s个字。") % {"label": f.label, "n": limit}
                continue
            content[f.name] = value
    if errors:
        raise CommandError(errors)
    return content


def _record(incident, kind):
    record, _created = Record.objects.get_or_create(
        incident=incident,
        kind=kind,
        defaults={"team_level": team_level(incident) if kind == "investigation" else ""},
    )
    return record


def _check_kind(incident, kind):
    if kind not in plan.FIELDS:
        raise CommandError(_("没有这种记录。"))
    if kind == Kind.INVESTIGATION and not needs_investigation(incident):
        raise CommandError(_("该事件没有事故等级（附件5），不需要调查评估报告（§7.2）。"))


def _follow_team(incident, record, team, user, now):
    """The record's team follows the current grade (§7.2, reading): set when a version is submitted, so
    ``Record.team_level`` is always the team of the latest submitted version; a change is on the
    timeline."""
    if record.kind != Kind.INVESTIGATION or record.team_level == team:
        return
    old = record.team_level
    record.team_level = team
    record.save(update_fields=["team_level"])
    if not old:
        return
    with recorded():
        timeline_add(
            incident,
            actor=user,
            at=now,
            summary=_("调查主体随事故等级调整：%(old)s → %(new)s（%(grade)s）")
            % {
                "old": plan.TEAM_LABELS.get(old, old),
                "new": plan.TEAM_LABELS[team],
                "grade": accident_grade(incident).label,
            },
            clause=plan.TEAM_CLAUSE,
            data={"record": record.pk, "team": [old, team]},
        )


def save_draft(*, incident_id, kind, user, raw, reason="", token="", now=None):
    """Save the draft of a record (created on first save). When the latest revision is submitted, this
    starts a correction: a new revision that needs a reason. ``token`` is the draft the person edited
    (``token_of``): if somebody saved in between, nothing is saved and the message says so."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        _require(user, incident)
        _writable(incident)
        _check_kind(incident, kind)
        content = clean_content(kind, raw)
        record = _record(incident, kind)
        latest = record.revisions.order_by("-number").first()
        if token and token != token_of(latest):
            raise CommandError(_("保存未执行：这份记录刚被他人保存或提交过，请刷新后在最新内容上修改。"))
        if latest is not None and latest.status == Revision.Status.DRAFT:
            latest.content, latest.saved_at = content, now
            latest.saved_by, latest.saved_by_name = user, actor_name(user)
            if latest.number > 1:
                if not reason:
                    raise CommandError({"reason": _("更正已提交的记录须写明理由。")})
                latest.reason = reason
            latest.save()
            return latest
        number = (latest.number + 1) if latest else 1
        if number > 1 and not reason:
            raise CommandError({"reason": _("更正已提交的记录须写明理由。")})
        revision = Revision.objects.create(
            record=record,
            number=number,
            content=content,
            reason=reason if number > 1 else "",
            saved_at=now,
            saved_by=user,
            saved_by_name=actor_name(user),
        )
        if number > 1:
            with recorded():
                timeline_add(
                    incident,
                    actor=user,
                    at=now,
                    summary=_("开始更正%(kind)s（第%(n)s版）")
                    % {"kind": record.get_kind_display(), "n": number},
                    clause=plan.CLAUSES[kind],
                    reason=reason,
                    data={"record": record.pk, "revision": revision.pk},
                )
        return revision


def missing_fields(kind, content, team=""):
    return [f for f in required_fields(kind, team) if content.get(f.name) in (None, "")]


def submit(*, incident_id, kind, user, token="", now=None):
    """Submit the current draft: complete (every required field), then locked. Two people submitting at
    once: the second finds nothing left to submit and is told so."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        _require(user, incident)
        _writable(incident)
        _check_kind(incident, kind)
        record = Record.objects.filter(incident=incident, kind=kind).first()
        draft = record and record.revisions.filter(status=Revision.Status.DRAFT).first()
        if not draft:
            raise CommandError(_("没有待提交的草稿（可能已由他人提交），请刷新。"))
        if token and token != token_of(draft):
            raise CommandError(_("提交未执行：草稿刚被他人修改，请刷新核对后再提交。"))
        team = team_level(incident) if kind == Kind.INVESTIGATION else ""
        missing = missing_fields(kind, draft.content, team)
        if missing:
            raise CommandError(
                _("不能提交：以下内容尚未填写（§7.2）：%(fields)s。")
                % {"fields": "、".join(str(f.label) for f in missing)}
            )
        _follow_team(incident, record, team, user, now)
        draft.status = Revision.Status.SUBMITTED
        draft.submitted_at = now
        draft.submitted_by_name = actor_name(user)
        draft.save()
        with recorded():
            summary = _("提交%(kind)s") % {"kind": record.get_kind_display()}
            if draft.number > 1:
                summary = _("提交%(kind)s更正（第%(n)s版）") % {
                    "kind": record.get_kind_display(),
                    "n": draft.number,
                }
            timeline_add(
                incident,
                actor=user,
                at=now,
                summary=summary,
                clause=plan.CLAUSES[kind],
                reason=draft.reason,
                data={"record": record.pk, "revision": draft.pk, "number": draft.number},
            )
        return draft


# ---------------------------------------------------------------------------------------------------
# Improvement measures
# ---------------------------------------------------------------------------------------------------


def measure_add(*, incident_id, user, text, owner_unit_id, owner_name="", due_on=None, now=None):
    now = now or timezone.now()
    text, owner_name = (text or "").strip(), (owner_name or "").strip()
    errors = {}
    if not text:
        errors["text"] = _("请填写改进措施。")
    unit = (
        Unit.objects.filter(pk=owner_unit_id, active=True).exclude(kind=UnitKind.ENTERPRISE_CATEGORY).first()
        if re.fullmatch(r"[0-9]{1,12}", str(owner_unit_id or ""))
        else None
    )
    if unit is None:
        errors["owner_unit"] = _("请选择责任单位。")
    if due_on is None:
        errors["due_on"] = _("请填写完成时限（日期）。")
    elif due_on < timezone.localdate(now):
        errors["due_on"] = _("完成时限不能早于今天。")
    elif message := window_error(due_on, FIELDS["aftermath.Measure"]["due_on"], _("完成时限"), now):
        errors["due_on"] = message
    if len(owner_name) > 60:
        errors["owner_name"] = _("责任人最多60个字。")
    with transaction.atomic():
        incident = lock_incident(incident_id)
        _require(user, incident)
        _writable(incident)
        if errors:
            raise CommandError(errors)
        measure = Measure.objects.create(
            incident=incident,
            text=text,
            owner_unit=unit,
            owner_name=owner_name,
            due_on=due_on,
            created_at=now,
            created_by=user,
        )
        with recorded():
            timeline_add(
                incident,
                actor=user,
                at=now,
                summary=_("提出改进措施：%(text)s（%(unit)s，%(due)s前）")
                % {"text": text[:80], "unit": unit.name, "due": due_on.isoformat()},
                clause="§7.2",
                data={"measure": measure.pk},
            )
        return measure


def measure_done(*, measure_id, user, note, now=None):
    """Mark a measure done with what was done. Measures are followed up after the incident is archived
    (improvements take months): this is the one write an archived incident's measure accepts — its
    text, owner and due date stay as submitted (``Measure`` is not in the archive guard; see
    ``incidents.archive.NOT_RECORDS``)."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise CommandError({"note": _("请填写完成情况。")})
    with transaction.atomic():
        measure = Measure.objects.select_for_update().select_related("incident").filter(pk=measure_id).first()
        if measure is None:
            raise CommandError(_("没有这项改进措施。"))
        _require(user, measure.incident)
        if measure.state == Measure.State.DONE:
            raise CommandError(_("该改进措施已由%(who)s确认完成。") % {"who": measure.done_by_name})
        Measure.objects.filter(pk=measure.pk).update(
            state=Measure.State.DONE, done_at=now, done_by_name=actor_name(user), done_note=note[:MAX_TEXT]
        )
        measure.refresh_from_db()
        if (
            measure.incident.state != State.ARCHIVED
        ):  # an archived timeline is closed; the measure keeps who/when
            with recorded():
                timeline_add(
                    measure.incident,
                    actor=user,
                    at=now,
                    summary=_("改进措施已完成：%(text)s") % {"text": measure.text[:80]},
                    clause="§7.2",
                    reason=note,
                    data={"measure": measure.pk},
                )
        return measure
