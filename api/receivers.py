"""Where the webhook events come from, without touching the other apps: Django signals
(``post_save`` of a task, ``incidents.signals.incident_moved``) and, for what is written in bulk
(the tasks of an activation, the reminders' sweep), a look back in ``api.tasks.sweep`` every minute.
Each occurrence has a key, so whichever path sees it first queues it and the other finds it queued."""

from datetime import timedelta

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from command.models import Assignment, Reminder
from incidents.signals import incident_moved

from .models import Event, Webhook
from .webhooks import emit

LOOK_BACK = timedelta(days=1)


def _iso(value):
    return value.isoformat() if value else None


def task_payload(t):
    return {
        "task": t.pk,
        "incident": t.incident_id,
        "title": t.title,
        "state": t.state,
        "unit": t.unit_id,
        "due_at": _iso(t.due_at),
        "clause": t.clause,
    }


@receiver(post_save, sender=Assignment, dispatch_uid="api.task_saved")
def task_saved(sender, instance, created, update_fields=None, **kwargs):
    if not instance.unit_id:
        return
    if created:
        emit(
            [instance.unit_id],
            Event.TASK_NEW,
            f"task:{instance.pk}:{instance.unit_id}",
            task_payload(instance),
        )
    elif update_fields and "unit" in update_fields:  # reassigned to this unit
        key = f"task:{instance.pk}:{instance.unit_id}:{instance.updated_at.timestamp():.0f}"
        emit([instance.unit_id], Event.TASK_NEW, key, task_payload(instance))


@receiver(incident_moved, dispatch_uid="api.incident_moved")
def incident_moved_events(sender, incident, move, actor, from_state, from_level, event, context, **kwargs):
    if move in ("activate", "change_level"):
        name = Event.LEVEL_CHANGED
    elif move == "end_response":
        name = Event.RESPONSE_ENDED
    else:
        return
    payload = {
        "incident": incident.pk,
        "ref": incident.ref,
        "title": incident.title,
        "is_drill": incident.is_drill,
        "state": incident.state,
        "level": incident.level,
        "from_level": from_level,
        "at": _iso(event.at),
        "clause": event.clause,
    }
    emit(incident.permission_unit_ids(), name, f"{name}:{incident.pk}:{event.pk}", payload)


def reminders_to_webhooks(now=None):
    """Tasks created in bulk (an activation) and reminders sent about a unit's task → events."""
    now = now or timezone.now()
    since = now - LOOK_BACK
    units = set(Webhook.objects.filter(active=True).values_list("unit_id", flat=True))
    if not units:
        return 0
    n = 0
    for t in Assignment.objects.filter(unit_id__in=units, created_at__gte=since):
        n += len(emit([t.unit_id], Event.TASK_NEW, f"task:{t.pk}:{t.unit_id}", task_payload(t)))
    sent = Reminder.objects.filter(
        state=Reminder.State.SENT, due_at__gte=since, subject__startswith="task:"
    ).values_list("pk", "subject", "title", "kind", "sent_at")
    by_task = {}
    for pk, subject, title, kind, sent_at in sent:
        task_id = subject.split(":")[1]
        if task_id.isdigit():
            by_task.setdefault(int(task_id), []).append((pk, title, kind, sent_at))
    tasks = Assignment.objects.filter(pk__in=list(by_task), unit_id__in=units)
    for t in tasks:
        for pk, title, kind, sent_at in by_task[t.pk]:
            payload = {
                **task_payload(t),
                "reminder": pk,
                "kind": kind,
                "text": title,
                "sent_at": _iso(sent_at),
            }
            n += len(emit([t.unit_id], Event.REMINDER, f"reminder:{pk}", payload))
    return n
