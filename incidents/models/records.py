"""What is recorded about an incident: first measures (§5.2), follow-up reports (§5.1 续报), the upward
reporting log, the append-only timeline, and the report form's submission tokens (issue 16)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.inputs import window_constraint
from orgchart.models import AppendOnlyModel

from .incident import Incident


class FirstMeasure(models.Model):
    """先期处置 (§5.2): what the company (or the local government) did first, with times."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="first_measures")
    at = models.DateTimeField(_("时间"))
    by = models.CharField(_("实施单位"), max_length=100)
    text = models.TextField(_("措施"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("先期处置")
        verbose_name_plural = _("先期处置")
        ordering = ["at", "id"]
        constraints = [window_constraint("incidents.FirstMeasure", "first_measure_at_plausible")]

    def __str__(self):
        return f"{self.at:%m-%d %H:%M} {self.by}"


class FollowUpReport(AppendOnlyModel):
    """续报 (§5.1): updated figures with a note; ``changes`` = {field: [old, new]}."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="follow_ups")
    at = models.DateTimeField(_("续报时间"), default=timezone.now)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("续报内容"))
    changes = models.JSONField(_("数据变化"), default=dict)
    grade_before = models.CharField(max_length=16, blank=True)
    grade_after = models.CharField(max_length=16, blank=True)
    level_before = models.PositiveSmallIntegerField(null=True, blank=True)
    level_after = models.PositiveSmallIntegerField(null=True, blank=True)
    # DOMAIN §6: a 续报 that lowers a peak is a correction (更正), with its reason
    correction_reason = models.TextField(_("更正理由"), blank=True, default="")

    class Meta:
        verbose_name = _("续报")
        verbose_name_plural = _("续报")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.incident_id} 续报 {self.at:%m-%d %H:%M}"


class Recipient(models.TextChoices):
    """Where reports go upward (§5.1, §9, §11 of the plan as summarised in DOMAIN.md §5)."""

    GENERAL_DUTY_ROOM = "general_duty_room", _("市应急救援总指挥部总值班室")
    COMMANDER = "commander", _("市指挥部指挥长")
    PROVINCE_HOUSING = "province_housing", _("省住建厅")
    SAFETY_REGULATOR = "safety_regulator", _("应急管理部门（安全生产监管）")
    LOCAL_GOVERNMENT = "local_government", _("事发地政府")
    COMPETENT_DEPARTMENT = "competent_department", _("主管部门（城管、住建）")
    MEMBER_UNITS = "member_units", _("市指挥部各成员单位")
    CITY_GOVERNMENT = "city_government", _("市委、市政府")
    OTHER = "other", _("其他")


class UpwardReport(models.Model):
    """The reporting log (§5.1): each report sent upward, to whom, when, and its deadline."""

    class Sender(models.TextChoices):
        COMPANY = "company", _("事发企业")
        COUNTY = "county", _("县级部门")
        CITY = "city", _("市城市管理局、市住建局（市指挥部办公室）")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="upward_reports")
    sender = models.CharField(_("报告方"), max_length=16, choices=Sender.choices, default=Sender.CITY)
    recipient = models.CharField(_("报告对象"), max_length=32, choices=Recipient.choices)
    recipient_detail = models.CharField(_("报告对象（补充）"), max_length=100, blank=True)
    channel = models.CharField(_("方式"), max_length=40, blank=True)
    due_at = models.DateTimeField(_("时限"))
    deadline_rule = models.CharField(_("时限依据"), max_length=120, blank=True)
    sent_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    summary = models.TextField(_("报告内容摘要"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("信息报送记录")
        verbose_name_plural = _("信息报送记录")
        ordering = ["due_at", "id"]
        constraints = [window_constraint("incidents.UpwardReport", "upward_report_times_plausible")]

    def __str__(self):
        return f"{self.get_recipient_display()} {self.due_at:%m-%d %H:%M}"

    def is_late(self, now=None):
        if self.sent_at:
            return self.sent_at > self.due_at
        return (now or timezone.now()) > self.due_at


class TimelineEvent(AppendOnlyModel):
    """The incident's append-only record: who, when, what, from, to, why, under which clause."""

    class Kind(models.TextChoices):
        CREATED = "created", _("接报登记")
        STATE = "state", _("状态变化")
        LEVEL = "level", _("响应级别")
        FOLLOW_UP = "follow_up", _("续报")
        UPWARD_REPORT = "upward_report", _("信息报送")
        FIRST_MEASURE = "first_measure", _("先期处置")
        LINK = "link", _("关联")
        NOTE = "note", _("记录")
        COMMAND = "command", _("指挥处置")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=60, blank=True)
    actor_post = models.CharField(_("操作人岗位"), max_length=60, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    summary = models.CharField(_("摘要"), max_length=300)
    reason = models.TextField(_("理由"), blank=True)
    clause = models.CharField(_("预案条款"), max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("时间线")
        verbose_name_plural = _("时间线")
        ordering = ["at", "id"]
        indexes = [
            # the incident page reads the latest 50 and pages back by (at, id) (selectors.timeline_page)
            # and the command page its level changes by kind (command.response.selectors.command_page)
            models.Index(fields=["incident", "at", "id"], name="timeline_incident_at_id"),
            models.Index(fields=["incident", "kind"], name="timeline_incident_kind"),
            # The charts and statistics (command/dashboard/stats_times.py, issue 15) read the first or last of these
            # moves per incident; their own partial indexes let them read nothing else.
            *(
                models.Index(fields=["incident", "at"], condition=Q(data__move=move), name=f"timeline_{move}")
                for move in ("start_assessment", "end_response")
            ),
            # The level moves (§5.3, the levels used) also carry the levels, to be read from the index alone.
            *(
                models.Index(
                    fields=["incident", "at"],
                    include=["from_level", "to_level", "id"],
                    condition=Q(data__move=move),
                    name=f"timeline_{move}",
                )
                for move in ("activate", "change_level")
            ),
        ]
        constraints = [window_constraint("incidents.TimelineEvent", "timeline_event_at_plausible")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary}"


class Submission(models.Model):
    """A form's single-use submission token (issue 16): the report form carries one in a hidden field;
    a second POST with the same token (a double click, a resent request) leads to the incident the first
    one created instead of creating another. The unique row is claimed in the same transaction as the
    incident, so two POSTs at once have exactly one winner."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("表单提交记录")
        verbose_name_plural = _("表单提交记录")

    def __str__(self):
        return self.token
