"""Reads of in-app notifications."""

from .models import Notification


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user, limit=100):
    return list(Notification.objects.filter(recipient=user).select_related("incident")[:limit])
