"""The reminders' entry points (issue 7), all idempotent (at-least-once Celery, ``acks_late``); the Celery
tasks in ``command/tasks.py`` call them:

- ``sweep`` (beat, every minute): ``plan_reminders`` + ``deliver`` + ``retry_external``;
- ``dispatch`` (an ETA task at each due second the planner scheduled; beat every few seconds as the safety
  net; a re-scheduling when a worker starts, see ``reschedule``): when something is due — one indexed
  query otherwise — ``plan_reminders`` of the kinds due, then ``deliver`` of those, so a condition that
  ended since the last plan is cancelled, not sent (and a due call-down does not wait for thousands of
  tasks).
"""

from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.utils import timezone

from .delivery import deliver_all, retry_external
from .models import Reminder
from .planner import ETA_HORIZON, eta_bucket, plan_reminders

# The ETA task (command/tasks.py), sent by its registered name: the Celery module imports this one.
DISPATCH_TASK = "command.tasks.reminders_dispatch"


def sweep(now=None):
    """Beat, every minute: plan, send what is due, retry external sends; ETA dispatches for what falls
    due within ``ETA_HORIZON``. ``now`` pins the clock (tests); otherwise the sends are stamped when they
    happen, after the plan."""
    soon = plan_reminders(now)
    sent = deliver_all(now)
    retried = retry_external(now)
    _schedule_on_commit(soon)
    return {"planned_soon": len(soon), "sent": sent, "retried": retried}


def dispatch(now=None):
    """At a due time (ETA) and every ``REMINDER_DISPATCH_SECONDS`` (beat): if anything is due (one
    indexed query over the scheduled rows: their kinds), plan those kinds first — a condition that ended
    since the last plan is cancelled, not sent — then send."""
    moment = now or timezone.now()
    kinds = set(
        Reminder.objects.filter(state=Reminder.State.SCHEDULED, due_at__lte=moment)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )
    if not kinds:
        return {"planned_soon": 0, "sent": 0}
    soon = plan_reminders(now, kinds=kinds)
    sent = deliver_all(now, kinds=sorted(kinds))
    _schedule_on_commit(soon)
    return {"planned_soon": len(soon), "sent": sent}


def reschedule(now=None):
    """A worker has started (``worker_ready``): the ETA dispatches a killed worker held are stuck in the
    broker until the visibility timeout, so schedule them again for every scheduled reminder due within
    ``ETA_HORIZON`` (and one at once if something is already due). A duplicate of a dispatch a live worker
    still holds costs one query."""
    now = now or timezone.now()
    dues = (
        Reminder.objects.filter(state=Reminder.State.SCHEDULED, due_at__lte=now + ETA_HORIZON)
        .order_by()
        .values_list("due_at", flat=True)
    )
    times = sorted({max(eta_bucket(d), now) for d in dues})
    _schedule_on_commit(times)
    return len(times)


def _schedule_on_commit(times):
    if times:
        transaction.on_commit(lambda: _schedule(times), robust=True)


def _schedule(times):
    """One ETA dispatch per time, by the task's registered name: with the task's own options where this
    process has imported command.tasks, straight to the broker otherwise."""
    dispatch_task = current_app.tasks.get(DISPATCH_TASK)
    for eta in times:
        options = {"eta": eta, "expires": eta + timedelta(minutes=5)}
        if dispatch_task is None:
            current_app.send_task(DISPATCH_TASK, **options)
        else:
            dispatch_task.apply_async(**options)
