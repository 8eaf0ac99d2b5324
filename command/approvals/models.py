"""The level-change request and the steps taken on it (DOMAIN.md §5; the chain: ``approvals.chain``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.inputs import window_constraint
from incidents.choices import ResponseLevel
from orgchart.approvals import LevelChange
from orgchart.models import AppendOnlyModel

from .chain import route


class LevelRequestStatus(models.TextChoices):
    """A request's status (``LevelRequest.Status``; the check constraint reads its values)."""

    OPEN = "open", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")
    SUPERSEDED = "superseded", _("已失效")


class LevelRequest(models.Model):
    """A request to activate, raise, lower or end a response, moving along the plan's chain.

    At most one request per incident is open at a time (a partial unique constraint: a second one is
    refused by the database as well as by the service). ``stage`` indexes ``steps``; a decision sent
    with a stale stage is refused."""

    Kind = LevelChange  # the kinds of the approval table (``orgchart.approvals``)

    Status = LevelRequestStatus

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
                fields=["incident"],
                condition=Q(status=LevelRequestStatus.OPEN),
                name="one_open_level_request_per_incident",
            ),
            models.CheckConstraint(
                condition=Q(status__in=LevelRequestStatus.values),
                name="level_request_status_valid",
            ),
            models.CheckConstraint(condition=Q(kind__in=LevelChange.values), name="level_request_kind_valid"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def title(self):
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
