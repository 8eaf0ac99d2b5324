"""Assignments and tasks, their notes and files (issue 6; ``assignments.services`` moves them)."""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.inputs import window_constraint
from orgchart.models import AppendOnlyModel


class ActivatedGroup(models.Model):
    """A working group (附件3) activated for an incident; ``leaders`` is a snapshot of who led it."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="activated_groups"
    )
    group = models.ForeignKey("orgchart.WorkingGroup", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("启用时间"), default=timezone.now)
    level = models.PositiveSmallIntegerField(_("启用时级别"))
    leaders = models.JSONField(_("组长"), default=list)
    clause = models.CharField(_("预案条款"), max_length=60, default="附件3")

    class Meta:
        verbose_name = _("启用的工作组")
        verbose_name_plural = _("启用的工作组")
        ordering = ["group__order", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "group"], name="activated_group_once")]

    def __str__(self):
        return f"{self.incident_id} {self.group_id}"


class GroupUnit(models.Model):
    """A unit working in an activated group for this incident (附件3 成员单位, the county government
    resolved from the incident; the on-site commander may add units, 附件3 last paragraph)."""

    activated_group = models.ForeignKey(ActivatedGroup, on_delete=models.PROTECT, related_name="units")
    unit = models.ForeignKey("orgchart.Unit", on_delete=models.PROTECT, related_name="+")
    from_plan = models.BooleanField(_("预案规定"), default=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["activated_group", "unit"], name="group_unit_once")]

    def __str__(self):
        return f"{self.activated_group_id} {self.unit_id}"


class AssignmentKind(models.TextChoices):
    """An assignment's kind (``Assignment.Kind``; the check constraint reads its values)."""

    ASSIGNMENT = "assignment", _("任务分工")
    TASK = "task", _("具体任务")


class AssignmentState(models.TextChoices):
    """An assignment's state (``Assignment.State``; the check constraint reads its values)."""

    PENDING = "pending", _("待签收")
    SIGNED = "signed", _("已签收")
    IN_PROGRESS = "in_progress", _("处理中")
    DONE = "done", _("已完成")
    RETURNED = "returned", _("退回")
    CLOSED = "closed", _("已关闭")


class AssignmentPriority(models.TextChoices):
    """An assignment's priority (``Assignment.Priority``; the check constraint reads its values)."""

    URGENT = "urgent", _("紧急")
    HIGH = "high", _("重要")
    NORMAL = "normal", _("一般")


# The states of a task still to be done (the reminder planner's index, the end of a response).
OPEN_ASSIGNMENT_STATES = (
    AssignmentState.PENDING,
    AssignmentState.SIGNED,
    AssignmentState.IN_PROGRESS,
    AssignmentState.RETURNED,
)


class Assignment(models.Model):
    """What a group or a unit has to do on an incident (DOMAIN.md §5; issue 6):

    - an *assignment* (任务分工): one per activated group and per unit concerned, carrying its duties
      (附件3 for a group, 附件2 for a unit), written by the activation;
    - a *task* (具体任务): what the on-site HQ or the office issues, to a group and/or a unit, optionally a
      person, with a due time and a priority.

    States: 待签收 → 已签收 → 处理中 → 已完成, and 退回 (with a reason) → reassigned → 待签收; when the
    response ends an open one is closed (已关闭) or carried into the aftermath (§5.3.6, §7)."""

    Kind = AssignmentKind
    State = AssignmentState
    Priority = AssignmentPriority

    class Phase(models.TextChoices):
        RESPONSE = "response", _("应急响应")
        AFTERMATH = "aftermath", _("后期处置")  # §7.1 items and tasks issued during aftermath (issue 9)

    OPEN_STATES = OPEN_ASSIGNMENT_STATES

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="assignments")
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, default=Kind.ASSIGNMENT)
    group = models.ForeignKey(
        "orgchart.WorkingGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "orgchart.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "orgchart.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人"),
    )
    title = models.CharField(_("名称"), max_length=120)
    duties = models.TextField(_("职责"))
    clause = models.CharField(_("预案条款"), max_length=60)
    level = models.PositiveSmallIntegerField(_("下达时级别"))
    priority = models.CharField(_("优先级"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    due_at = models.DateTimeField(_("完成时限"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("下达时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by_name = models.CharField(_("签收人"), max_length=60, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by_name = models.CharField(_("完成报告人"), max_length=60, blank=True)
    returned_reason = models.TextField(_("退回理由"), blank=True)
    carried_to_aftermath = models.BooleanField(_("转入后期处置"), default=False)
    phase = models.CharField(_("阶段"), max_length=10, choices=Phase.choices, default=Phase.RESPONSE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["created_at", "id"]
        constraints = [
            window_constraint("command.Assignment", "assignment_due_at_plausible"),  # issue 16
            models.CheckConstraint(
                condition=Q(kind="task", group__isnull=False)
                | Q(kind="task", unit__isnull=False)
                | Q(kind="assignment", group__isnull=True, unit__isnull=False)
                | Q(kind="assignment", group__isnull=False, unit__isnull=True),
                name="assignment_target_valid",
            ),
            models.UniqueConstraint(
                fields=["incident", "group"],
                condition=Q(kind="assignment", unit__isnull=True),
                name="assignment_per_group",
            ),
            models.UniqueConstraint(
                fields=["incident", "unit"],
                condition=Q(kind="assignment", group__isnull=True),
                name="assignment_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(state__in=AssignmentState.values),
                name="assignment_state_valid",
            ),
            models.CheckConstraint(condition=Q(kind__in=AssignmentKind.values), name="assignment_kind_valid"),
            models.CheckConstraint(
                condition=Q(priority__in=AssignmentPriority.values), name="assignment_priority_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "state"], name="assignment_unit_state"),
            # the reminder planner: open tasks per incident, whatever the closed history (issue 15)
            models.Index(
                fields=["incident"],
                condition=Q(state__in=list(OPEN_ASSIGNMENT_STATES)),
                name="assignment_open",
            ),
        ]

    def __str__(self):
        return self.title

    def permission_unit_ids(self):
        """For ``task.sign`` (scope "unit"): the people of the task's unit."""
        return [self.unit_id] if self.unit_id else []

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES

    def is_overdue(self, now=None):
        return bool(self.due_at and self.is_open and (now or timezone.now()) > self.due_at)

    @property
    def target(self):
        names = [getattr(x, "display_name", None) or x.name for x in (self.group, self.unit) if x is not None]
        return " · ".join(names)


class TaskNote(AppendOnlyModel):
    """A progress note on a task (with photos and files from the scene), or a state change's record."""

    task = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="notes")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(_("报告人"), max_length=60)
    author_post = models.CharField(_("单位职务"), max_length=100, blank=True)
    action = models.CharField(_("操作"), max_length=16, blank=True)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    text = models.TextField(_("内容"), blank=True)

    ACTION_LABELS = {
        "issue": _("下达"),
        "sign": _("签收"),
        "start": _("开始处理"),
        "progress": _("进展"),
        "done": _("报告完成"),
        "return": _("退回"),
        "reassign": _("改派"),
        "close": _("关闭"),
    }

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.task_id} {self.at:%m-%d %H:%M}"

    @property
    def action_label(self):
        return self.ACTION_LABELS.get(self.action, self.action)

    @property
    def to_state_label(self):
        return (
            Assignment.State(self.to_state).label
            if self.to_state in Assignment.State.values
            else self.to_state
        )


def task_file_path(instance, filename):
    """Files are stored under a random name (the original name is kept in the row): a guessed URL
    leads nowhere, and only ``command:task_file`` (which checks permission) serves them."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"tasks/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


class TaskFile(AppendOnlyModel):
    note = models.ForeignKey(TaskNote, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=task_file_path)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("任务附件")
        verbose_name_plural = _("任务附件")
        ordering = ["id"]

    def __str__(self):
        return self.name

    @property
    def is_image(self):
        return self.content_type.startswith("image/")
