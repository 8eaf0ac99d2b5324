"""Reminders through Redis to a real Celery worker *process*: in-app delivery is exactly once per
(reminder, recipient), also when sweeps repeat and when the worker is SIGKILLed and restarted.

The reminders are real ones that ``plan()`` keeps alive (it cancels every scheduled row whose condition
it no longer finds, whatever the kind): un-received call-downs (到岗通知) on a responding incident. Their
"again" step is due ``notified_at + policy["again"]`` minutes, so moving ``notified_at`` back puts the
due time a few seconds from now. The other call-downs are marked received so that only ours are planned.

The worker runs the real command line (``celery -A config worker``) against the test database; the
queue is the test run's own (``CELERY_QUEUE`` from tests/_env.py, i.e. ``app.conf.task_default_queue``).
Beat is not started: the test enqueues dispatches itself, at the due times (ETA, as ``sweep()`` does)
and, after the kill, repeatedly (as beat does every few seconds) — or, in the last test, leaves it to the
new worker, which schedules the ETA dispatches again when it starts (``worker_ready``).
"""

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from command.models import CallDown, Delivery, Heartbeat, Notification, Reminder
from command.reminders import kinds, planner, schedule
from command.tasks import heartbeat, reminders_dispatch, reminders_sweep
from config.celery import app
from tests.support.workers import Worker, wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _drain(marker, log=None, timeout=20):
    """Enqueue a heartbeat behind whatever is queued and wait for it: a solo worker with prefetch 1
    takes messages in order, so once it has run, every sweep enqueued before it has run too."""
    heartbeat.apply_async(kwargs={"source": marker})
    wait_for(lambda: Heartbeat.objects.filter(source=marker).exists(), timeout, "the queue to drain", log)


def _calldown_reminders(incident, count, first_in, spacing):
    """Keep ``count`` un-received call-downs of people with an account on ``incident`` (mark the rest
    received) and time them so their "again" reminder falls due ``first_in``, ``first_in + spacing`` …
    seconds from now. Returns [(CallDown, due_at)]."""
    again = timedelta(minutes=kinds.policies()["calldown"]["again"])
    chosen = list(
        CallDown.objects.filter(incident=incident, person__user__isnull=False, received_at__isnull=True)
        .select_related("person")
        .order_by("id")[:count]
    )
    assert len(chosen) == count, "the Ⅱ activation should call enough people with an account"
    CallDown.objects.filter(incident=incident).exclude(pk__in=[c.pk for c in chosen]).update(
        received_at=timezone.now(), received_recorded_by="test"
    )
    now, result = timezone.now(), []
    for i, cd in enumerate(chosen):
        due = now + timedelta(seconds=first_in + i * spacing)
        CallDown.objects.filter(pk=cd.pk).update(notified_at=due - again)
        result.append((cd, due))
    return result


def _reminder_of(cd):
    return Reminder.objects.get(kind="calldown", subject=f"calldown:{cd.pk}", step="again")


def _assert_in_app_exactly_once(reminder, user_id):
    in_app = list(Delivery.objects.filter(reminder=reminder, channel="in_app"))
    assert [(d.recipient_id, d.state) for d in in_app] == [(user_id, Delivery.State.SENT)]
    assert in_app[0].sent_at >= reminder.due_at
    assert in_app[0].notification_id is not None
    # the one message that lists it, and no other reminder message about it
    notes = Notification.objects.filter(kind="reminder", recipient_id=user_id, deliveries__reminder=reminder)
    assert notes.distinct().count() == 1


def _assert_no_duplicate_messages(user_ids):
    """Every reminder message a recipient got lists exactly the reminders whose in-app delivery rows
    point at it (one line each), and no reminder appears in two of their messages."""
    for uid in user_ids:
        seen = []
        for note in Notification.objects.filter(kind="reminder", recipient_id=uid):
            linked = list(
                Delivery.objects.filter(notification=note, channel="in_app").values_list(
                    "reminder_id", flat=True
                )
            )
            assert linked, f"reminder message {note.pk} without a delivery row"
            assert len(note.body.splitlines()) == len(linked)
            seen += linked
        assert len(seen) == len(set(seen)), f"user {uid}: a reminder in two messages: {sorted(seen)}"


def test_a_due_reminder_arrives_in_app_exactly_once(demo, incident_in, tmp_path):
    assert app.conf.broker_url.startswith("redis://")
    app.control.purge()
    incident = incident_in("responding", level=2)  # the activation's setup calls people (on commit)
    worker = Worker(tmp_path, "reminders-a")
    try:
        worker.wait_ready()
        [(cd, due)] = _calldown_reminders(incident, 1, first_in=3, spacing=0)
        user_id = cd.person.user_id
        soon = (
            planner.plan_reminders()
        )  # what the sweep does: insert the row, return the due times within the hour
        reminder = _reminder_of(cd)
        assert reminder.state == Reminder.State.SCHEDULED and reminder.recipients == [f"user:{user_id}"]
        assert abs((reminder.due_at - due).total_seconds()) < 0.001
        assert any(timedelta(0) <= eta - reminder.due_at < timedelta(seconds=1) for eta in soon)  # bucketed
        reminders_dispatch.apply_async(eta=soon[0], expires=soon[0] + timedelta(minutes=5))

        wait_for(
            lambda: Delivery.objects.filter(reminder=reminder, channel="in_app").exists(),
            25,
            "the in-app delivery",
            worker.log,
        )
        reminder.refresh_from_db()
        assert reminder.state == Reminder.State.SENT
        _assert_in_app_exactly_once(reminder, user_id)

        # Again, twice (a redelivered ETA dispatch, the minute's sweep): nothing more is sent.
        reminders_dispatch.delay()
        reminders_sweep.delay()
        _drain("drained-a", worker.log)
        _assert_in_app_exactly_once(reminder, user_id)
        _assert_no_duplicate_messages([user_id])
        assert (
            Reminder.objects.filter(kind="calldown", subject=f"calldown:{cd.pk}", step="again").count() == 1
        )
        assert "Traceback" not in worker.log.read_text()
    finally:
        worker.stop()
        app.control.purge()


def test_a_worker_killed_mid_way_loses_and_duplicates_nothing(demo, incident_in, tmp_path):
    app.control.purge()
    incident = incident_in("responding", level=2)
    workers = [Worker(tmp_path, "reminders-b1")]
    try:
        workers[0].wait_ready()
        timed = _calldown_reminders(incident, 4, first_in=3, spacing=4)
        planner.plan_reminders()
        rows = [(_reminder_of(cd), cd.person.user_id) for cd, _due in timed]
        assert len({uid for _r, uid in rows}) == len(rows)  # one reminder per person
        for r, _uid in rows:  # the ETA dispatches sweep() schedules for them
            reminders_dispatch.apply_async(eta=r.due_at, expires=r.due_at + timedelta(minutes=5))
        ids = [r.pk for r, _uid in rows]

        def delivered():
            return Delivery.objects.filter(reminder_id__in=ids, channel="in_app").count()

        wait_for(lambda: delivered() >= 1, 20, "the first in-app delivery", workers[0].log)
        workers[0].kill()  # holding the later ETA sweeps, unacknowledged
        at_kill = delivered()
        assert 1 <= at_kill < len(ids), "the kill should come mid-way"

        time.sleep(1)
        workers.append(Worker(tmp_path, "reminders-b2"))
        workers[1].wait_ready()
        # The killed worker's ETA messages come back only after the visibility timeout (an hour); beat's
        # dispatch (and the new worker's reschedule) deliver the rest. Beat, compressed: a dispatch every
        # two seconds until everything is sent.
        deadline = time.monotonic() + 30
        while delivered() < len(ids) and time.monotonic() < deadline:
            reminders_dispatch.apply_async(expires=10)
            time.sleep(2)
        assert delivered() == len(ids), workers[1].log.read_text()[-4000:]
        reminders_sweep.delay()
        reminders_sweep.delay()
        _drain("drained-b", workers[1].log)

        for r, uid in rows:
            r.refresh_from_db()
            assert r.state == Reminder.State.SENT
            _assert_in_app_exactly_once(r, uid)
        assert Delivery.objects.filter(reminder_id__in=ids, channel="in_app").count() == len(ids)
        _assert_no_duplicate_messages([uid for _r, uid in rows])
    finally:
        for w in workers:
            w.stop()
        app.control.purge()


def test_a_new_worker_schedules_again_what_the_killed_one_held(demo, incident_in, tmp_path):
    """No beat and no sweep from the test after the kill: the reminders due later are delivered because
    the new worker, when ready, schedules their ETA dispatches again (the killed worker's are stuck in
    Redis until the visibility timeout)."""
    app.control.purge()
    incident = incident_in("responding", level=2)
    workers = [Worker(tmp_path, "reminders-c1")]
    try:
        workers[0].wait_ready()
        timed = _calldown_reminders(incident, 3, first_in=3, spacing=8)
        schedule.sweep()  # commits, then schedules the ETA dispatches through Redis (on commit)
        rows = [(_reminder_of(cd), cd.person.user_id) for cd, _due in timed]
        ids = [r.pk for r, _uid in rows]

        def delivered():
            return Delivery.objects.filter(reminder_id__in=ids, channel="in_app").count()

        wait_for(lambda: delivered() >= 1, 20, "the first in-app delivery", workers[0].log)
        workers[0].kill()
        assert delivered() < len(ids), "the kill should come before the later reminders are due"
        workers.append(Worker(tmp_path, "reminders-c2"))
        workers[1].wait_ready()
        wait_for(
            lambda: delivered() == len(ids), 40, "the rest, from the rescheduled dispatches", workers[1].log
        )
        assert "reminders_reschedule" in workers[1].log.read_text()
        for r, uid in rows:
            r.refresh_from_db()
            assert r.state == Reminder.State.SENT
            _assert_in_app_exactly_once(r, uid)
        _assert_no_duplicate_messages([uid for _r, uid in rows])
    finally:
        for w in workers:
            w.stop()
        app.control.purge()
