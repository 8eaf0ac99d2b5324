"""Outgoing webhooks: a unit's registered URL receives its events as JSON, signed.

Headers: ``X-Heating-Event``, ``X-Heating-Delivery`` (the delivery's id: the receiver deduplicates by it,
delivery is at least once), ``X-Heating-Timestamp`` and ``X-Heating-Signature: sha256=<hex>``, the
HMAC-SHA256 with the webhook's secret of ``"<timestamp>.<body>"``. A delivery is tried up to
as many times as ``API_WEBHOOK_BACKOFF`` has entries, with that backoff, then listed as failed; the office or the unit
re-sends it (``redeliver``)."""

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Delivery, Webhook

DELIVER_TASK = "api.tasks.deliver"  # the Celery task's registered name (api/tasks.py)


def backoff():
    """Seconds before attempt 1, 2, … (``API_WEBHOOK_BACKOFF``); as many attempts as entries."""
    return settings.API_WEBHOOK_BACKOFF


def check_url(url):
    """The message of what is wrong with a URL, or "" when it is a usable http(s) address."""
    if not isinstance(url, str) or not url.strip():
        return _("请填写推送地址。")
    if len(url) > 500:
        return _("推送地址最多500个字符。")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return _("推送地址格式不正确。")
    if parts.scheme not in ("http", "https"):
        return _("推送地址须以 http:// 或 https:// 开头。")
    if not parts.hostname or any(c.isspace() for c in url.strip()):
        return _("推送地址缺少主机名或含有空格。")
    if parts.username or parts.password:
        return _("推送地址不能包含用户名或密码。")
    if port == 0:
        return _("推送地址格式不正确。")
    return ""


def new_secret():
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret, timestamp, body):
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def emit(unit_ids, event, key, payload):
    """Queue ``event`` for every active webhook of these units subscribed to it (once per key), sent
    after the transaction commits."""
    hooks = Webhook.objects.filter(unit_id__in=list(unit_ids), active=True)
    created = []
    for hook in hooks:
        if event not in hook.events:
            continue
        try:
            with transaction.atomic():
                d = Delivery.objects.create(
                    webhook=hook,
                    event=event,
                    key=key[:160],
                    payload={"event": event, "data": payload},
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            continue  # this occurrence is already queued for this webhook
        created.append(d.pk)
    if created:
        transaction.on_commit(lambda: _enqueue(created), robust=True)
    return created


def _enqueue(ids, countdown=0):
    """Queue an attempt of each delivery by the task's registered name: ``api.tasks`` calls back into this
    module, so the import goes one way (tasks → webhooks)."""
    for pk in ids:
        current_app.send_task(DELIVER_TASK, args=(str(pk),), countdown=countdown)


def attempt(delivery_id):
    """One attempt (the Celery task calls this). Returns the delivery's state afterwards."""
    now = timezone.now()
    with transaction.atomic():
        d = Delivery.objects.select_for_update().select_related("webhook").filter(pk=delivery_id).first()
        if d is None or d.state != Delivery.State.PENDING:
            return d.state if d else None
        d.attempts += 1
        d.next_attempt_at = now + timedelta(seconds=settings.API_WEBHOOK_TIMEOUT_SECONDS + 60)  # if we die
        d.save(update_fields=["attempts", "next_attempt_at"])
    status, err = _post(d, now)
    d.last_status, d.last_error = status, err[:300]
    if status is not None and 200 <= status < 300:
        d.state, d.delivered_at = Delivery.State.SENT, timezone.now()
    elif d.attempts >= len(backoff()):
        d.state = Delivery.State.FAILED
    else:
        d.next_attempt_at = timezone.now() + timedelta(seconds=backoff()[d.attempts])
    d.save(update_fields=["state", "delivered_at", "last_status", "last_error", "next_attempt_at"])
    if d.state == Delivery.State.PENDING:
        _enqueue([d.pk], countdown=backoff()[d.attempts])
    return d.state


def _post(d, now):
    body = json.dumps(
        {**d.payload, "delivery": str(d.id), "sent_at": now.isoformat()},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
    ).encode()
    ts = str(int(now.timestamp()))
    request = urllib.request.Request(
        d.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "heating-command-webhook/1",
            "X-Heating-Event": d.event,
            "X-Heating-Delivery": str(d.id),
            "X-Heating-Timestamp": ts,
            "X-Heating-Signature": f"sha256={sign(d.webhook.secret, ts, body)}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.API_WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as e:
        return e.code, f"HTTP {e.code}"
    except Exception as e:  # refused, timeout, DNS: the outcome is unknown or negative; retried
        return None, f"{type(e).__name__}: {e}"


def redeliver(delivery):
    """Send again (a failed or delivered one: a new attempt budget, the same delivery id)."""
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
    )
    transaction.on_commit(lambda: _enqueue([delivery.pk]), robust=True)


def sweep(now=None):
    """Catch what a lost message missed: pending deliveries whose attempt is overdue are queued again."""
    now = now or timezone.now()
    late = list(
        Delivery.objects.filter(
            state=Delivery.State.PENDING, next_attempt_at__lt=now - timedelta(minutes=1)
        ).values_list("pk", flat=True)[:500]
    )
    _enqueue(late)
    return len(late)
