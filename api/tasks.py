from celery import shared_task

from . import receivers, webhooks


@shared_task(name="api.tasks.deliver", acks_late=True)
def deliver(delivery_id):
    """One attempt of a webhook delivery; the next is scheduled by ``webhooks.attempt`` (bounded)."""
    return webhooks.attempt(delivery_id)


@shared_task(name="api.tasks.sweep", acks_late=True)
def sweep():
    """Every minute: reminders sent about a unit's tasks become webhook events; late retries are requeued."""
    receivers.reminders_to_webhooks()
    return webhooks.sweep()
