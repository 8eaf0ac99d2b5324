from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import receivers, webhooks
from .models import IdempotencyRecord

KEEP_IDEMPOTENCY = timedelta(days=7)  # a client retries within minutes; a week is ample


@shared_task(name=webhooks.DELIVER_TASK, acks_late=True)
def deliver(delivery_id):
    """One attempt of a webhook delivery; the next is scheduled by ``webhooks.attempt`` (bounded)."""
    return webhooks.attempt(delivery_id)


@shared_task(name="api.tasks.sweep", acks_late=True)
def sweep():
    """Every minute: reminders sent about a unit's tasks become webhook events; late retries are requeued;
    idempotency records older than a week go."""
    receivers.reminders_to_webhooks()
    IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP_IDEMPOTENCY).delete()
    return webhooks.sweep()
