"""Tasks for groups and units (issue 6): who sees which, who may move which, and the moves.

Who (DOMAIN.md §5; rules in ``orgchart.permissions``):
- the people of a task's unit (liaison, head, deputy head: ``task.sign``, scoped to the unit) sign for it,
  report progress, complete it or send it back;
- the leaders of a task's group for that incident (附件3 组长, as resolved when the group was activated)
  do the same for a task given to the group;
- the office and the on-site HQ (``task.issue``) issue, reassign and close tasks, and may record progress;
- ``task.view_all`` sees every task; everybody else sees only their unit's and their groups' tasks, and
  another unit's task is not found (404), not merely hidden.

Moves (``moves.MOVES``, applied by ``task_move``): sign 待签收→已签收; start 已签收→处理中; done
已签收/处理中→已完成; send back 待签收/已签收→退回 (with a reason); reassign (the command) → 待签收
(``task_reassign``); close → 已关闭.
"""

import mimetypes

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.inputs import FIELDS, window_error
from incidents.choices import State
from incidents.recording import recorded
from incidents.timeline import actor_name
from orgchart.models import Person, Unit, UnitKind, WorkingGroup
from orgchart.permissions import authority_for, can
from orgchart.selectors import leader_posts_by_group

from ..common import CommandError, lock_incident, timeline_add
from .models import ActivatedGroup, Assignment, TaskFile, TaskNote
from .moves import MOVES
from .notices import notify_new_task, notify_return

TaskState = Assignment.State
UNIT_POSTS = ("unit_liaison", "unit_head", "unit_deputy_head")

MAX_FILE_BYTES = 15 * 1024 * 1024
MAX_FILES = 6
ALLOWED_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/plain",
)


# ---------------------------------------------------------------------------------------------------
# Who sees, who may
# ---------------------------------------------------------------------------------------------------


class Scope:
    """What one person may see of the tasks: everything, or their units' and their groups' tasks."""

    def __init__(self, user):
        authority = authority_for(user)
        self.user = user
        self.person = authority.person
        self.all = bool(can(user, "task.view_all"))
        self.command = bool(can(user, "task.issue"))
        self.unit_ids = {g.unit_id for g in authority.grants if g.position in UNIT_POSTS and g.unit_id}
        self._groups = None

    @property
    def led_groups(self):
        """(incident id, group id) pairs this person leads NOW: they fill a 组长 post (附件3) — as its
        holder present, or as the designated deputy (AB角) while every holder is recorded absent — or
        hold an explicit group_leader appointment (DOMAIN §6 "Acting deputies everywhere"; the
        permission layer's grants). Two queries, over the groups of active incidents."""
        if self._groups is None:
            pairs = set()
            authority = authority_for(self.user)
            if self.person is not None and authority.grants:
                explicit = {
                    g.group_id for g in authority.grants if g.position == "group_leader" and g.group_id
                }
                leader_posts = leader_posts_by_group()
                rows = ActivatedGroup.objects.filter(
                    incident__state__in=(State.RESPONDING, State.RESPONSE_ENDED, State.AFTERMATH)
                ).values_list("incident_id", "group_id", "incident__county__government_id")
                for incident_id, group_id, gov_id in rows:
                    posts = [(code, unit or gov_id) for code, unit in leader_posts.get(group_id, [])]
                    if group_id in explicit or any(
                        unit and authority.holds(code, unit_id=unit) for code, unit in posts
                    ):
                        pairs.add((incident_id, group_id))
            self._groups = pairs
        return self._groups

    def filter(self, qs):
        if self.all:
            return qs
        q = Q(unit_id__in=self.unit_ids) if self.unit_ids else Q(pk__in=[])
        for incident_id, group_id in self.led_groups:
            q |= Q(incident_id=incident_id, group_id=group_id, unit__isnull=True)
        return qs.filter(q)

    def is_doer(self, task):
        """The task's unit's people, or its group's leaders (for a task given to a group only)."""
        if task.unit_id:
            return task.unit_id in self.unit_ids and bool(can(self.user, "task.sign", task))
        return (task.incident_id, task.group_id) in self.led_groups

    def may(self, move, task):
        who = MOVES[move].who
        if who == "doer":
            return self.is_doer(task)
        if who == "command":
            return self.command
        return self.is_doer(task) or self.command


def visible(user, qs=None):
    qs = qs if qs is not None else Assignment.objects.all()
    return Scope(user).filter(qs)


# ---------------------------------------------------------------------------------------------------
# Moves
# ---------------------------------------------------------------------------------------------------


def _lock_task(task_id, user):
    """Lock a task the user may see; another unit's task does not exist for them."""
    try:
        task = (
            visible(user, Assignment.objects.select_for_update(of=("self",)))
            .select_related("incident", "group", "unit")
            .get(pk=task_id)
        )
    except Assignment.DoesNotExist:
        raise Assignment.DoesNotExist(_("没有这项任务。")) from None
    return task


def _post(user):
    person = getattr(user, "person", None)
    if person is None:
        return ""
    return f"{person.organisation_name} {person.title}".strip()


def task_note_add(task, user, *, action, text="", from_state="", now):
    """A task's note: a move's record (from → to), a progress report, or the issue's text."""
    return TaskNote.objects.create(
        task=task,
        at=now,
        author=user,
        author_name=actor_name(user),
        author_post=_post(user)[:100],
        action=action,
        from_state=from_state,
        to_state=task.state if from_state else "",
        text=text,
    )


def _timeline(task, user, summary, *, now, reason=""):
    with recorded():
        timeline_add(
            task.incident,
            actor=user,
            at=now,
            summary=f"{summary}：{task.title}（{task.target}）"
            if task.target != task.title
            else f"{summary}：{task.title}",
            clause=task.clause or "附件3",
            reason=reason,
            data={"task": task.pk},
        )


def task_move(*, task_id, user, move, expected_state=None, reason="", now=None):
    """One move of a task (see ``moves.MOVES``), the one place a move is applied: lock the row, check
    who, the state the page showed (``expected_state``), the source state, the reason; set the target,
    save what changed, note it and record it. Refused: nothing changes."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if move not in MOVES:
        raise CommandError(_("没有这个操作。"))
    spec = MOVES[move]
    with transaction.atomic():
        task = _lock_task(task_id, user)
        _check_move(task, spec, user, expected_state, reason)
        old = task.state
        fields = _apply_move(task, spec, user, reason, now)
        task.save(update_fields=fields)
        task_note_add(task, user, action=move, text=reason, from_state=old, now=now)
        _timeline(task, user, str(spec.label), now=now, reason=reason)
        if move == "return":
            notify_return(task)
    return task


def _check_move(task, spec, user, expected_state, reason):
    """Who may, the state the page showed, the source state, the archive, the reason — in this order."""
    if not Scope(user).may(spec.name, task):
        raise PermissionDenied(
            _("“%(move)s”须由任务所属单位（联络员、负责人）或工作组组长进行（附件2、附件3）。")
            % {"move": spec.label}
            if spec.who == "doer"
            else _("“%(move)s”须由市指挥部办公室或现场指挥部进行。") % {"move": spec.label}
        )
    if expected_state and task.state != expected_state:
        raise CommandError(
            _("操作未执行：任务已变为“%(state)s”（可能有他人刚刚处理），请刷新后再试。")
            % {"state": task.get_state_display()}
        )
    if task.state not in spec.sources:
        raise CommandError(
            _("任务当前为“%(state)s”，不能“%(move)s”。")
            % {"state": task.get_state_display(), "move": spec.label}
        )
    if task.incident.state == State.ARCHIVED:
        raise CommandError(_("事件已归档，任务不能再修改。"))
    if spec.needs_reason and not reason:
        raise CommandError(_("退回须写明理由（例如：不属于本单位职责，或无力完成）。"))


def _apply_move(task, spec, user, reason, now):
    """Set the target state and what goes with it (who signed, who finished, why sent back); the fields
    to save."""
    task.state = spec.target
    fields = ["state", "updated_at"]
    if spec.name == "sign":
        task.signed_at, task.signed_by_name = now, actor_name(user)
        fields += ["signed_at", "signed_by_name"]
    elif spec.name == "done":
        task.done_at, task.done_by_name = now, actor_name(user)
        fields += ["done_at", "done_by_name"]
        if task.signed_at is None:
            task.signed_at, task.signed_by_name = now, actor_name(user)
            fields += ["signed_at", "signed_by_name"]
    elif spec.name == "return":
        task.returned_reason = reason
        fields.append("returned_reason")
    return fields


def task_progress(*, task_id, user, text, files=(), now=None):
    """A progress note from the scene, with photos and files; the first note starts the task (已签收 →
    处理中); a note on a task not yet signed for signs it first (the unit obviously has it)."""
    now = now or timezone.now()
    text = (text or "").strip()
    files = [f for f in files if f]
    if not text and not files:
        raise CommandError(_("请填写进展情况或附上照片、文件。"))
    if len(files) > MAX_FILES:
        raise CommandError(_("一次最多上传 %(n)s 个文件。") % {"n": MAX_FILES})
    checked = [_check_file(f) for f in files]
    with transaction.atomic():
        task = _lock_task(task_id, user)
        scope = Scope(user)
        if not (scope.is_doer(task) or scope.command):
            raise PermissionDenied(_("只有任务所属单位、工作组组长或指挥部可以报告进展。"))
        if not task.is_open:
            raise CommandError(_("任务已“%(state)s”，不能再报告进展。") % {"state": task.get_state_display()})
        if task.state == TaskState.RETURNED:
            raise CommandError(_("任务已退回，待指挥部改派后再报告进展。"))
        old = task.state
        fields = []
        if task.state == TaskState.PENDING and scope.is_doer(task):
            task.signed_at, task.signed_by_name = now, actor_name(user)
            fields += ["signed_at", "signed_by_name"]
        if task.state in (TaskState.PENDING, TaskState.SIGNED) and scope.is_doer(task):
            task.state = TaskState.IN_PROGRESS
            fields.append("state")
        if fields:
            task.save(update_fields=[*fields, "updated_at"])
        note = task_note_add(
            task, user, action="progress", text=text, from_state=old if old != task.state else "", now=now
        )
        for upload, content_type in checked:
            TaskFile.objects.create(
                note=note, file=upload, name=upload.name[:200], content_type=content_type, size=upload.size
            )
        _timeline(task, user, _("进展") if text else _("上传照片、文件"), now=now, reason=text)
    return note


def _check_file(upload):
    size = getattr(upload, "size", 0) or 0
    if size > MAX_FILE_BYTES:
        raise CommandError(
            _("文件“%(name)s”太大（%(mb).1f MB），单个文件不超过 %(max)s MB。")
            % {"name": upload.name, "mb": size / 1048576, "max": MAX_FILE_BYTES // 1048576}
        )
    if size == 0:
        raise CommandError(_("文件“%(name)s”是空的。") % {"name": upload.name})
    guessed = mimetypes.guess_type(upload.name)[0] or ""
    content_type = guessed or (getattr(upload, "content_type", "") or "")
    if content_type not in ALLOWED_TYPES:
        raise CommandError(
            _("不支持的文件类型：%(name)s。可上传照片（JPG、PNG、HEIC）、PDF、Word、Excel 或文本文件。")
            % {"name": upload.name}
        )
    return upload, content_type


def task_create(*, incident, actor, note_text, author_post="", **fields):
    """A task's row and its "issue" note, in the caller's transaction (the incident locked; its timeline
    and the notification are the caller's): ``task_issue``'s, and the §7.1 items of the aftermath."""
    task = Assignment.objects.create(incident=incident, kind=Assignment.Kind.TASK, created_by=actor, **fields)
    TaskNote.objects.create(
        task=task,
        at=task.created_at,
        author=actor,
        author_name=actor_name(actor),
        author_post=author_post,
        action="issue",
        text=note_text,
    )
    return task


def task_issue(
    *,
    incident_id,
    user,
    title,
    text,
    group_code="",
    unit_id=None,
    person_id=None,
    due_at=None,
    priority="normal",
    now=None,
):
    """The on-site HQ or the office issues a concrete task to a group and/or a unit (optionally a person)."""
    now = now or timezone.now()
    title, text = (title or "").strip(), (text or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        decision = can(user, "task.issue", incident)
        if not decision:
            raise PermissionDenied(decision.reason)
        if incident.state not in (State.RESPONDING, State.AFTERMATH):
            raise CommandError(_("只有响应中或后期处置中的事件才能下达任务（§5.3.3、§7.1）。"))
        aftermath = incident.state == State.AFTERMATH
        if not title:
            raise CommandError(_("请填写任务名称。"))
        if priority not in Assignment.Priority.values:
            raise CommandError(_("优先级不正确。"))
        if due_at is not None and due_at <= now:
            raise CommandError(_("完成时限须晚于现在。"))
        if message := window_error(due_at, FIELDS["command.Assignment"]["due_at"], _("完成时限"), now):
            raise CommandError(message)
        group, unit, person = _target(incident, group_code, unit_id, person_id)
        task = task_create(
            incident=incident,
            actor=user,
            note_text=text,
            author_post=_post(user)[:100],
            group=group,
            unit=unit,
            person=person,
            title=title[:120],
            duties=text or title,
            clause="§7.1" if aftermath else "§5.3.3(2)",
            phase=Assignment.Phase.AFTERMATH if aftermath else Assignment.Phase.RESPONSE,
            level=incident.level,
            priority=priority,
            due_at=due_at,
            created_at=now,
        )
        _timeline(task, user, _("下达任务"), now=now, reason=text)
        notify_new_task(task)
    return task


def _target(incident, group_code, unit_id, person_id):
    group = unit = person = None
    if group_code:
        ag = (
            ActivatedGroup.objects.filter(incident=incident, group__code=group_code)
            .select_related("group")
            .first()
        )
        if ag is None:
            raise CommandError(_("所选工作组未启用。"))
        group = ag.group
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id, active=True).exclude(kind=UnitKind.ENTERPRISE_CATEGORY).first()
        if unit is None:
            raise CommandError(_("所选单位不存在。"))
    if group is None and unit is None:
        raise CommandError(_("请选择承办的工作组或单位。"))
    if person_id:
        person = Person.objects.filter(pk=person_id, active=True).first()
        if person is None or (unit is not None and person.unit_id not in (None, unit.pk)):
            raise CommandError(_("所选责任人不存在，或不属于所选单位。"))
    return group, unit, person


def task_reassign(*, task_id, user, group_code="", unit_id=None, person_id=None, reason="", now=None):
    """The command gives a task to another group/unit (after 退回, or at any time while open)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        task = _lock_task(task_id, user)
        if not Scope(user).command:
            raise PermissionDenied(_("改派须由市指挥部办公室或现场指挥部进行。"))
        if not task.is_open:
            raise CommandError(_("任务已“%(state)s”，不能改派。") % {"state": task.get_state_display()})
        if not reason:
            raise CommandError(_("改派须写明理由。"))
        group, unit, person = _target(task.incident, group_code, unit_id, person_id)
        if task.kind == Assignment.Kind.ASSIGNMENT:
            # An assignment carries one group's or one unit's plan duties: give the work as a new task.
            raise CommandError(_("任务分工按预案对应工作组或单位，不能改派；请另行下达具体任务。"))
        before = task.target
        old = task.state
        task.group, task.unit, task.person = group, unit, person
        task.state, task.signed_at, task.signed_by_name, task.returned_reason = (
            TaskState.PENDING,
            None,
            "",
            "",
        )
        task.save(
            update_fields=[
                "group",
                "unit",
                "person",
                "state",
                "signed_at",
                "signed_by_name",
                "returned_reason",
                "updated_at",
            ]
        )
        task_note_add(
            task,
            user,
            action="reassign",
            text=_("由%(a)s改派给%(b)s：%(why)s") % {"a": before, "b": task.target, "why": reason},
            from_state=old,
            now=now,
        )
        _timeline(task, user, _("改派任务"), now=now, reason=reason)
        notify_new_task(task)
    return task


def groups_for_select(incident):
    return list(
        WorkingGroup.objects.filter(
            pk__in=ActivatedGroup.objects.filter(incident=incident).values("group_id")
        ).order_by("order")
    )
