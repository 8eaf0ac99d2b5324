"""The API's own records: tokens (hashed), idempotency records, webhooks and their deliveries.

A token belongs to a unit (a member unit, a company, a county government) and acts as that unit's
liaison (``orgchart.permissions.act_in_post``); its secret is shown once and only its SHA-256 is kept.
Every issue and revocation is written to the org chart's append-only change log (``OrgChange``)."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.models import Unit

TOKEN_PREFIX = "hk_"


class Scope(models.TextChoices):
    INCIDENTS_REPORT = "incidents:report", _("报告事件、续报")
    INCIDENTS_READ = "incidents:read", _("读取本单位相关事件")
    TASKS_READ = "tasks:read", _("读取本单位任务")
    TASKS_WRITE = "tasks:write", _("签收、反馈、完成本单位任务")
    WEBHOOKS_MANAGE = "webhooks:manage", _("登记推送地址")


def digest(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(_("前缀"), max_length=16, unique=True)
    hashed = models.CharField(_("摘要"), max_length=64)
    scopes = models.JSONField(_("权限范围"), default=list)
    expires_at = models.DateTimeField(_("有效期至"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # The actor on the timeline and in the task notes: one user per token, no person, no password.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token", editable=False
    )
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签发人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    @staticmethod
    def new_secret():
        prefix = secrets.token_hex(4)
        return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"

    def matches(self, raw):
        return secrets.compare_digest(self.hashed, digest(raw))

    def is_valid(self, now=None):
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    def status(self, now=None):
        if self.revoked_at:
            return _("已吊销")
        return _("有效") if self.is_valid(now) else _("已过期")


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an ``Idempotency-Key``: a retry gets it back unchanged."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)  # None: still being processed
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_unique")]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}]"


class Event(models.TextChoices):
    TASK_NEW = "task.new", _("本单位有新任务")
    LEVEL_CHANGED = "incident.level_changed", _("响应级别变化")
    RESPONSE_ENDED = "incident.response_ended", _("响应结束")
    REMINDER = "reminder", _("提醒")


class Webhook(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="webhooks")
    url = models.URLField(_("推送地址"), max_length=500)
    events = models.JSONField(_("事件"), default=list)
    secret = models.CharField(_("签名密钥"), max_length=80, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("推送地址")
        verbose_name_plural = _("推送地址")
        ordering = ["unit__order", "id"]

    def __str__(self):
        return f"{self.unit} → {self.url}"


class Delivery(models.Model):
    """One event for one webhook: POSTed until accepted (2xx), at most ``len(API_WEBHOOK_BACKOFF)`` times
    with backoff; the receiver deduplicates by ``id`` (the ``X-Heating-Delivery`` header): at least once."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已送达")
        FAILED = "failed", _("发送失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("事件"), max_length=40, choices=Event.choices)
    key = models.CharField(max_length=160)  # one delivery per (webhook, event occurrence)
    payload = models.JSONField(default=dict)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_status = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("产生时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "key"], name="api_delivery_once"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sent", "failed"]), name="api_delivery_state"
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.webhook_id} ({self.state})"
