"""What an activation sets up (§5.3, 附件1, 附件3; ``response.activation`` writes these, idempotently),
and the call to the scene, the checklist and the leaders' instructions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.inputs import window_constraint


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


class InstructionSource(models.TextChoices):
    """Where an instruction comes from (``Instruction.Source``; the check constraint reads its values)."""

    PROVINCE_LEADER = "province_leader", _("省领导同志批示指示")
    PROVINCE_HOUSING = "province_housing", _("省住建厅工作要求")
    CITY_LEADERSHIP = "city_leadership", _("市委、市政府工作要求")
    PROVINCE_TEAM = "province_team", _("省工作组指导意见")
    OTHER = "other", _("其他领导批示")


class Instruction(models.Model):
    """领导批示 and 省工作组指导意见 (§5.3.3(7)(8)): who, when, what, what was done, reported back."""

    Source = InstructionSource

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
                condition=Q(source__in=InstructionSource.values),
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
