"""The Celery entry module (autodiscovered): thin tasks under their registered names, each calling a public
function. The reminders schedule these by name (``command.tasks.*``) and never import this module."""

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from .reminders.delivery import send_delivery as send_one_delivery
from .reminders.models import Heartbeat
from .reminders.schedule import dispatch, reschedule, sweep
from .response import activation


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
    setup = activation.response_setup(incident_id)
    return setup.pk if setup else None


@shared_task(name="command.tasks.reminders_sweep", acks_late=True, max_retries=0, ignore_result=True)
def reminders_sweep():
    """Every minute (beat): plan, send what is due, retry external sends.
    Idempotent: a redelivered or duplicated sweep finds nothing left to send."""
    return sweep()


@shared_task(name="command.tasks.reminders_dispatch", acks_late=True, max_retries=0, ignore_result=True)
def reminders_dispatch():
    """At each due second (ETA) and every few seconds (beat): when something is due, plan and send it.
    Idempotent: SKIP LOCKED and the sent state in the sending transaction; nothing due costs one query."""
    return dispatch()


@shared_task(name="command.tasks.reminders_reschedule", acks_late=True, max_retries=0, ignore_result=True)
def reminders_reschedule():
    """When a worker starts: the ETA dispatches for the reminders due within the hour, again (those a
    killed worker held stay in the broker until the visibility timeout)."""
    return reschedule()


@shared_task(name="command.tasks.send_delivery", acks_late=True, max_retries=0, ignore_result=True)
def send_delivery(key):
    """One external delivery (email / SMS / webhook); retries are the sweep's, bounded per delivery."""
    return send_one_delivery(key)
