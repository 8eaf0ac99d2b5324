from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.inputs import window_constraint
from orgchart.models import AppendOnlyModel

# ---------------------------------------------------------------------------------------------------
# Level-change requests and their approval chain (DOMAIN.md §5; command/routing.py)
# ---------------------------------------------------------------------------------------------------


class LevelRequest(models.Model):
    """A request to activate, raise, lower or end a response, moving along the plan's chain.

    At most one request per incident is open at a time (a partial unique constraint: a second one is
    refused by the database as well as by the service). ``stage`` indexes ``steps``; a decision sent
    with a stale stage is refused."""

    class Kind(models.TextChoices):
        ACTIVATE = "activate", _("启动响应")
        RAISE = "raise", _("提高响应级别")
        LOWER = "lower", _("降低响应级别")
        END = "end", _("结束响应")

    class Status(models.TextChoices):
        OPEN = "open", _("审批中")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已退回")
        WITHDRAWN = "withdrawn", _("已撤回")
        SUPERSEDED = "superseded", _("已失效")

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="level_requests", verbose_name=_("事件")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    from_level = models.PositiveSmallIntegerField(_("原级别"), null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(_("拟定级别"), null=True, blank=True)
    expected_state = models.CharField(_("提出时事件状态"), max_length=32)
    reason = models.TextField(_("理由"), blank=True)
    judgment = models.BooleanField(
        _("按附件4第4项"), default=False, help_text=_("拟定级别不是附件4确定建议级别或其备选")
    )
    recommendation = models.JSONField(_("提出时的附件4建议"), default=dict)
    clause = models.CharField(_("预案条款"), max_length=60)
    steps = models.JSONField(_("审批环节"))
    stage = models.PositiveSmallIntegerField(_("当前环节"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    outcome_note = models.TextField(_("办理意见"), blank=True)

    class Meta:
        verbose_name = _("响应级别请示")
        verbose_name_plural = _("响应级别请示")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"], condition=Q(status="open"), name="one_open_level_request_per_incident"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "approved", "rejected", "withdrawn", "superseded"]),
                name="level_request_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["activate", "raise", "lower", "end"]), name="level_request_kind_valid"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def title(self):
        from incidents.choices import ResponseLevel

        if self.kind == self.Kind.END:
            return _("结束%(level)s响应") % {"level": ResponseLevel(self.from_level).label}
        if self.kind == self.Kind.ACTIVATE:
            return _("启动%(level)s响应") % {"level": ResponseLevel(self.to_level).label}
        return _("响应级别由%(old)s调整为%(new)s") % {
            "old": ResponseLevel(self.from_level).label,
            "new": ResponseLevel(self.to_level).label,
        }

    @property
    def route(self):
        from .routing import route

        rec = self.recommendation or {}
        return route(self.kind, self.from_level, self.to_level, rec.get("level") if rec.get("firm") else None)

    @property
    def current_step(self):
        return self.steps[self.stage] if self.status == self.Status.OPEN else None

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class LevelRequestStep(AppendOnlyModel):
    """One step taken on a request: drafted, reported, proposed, approved, rejected, withdrawn, or a
    phone decision confirmed. Append-only: the chain as it happened, for the auditor."""

    class Outcome(models.TextChoices):
        SUBMITTED = "submitted", _("提出")
        FORWARDED = "forwarded", _("同意并上报")
        APPROVED = "approved", _("批准")
        REJECTED = "rejected", _("退回")
        WITHDRAWN = "withdrawn", _("撤回")
        SUPERSEDED = "superseded", _("失效")
        CONFIRMED = "confirmed", _("确认电话决定")

    request = models.ForeignKey(LevelRequest, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    step = models.CharField(_("环节"), max_length=12)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("办理人"), max_length=60)
    actor_post = models.CharField(_("岗位"), max_length=80, blank=True)
    note = models.TextField(_("意见"), blank=True)
    by_phone = models.BooleanField(_("电话请示"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_name = models.CharField(_("记录人"), max_length=60, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    confirms = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="confirmations"
    )

    class Meta:
        verbose_name = _("请示办理记录")
        verbose_name_plural = _("请示办理记录")
        ordering = ["at", "id"]
        constraints = [window_constraint("command.LevelRequestStep", "level_request_step_at_plausible")]

    def __str__(self):
        return f"{self.request_id} {self.step} {self.outcome}"


# ---------------------------------------------------------------------------------------------------
# What an activation sets up (§5.3, 附件1, 附件3): command/activation.py writes these, idempotently
# ---------------------------------------------------------------------------------------------------


class LevelSetup(models.Model):
    """Marks that a level's setup was done for an incident (one row per incident and level)."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="level_setups")
    level = models.PositiveSmallIntegerField(_("级别"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("响应启动记录")
        verbose_name_plural = _("响应启动记录")
        constraints = [models.UniqueConstraint(fields=["incident", "level"], name="level_setup_once")]
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.incident_id} L{self.level}"


class OnsiteHQ(models.Model):
    """现场指挥部 (§2.2, §5.3.3(2)): set up at Ⅱ/Ⅰ; the commander takes command on arrival."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.PROTECT, related_name="onsite_hq", verbose_name=_("事件")
    )
    established_at = models.DateTimeField(_("成立时间"), default=timezone.now)
    command_taken_at = models.DateTimeField(_("接管指挥权时间"), null=True, blank=True)
    command_taken_by = models.ForeignKey(
        "orgchart.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("现场指挥部")
        verbose_name_plural = _("现场指挥部")

    def __str__(self):
        return f"{self.incident_id} 现场指挥部"


class OnsiteMember(models.Model):
    class Role(models.TextChoices):
        COMMANDER = "commander", _("指挥长")
        DEPUTY = "deputy", _("副指挥长")
        MEMBER = "member", _("成员")

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="onsite_members"
    )
    person = models.ForeignKey("orgchart.Person", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("职务"), max_length=12, choices=Role.choices)
    post = models.CharField(_("岗位"), max_length=100, blank=True)
    clause = models.CharField(_("预案条款"), max_length=60)
    added_at = models.DateTimeField(_("加入时间"), default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("现场指挥部成员")
        verbose_name_plural = _("现场指挥部成员")
        ordering = ["role", "added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "person"], name="onsite_member_once")]

    def __str__(self):
        return f"{self.incident_id} {self.person_id} {self.role}"


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


class Assignment(models.Model):
    """What a group or a unit has to do on an incident (DOMAIN.md §5; issue 6):

    - an *assignment* (任务分工): one per activated group and per unit concerned, carrying its duties
      (附件3 for a group, 附件2 for a unit), written by the activation;
    - a *task* (具体任务): what the on-site HQ or the office issues, to a group and/or a unit, optionally a
      person, with a due time and a priority.

    States: 待签收 → 已签收 → 处理中 → 已完成, and 退回 (with a reason) → reassigned → 待签收; when the
    response ends an open one is closed (已关闭) or carried into the aftermath (§5.3.6, §7)."""

    class Kind(models.TextChoices):
        ASSIGNMENT = "assignment", _("任务分工")
        TASK = "task", _("具体任务")

    class State(models.TextChoices):
        PENDING = "pending", _("待签收")
        SIGNED = "signed", _("已签收")
        IN_PROGRESS = "in_progress", _("处理中")
        DONE = "done", _("已完成")
        RETURNED = "returned", _("退回")
        CLOSED = "closed", _("已关闭")

    class Priority(models.TextChoices):
        URGENT = "urgent", _("紧急")
        HIGH = "high", _("重要")
        NORMAL = "normal", _("一般")

    class Phase(models.TextChoices):
        RESPONSE = "response", _("应急响应")
        AFTERMATH = "aftermath", _("后期处置")  # §7.1 items and tasks issued during aftermath (issue 9)

    OPEN_STATES = ("pending", "signed", "in_progress", "returned")

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
                condition=Q(state__in=["pending", "signed", "in_progress", "done", "returned", "closed"]),
                name="assignment_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["assignment", "task"]), name="assignment_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=["urgent", "high", "normal"]), name="assignment_priority_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "state"], name="assignment_unit_state"),
            # the reminder planner: open tasks per incident, whatever the closed history (issue 15)
            models.Index(
                fields=["incident"],
                condition=Q(state__in=["pending", "signed", "in_progress", "returned"]),
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
    import secrets
    from pathlib import PurePath

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


class ChecklistItem(models.Model):
    """One duty of §5.3.1–§5.3.4 for this incident, ticked off with who and when."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="checklist")
    code = models.CharField(_("编号"), max_length=12)
    clause = models.CharField(_("预案条款"), max_length=20)
    text = models.TextField(_("工作内容"))
    level = models.PositiveSmallIntegerField(_("级别"))
    order = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_by_name = models.CharField(_("完成确认人"), max_length=60, blank=True)
    note = models.CharField(_("情况"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("工作清单项")
        verbose_name_plural = _("工作清单")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "code"], name="checklist_item_once")]

    def __str__(self):
        return f"{self.incident_id} {self.code}"


class CallDown(models.Model):
    """到岗通知 (§5.3.3(1), 附件1): one person (or expert) called to the scene; they confirm 收到 and then
    已到岗 from a link that works on a phone (``token``), or the office records it for them."""

    class Role(models.TextChoices):
        COMMANDER = "commander", _("指挥长")
        DEPUTY = "deputy", _("副指挥长")
        UNIT_HEAD = "unit_head", _("成员单位负责人")
        LEADER = "leader", _("市指挥部领导")
        TEAM = "team", _("工作组人员")
        EXPERT = "expert", _("专家")
        OTHER = "other", _("其他人员")

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="calldowns")
    person = models.ForeignKey(
        "orgchart.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expert = models.ForeignKey(
        "orgchart.Expert", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=60)
    post = models.CharField(_("单位职务"), max_length=120, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    role = models.CharField(_("身份"), max_length=12, choices=Role.choices)
    clause = models.CharField(_("预案条款"), max_length=80)
    level = models.PositiveSmallIntegerField(_("通知时级别"))
    token = models.CharField(max_length=43, unique=True)
    notified_at = models.DateTimeField(_("通知时间"), default=timezone.now)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("收到时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到岗时间"), null=True, blank=True)
    received_recorded_by = models.CharField(_("收到确认方式"), max_length=60, blank=True)
    arrived_recorded_by = models.CharField(_("到岗确认方式"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("到岗通知")
        verbose_name_plural = _("到岗通知")
        ordering = ["notified_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "person"], condition=Q(person__isnull=False), name="calldown_person_once"
            ),
            models.UniqueConstraint(
                fields=["incident", "expert"], condition=Q(expert__isnull=False), name="calldown_expert_once"
            ),
            models.CheckConstraint(
                condition=Q(arrived_at__isnull=True) | Q(received_at__isnull=False),
                name="calldown_arrived_after_received",
            ),
        ]
        # the reminder planner: un-received call-downs per incident (issue 15)
        indexes = [
            models.Index(
                fields=["incident"], condition=Q(received_at__isnull=True), name="calldown_unreceived"
            )
        ]

    def __str__(self):
        return f"{self.incident_id} {self.name}"

    @property
    def status(self):
        if self.arrived_at:
            return "arrived"
        if self.received_at:
            return "received"
        return "waiting"


class Instruction(models.Model):
    """领导批示 and 省工作组指导意见 (§5.3.3(7)(8)): who, when, what, what was done, reported back."""

    class Source(models.TextChoices):
        PROVINCE_LEADER = "province_leader", _("省领导同志批示指示")
        PROVINCE_HOUSING = "province_housing", _("省住建厅工作要求")
        CITY_LEADERSHIP = "city_leadership", _("市委、市政府工作要求")
        PROVINCE_TEAM = "province_team", _("省工作组指导意见")
        OTHER = "other", _("其他领导批示")

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="instructions")
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    given_by = models.CharField(_("批示人"), max_length=100)
    given_at = models.DateTimeField(_("批示时间"))
    text = models.TextField(_("批示内容"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    action_taken = models.TextField(_("落实情况"), blank=True)
    action_by = models.CharField(_("落实人"), max_length=100, blank=True)
    action_at = models.DateTimeField(_("落实时间"), null=True, blank=True)
    reported_back_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    reported_back_by = models.CharField(_("反馈人"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")
        ordering = ["given_at", "id"]
        constraints = [
            window_constraint("command.Instruction", "instruction_given_at_plausible"),  # issue 16
            models.CheckConstraint(
                condition=Q(
                    source__in=[
                        "province_leader",
                        "province_housing",
                        "city_leadership",
                        "province_team",
                        "other",
                    ]
                ),
                name="instruction_source_valid",
            ),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.given_by}"

    @property
    def clause(self):
        return "§5.3.3(7)" if self.source == self.Source.PROVINCE_TEAM else "§5.3.3(8)"

    @property
    def is_open(self):
        return self.reported_back_at is None


class Notification(models.Model):
    """An in-app message to one person; exactly once per (recipient, key). Issue 7 adds channels."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    key = models.CharField(max_length=120)
    kind = models.CharField(_("类型"), max_length=20)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title


# Reminders, deliveries and the heartbeat live with the reminders (command/reminders/models.py); imported
# here, at the bottom, so that Django finds them under the app label "command".
from .reminders.models import Delivery, Heartbeat, Reminder, ReminderPolicy  # noqa: E402, F401
