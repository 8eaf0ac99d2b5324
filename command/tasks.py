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


@shared_task(
    name="command.tasks.response_setup",
    bind=True,
    acks_late=True,
    max_retries=5,
    autoretry_for=(Exception,),
    retry_backoff=True,
)
def response_setup_task(self, incident_id):
    """Retry of the after-commit activation setup (idempotent: adds only what is missing)."""
    from .activation import response_setup

    setup = response_setup(incident_id)
    return setup.pk if setup else None
