"""Sending the due reminders (issue 7): the due rows, locked with SKIP LOCKED (two workers never take the
same one), are resolved to people and sent: one in-app message per person per batch listing everything due
for them (exactly once: the reminder is marked sent in the same transaction as the notification and its
delivery rows), plus each person's preferred external channels (at least once, bounded, with an
idempotency key; see ``send_delivery``). Each sent reminder is on its incident's timeline."""

from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import TimelineEvent
from incidents.recording import recorded
from incidents.timeline import timeline_event

from ..notifications.models import Notification
from .channels import ChannelError, adapter_for
from .kinds import KINDS, key_timestamp
from .models import Delivery, Reminder
from .resolver import Resolver

MAX_ATTEMPTS = 3
UNKNOWN_AFTER = timedelta(minutes=5)  # a send begun this long ago and never finished: outcome unknown
# The Celery task that sends one external delivery (command/tasks.py), called by its registered name: the
# Celery module imports this one, not the other way round.
SEND_DELIVERY_TASK = "command.tasks.send_delivery"


def deliver(now=None, *, limit=500, kinds=None):
    """Send the due reminders (see the module docstring), of ``kinds`` only if given (those a dispatch
    has just planned). Returns the number of reminders sent."""
    now = now or timezone.now()
    resolver = Resolver(now)
    with transaction.atomic():
        due = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=Reminder.State.SCHEDULED, due_at__lte=now, **({"kind__in": kinds} if kinds else {}))
            .select_related("incident")
            .order_by("due_at", "id")[:limit]
        )
        if not due:
            return 0
        per_user = _due_per_user(due, resolver)
        users = {u.pk: u for u in get_user_model().objects.filter(pk__in=per_user).select_related("person")}
        notes = _notifications(per_user, users, now)
        Notification.objects.bulk_create([n for n, _i, _u in notes])
        deliveries = _deliveries(notes, now)
        Delivery.objects.bulk_create(deliveries)
        Reminder.objects.filter(pk__in=[r.pk for r in due]).update(state=Reminder.State.SENT, sent_at=now)
        _timeline(due, users, now)
        external = [d.key for d in deliveries if d.channel != "in_app"]
        if external:
            transaction.on_commit(lambda: enqueue_external(external), robust=True)
    return len(due)


def _due_per_user(due, resolver):
    """{user id: [reminders]}; each reminder keeps the ids it went to in ``resolved`` (for the timeline)."""
    per_user = {}
    for r in due:
        users = set()
        for spec in r.recipients:
            users |= resolver.resolve(spec)
        users.discard(None)
        r.resolved = sorted(users)
        for u in users:
            per_user.setdefault(u, []).append(r)
    return per_user


def _notifications(per_user, users, now):
    """One in-app notification per person listing everything due for them: [(note, reminders, user)]."""
    notes = []
    for uid, items in per_user.items():
        user = users.get(uid)
        if user is None:
            continue
        first = items[0]
        title = (
            first.title
            if len(items) == 1
            else _("提醒（%(n)s项）：%(first)s 等") % {"n": len(items), "first": first.title}
        )
        note = Notification(
            recipient=user,
            incident=first.incident if len({i.incident_id for i in items}) == 1 else None,
            key=f"reminders:{first.pk}:{uid}:{len(items)}:{key_timestamp(now)}",
            kind="reminder",
            title=title[:200],
            body="\n".join(f"· {i.title}" for i in items),
            url=first.url if len(items) == 1 else reverse("command:notifications"),
            created_at=now,
        )
        notes.append((note, items, user))
    return notes


def _deliveries(notes, now):
    """The in-app delivery rows (sent with the notification) and the external ones still to send, on the
    person's preferred channels that are configured here (email only where the user has an address)."""
    deliveries, configured = [], configured_channels()
    for note, items, user in notes:
        person = getattr(user, "person", None)
        channels = [
            c
            for c in ((person.channels if person else None) or [])
            if c in configured and (c != "email" or user.email)
        ]
        for r in items:
            deliveries.append(
                Delivery(
                    reminder=r,
                    recipient=user,
                    channel="in_app",
                    key=f"r{r.pk}-u{user.pk}-in_app",
                    state=Delivery.State.SENT,
                    attempts=1,
                    started_at=now,
                    sent_at=now,
                    notification=note,
                )
            )
            for ch in channels:
                deliveries.append(
                    Delivery(
                        reminder=r,
                        recipient=user,
                        channel=ch,
                        key=f"r{r.pk}-u{user.pk}-{ch}",
                        next_attempt_at=now,
                    )
                )
    return deliveries


def _timeline(due, users, now):
    events = []
    with recorded():
        for r in due:
            if r.incident_id is None:
                continue
            names = "、".join(
                users[u].person.name if getattr(users.get(u), "person", None) else str(u)
                for u in r.resolved
                if u in users
            ) or _("（无人可发送）")
            events.append(
                timeline_event(
                    r.incident,
                    kind=TimelineEvent.Kind.COMMAND,
                    actor=None,
                    actor_label=_("系统提醒"),
                    at=now,
                    summary=_("提醒已发送：%(title)s → %(who)s") % {"title": r.title, "who": names},
                    clause=str(KINDS[r.kind]["clause"]),
                    data={"reminder": r.pk, "kind": r.kind, "recipients": r.resolved},
                )
            )
    TimelineEvent.objects.bulk_create(events)


def enqueue_external(keys):
    """Queue one send per external delivery key (Celery, by the task's registered name)."""
    for key in keys:
        current_app.signature(SEND_DELIVERY_TASK, args=(key,)).delay()


# ---- external channels: at least once, bounded, visible ---------------------------------------------


def configured_channels():
    """External channels that can be used here: email always (the console backend when no SMTP is
    set), SMS and the webhook when their gateway URL is configured."""
    result = ["email"]
    if getattr(settings, "SMS_GATEWAY_URL", ""):
        result.append("sms")
    if getattr(settings, "WEBHOOK_URL", ""):
        result.append("wecom")
    return result


def send_delivery(key, now=None):
    """Send one external delivery. Marked "sending" (committed) before the gateway is called; a worker
    killed mid-send leaves it "sending", which after ``UNKNOWN_AFTER`` shows as unknown and is sent again
    with the same idempotency key (the gateway drops the duplicate). At most ``MAX_ATTEMPTS`` tries."""
    now = now or timezone.now()
    with transaction.atomic():
        d = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("reminder", "recipient", "recipient__person")
            .filter(key=key)
            .first()
        )
        if d is None or d.state in (Delivery.State.SENT, Delivery.State.FAILED):
            return d.state if d else "missing"
        if d.state == Delivery.State.SENDING and d.started_at and now - d.started_at < UNKNOWN_AFTER:
            return "in-flight"
        if d.attempts >= MAX_ATTEMPTS:
            d.state, d.last_error = Delivery.State.FAILED, (d.last_error or _("多次尝试后仍未确认送达"))[:300]
            d.save(update_fields=["state", "last_error"])
            return d.state
        d.state, d.started_at, d.attempts = Delivery.State.SENDING, now, d.attempts + 1
        d.save(update_fields=["state", "started_at", "attempts"])
    try:
        adapter_for(d.channel).send(
            recipient=d.recipient,
            subject=d.reminder.title,
            body=d.reminder.title + "\n" + _full_url(d.reminder.url),
            key=d.key,
        )
    except ChannelError as e:
        done = d.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=d.pk).update(
            state=Delivery.State.FAILED if done else Delivery.State.PENDING,
            last_error=str(e)[:300],
            next_attempt_at=None if done else timezone.now() + timedelta(minutes=2**d.attempts),
        )
        return "failed" if done else "retry"
    Delivery.objects.filter(pk=d.pk).update(state=Delivery.State.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def _full_url(path):
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{path}" if base else path


def retry_external(now=None, *, inline=False):
    """Pending deliveries whose retry time came, and sends of unknown outcome: send (again)."""
    now = now or timezone.now()
    keys = list(
        Delivery.objects.filter(
            Q(state=Delivery.State.PENDING, next_attempt_at__lte=now)
            | Q(state=Delivery.State.SENDING, started_at__lt=now - UNKNOWN_AFTER)
        )
        .exclude(channel="in_app")
        .order_by()  # not the default "-id": that would walk every delivery ever made
        .values_list("key", flat=True)[:500]
    )
    if inline:
        for key in keys:
            send_delivery(key, now=now)
    elif keys:
        transaction.on_commit(lambda: enqueue_external(keys), robust=True)
    return len(keys)


def deliver_all(now=None, *, limit=500, kinds=None):
    """``deliver`` in batches of ``limit`` (one transaction each) until nothing due is left."""
    total = 0
    while True:
        sent = deliver(now, limit=limit, kinds=kinds)
        total += sent
        if sent < limit:
            return total


def is_unknown(delivery, now=None):
    now = now or timezone.now()
    return (
        delivery.state == Delivery.State.SENDING
        and delivery.started_at
        and now - delivery.started_at >= UNKNOWN_AFTER
    )
