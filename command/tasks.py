from celery import shared_task
from django.db.models import F
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="command.tasks.heartbeat", bind=True, acks_late=True, max_retries=3)
def heartbeat(self, source="beat"):
    """Record that beat and a worker are alive. Idempotent: it only moves a timestamp forward."""
    now = timezone.now()
    host = self.request.hostname or ""
    updated = Heartbeat.objects.filter(source=source).update(
        last_seen=now, count=F("count") + 1, hostname=host
    )
    if not updated:
        Heartbeat.objects.get_or_create(
            source=source, defaults={"last_seen": now, "count": 1, "hostname": host}
        )
    return now.isoformat()
