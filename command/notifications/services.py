"""Writes of in-app notifications: each is sent exactly once per (recipient, key)."""

from django.utils import timezone

from .models import Notification


def notify(users, *, key, kind, title, body="", url="", incident=None):
    """In-app notification, exactly once per (recipient, key): a repeat is ignored by the database."""
    rows = [
        Notification(
            recipient=u, key=key[:120], kind=kind, title=title[:200], body=body, url=url, incident=incident
        )
        for u in {u.pk: u for u in users if u is not None}.values()
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def notification_mark_read(*, user, notification_id=None, now=None):
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=now or timezone.now())
