"""The reminders' tables (issue 7): the office's timings, the planned reminders, what was sent to whom on
which channel, and the Celery heartbeat. Imported at the bottom of ``command/models.py`` (app label
"command", tables unchanged)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When a Celery task last ran, per source. Beat runs ``command.tasks.heartbeat`` every minute;
    ``/healthz`` reports the newest row, so a dead worker or a dead beat shows as a stale heartbeat."""

    source = models.CharField(_("来源"), max_length=32, unique=True)
    last_seen = models.DateTimeField(_("最近一次"), default=timezone.now)
    count = models.PositiveBigIntegerField(_("次数"), default=0)
    hostname = models.CharField(_("工作进程"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")

    def __str__(self):
        return f"{self.source} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class ReminderPolicy(models.Model):
    """The office's timings for one reminder kind (minutes), overriding ``kinds.KINDS`` defaults."""

    kind = models.CharField(_("类型"), max_length=24, unique=True)
    config = models.JSONField(_("时间设置"), default=dict)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")

    def __str__(self):
        return self.kind


class ReminderState(models.TextChoices):
    """A reminder's state (``Reminder.State``; the check constraint reads its values)."""

    SCHEDULED = "scheduled", _("待发送")
    SENT = "sent", _("已发送")
    CANCELLED = "cancelled", _("已取消（情况已消除）")


class Reminder(models.Model):
    """One reminder: a condition (kind, subject) at one escalation step, due at a time. Unique per
    (kind, subject, step): planning twice never makes two. Sent once; cancelled when its condition is gone."""

    State = ReminderState

    kind = models.CharField(_("类型"), max_length=24)
    subject = models.CharField(_("对象"), max_length=60)  # e.g. "task:12", "request:3:1"
    step = models.CharField(_("环节"), max_length=24)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    due_at = models.DateTimeField(_("应发时间"), db_index=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.SCHEDULED)
    title = models.CharField(_("内容"), max_length=300)
    url = models.CharField(max_length=300, blank=True)
    urgent = models.BooleanField(_("紧急"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(_("接收人"), default=list)  # user ids, resolved when sent

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "step"], name="reminder_once"),
            models.CheckConstraint(condition=Q(state__in=ReminderState.values), name="reminder_state_valid"),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="reminder_due"),
            models.Index(fields=["subject"], name="reminder_subject"),  # the planner's known rows
            # what is scheduled, in due order: plan, deliver and dispatch read only these (issue 15)
            models.Index(fields=["due_at", "id"], condition=Q(state="scheduled"), name="reminder_scheduled"),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject} {self.step}"


class DeliveryState(models.TextChoices):
    """A delivery's state (``Delivery.State``; the check constraint reads its values)."""

    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败")


class Delivery(models.Model):
    """One reminder to one person on one channel. In-app: exactly once (unique row, written with the
    notification in one transaction). External channels: at least once, with ``key`` sent to the gateway
    as the idempotency key; a send that began but never finished (the worker died) shows as unknown."""

    State = DeliveryState

    reminder = models.ForeignKey(Reminder, on_delete=models.PROTECT, related_name="deliveries")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("渠道"), max_length=12)
    key = models.CharField(_("幂等键"), max_length=80, unique=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("错误"), max_length=300, blank=True)
    notification = models.ForeignKey(
        "command.Notification", null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["reminder", "recipient", "channel"], name="delivery_once"),
            models.CheckConstraint(condition=Q(state__in=DeliveryState.values), name="delivery_state_valid"),
        ]
        # retry_external: the deliveries still open, not every one ever sent (issue 15)
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="delivery_pending"),
            models.Index(fields=["started_at"], condition=Q(state="sending"), name="delivery_sending"),
        ]

    def __str__(self):
        return self.key
