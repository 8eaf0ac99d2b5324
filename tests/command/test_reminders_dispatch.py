"""The reminders' dispatch (issue 15, point 4): exact-second ETA dispatches, a short-interval safety net on
beat, and the ETA dispatches scheduled again when a worker starts. A dispatch plans before it sends, so a
condition that ended since the last plan is cancelled, not sent; with nothing due it costs one query."""

from datetime import timedelta

import pytest
from django.utils import timezone

from command import tasks
from command.models import Assignment, CallDown, Delivery, Reminder
from command.reminders import delivery, planner, schedule
from config.celery import REMINDER_DISPATCH_SECONDS, app

pytestmark = pytest.mark.django_db
M = timedelta(minutes=1)


@pytest.fixture
def at_two(incident_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return incident_in("responding", level=2)


def again_of(cd):
    return Reminder.objects.get(kind="calldown", subject=f"calldown:{cd.pk}", step="again")


def test_beat_dispatches_every_ten_seconds_and_sweeps_every_minute():
    entry = app.conf.beat_schedule["reminders-dispatch"]
    assert entry["task"] == tasks.reminders_dispatch.name == "command.tasks.reminders_dispatch"
    assert entry["schedule"] == REMINDER_DISPATCH_SECONDS == 10
    assert entry["options"]["expires"] < entry["schedule"]  # a backlog after an outage does not pile up
    assert app.conf.beat_schedule["reminders-sweep-every-minute"]["schedule"] == 60.0


def test_nothing_due_costs_one_query(at_two, django_assert_num_queries):
    planner.plan_reminders()
    assert Reminder.objects.filter(state="scheduled").exists()
    with django_assert_num_queries(1):
        assert schedule.dispatch() == {"planned_soon": 0, "sent": 0}


def test_a_due_reminder_is_sent_once(at_two):
    cd = CallDown.objects.filter(incident=at_two, person__user__isnull=False).first()
    planner.plan_reminders(cd.notified_at + M)
    due = again_of(cd).due_at
    assert schedule.dispatch(due + timedelta(seconds=1))["sent"] >= 1
    assert again_of(cd).state == "sent"
    assert Delivery.objects.filter(reminder=again_of(cd), channel="in_app").count() == 1
    assert schedule.dispatch(due + timedelta(seconds=2))["sent"] == 0  # a second dispatch: nothing


def test_a_condition_that_ended_since_the_plan_is_cancelled_not_sent(at_two):
    """The ETA dispatch plans first: a call-down confirmed a moment before the due time is not chased."""
    cd = CallDown.objects.filter(incident=at_two, person__user__isnull=False).first()
    planner.plan_reminders(cd.notified_at + M)
    row = again_of(cd)
    CallDown.objects.filter(pk=cd.pk).update(received_at=row.due_at - timedelta(seconds=5))
    schedule.dispatch(row.due_at + timedelta(seconds=1))
    row.refresh_from_db()
    assert row.state == "cancelled"
    assert not Delivery.objects.filter(reminder=row).exists()


def test_a_dispatch_plans_only_the_kinds_that_are_due(at_two):
    """A due call-down is re-checked, not the whole world; the minute's sweep plans everything."""
    cd = CallDown.objects.filter(incident=at_two, person__user__isnull=False).first()
    planner.plan_reminders(cd.notified_at + M)
    unsigned = Reminder.objects.filter(kind="task_unsigned", incident=at_two, state="scheduled")
    count = unsigned.count()
    assert count > 0
    Assignment.objects.filter(incident=at_two, state="pending").update(state="signed")  # all signed
    due = again_of(cd).due_at + timedelta(seconds=1)
    assert schedule.dispatch(due)["sent"] >= 1
    assert again_of(cd).state == "sent"
    assert unsigned.count() == count  # the task planner did not run: not due yet, not re-checked
    schedule.sweep(due)
    assert unsigned.count() == 0  # the sweep's full plan cancels them


def test_more_than_a_batch_due_at_once_is_sent_in_one_go(at_two):
    people = list(CallDown.objects.filter(incident=at_two, person__user__isnull=False)[:5])
    assert len(people) == 5
    planner.plan_reminders(people[0].notified_at + M)
    later = max(again_of(cd).due_at for cd in people) + timedelta(seconds=1)
    planner.plan_reminders(later)
    assert delivery.deliver_all(later, limit=2) >= 5
    assert all(again_of(cd).state == "sent" for cd in people)


def test_eta_dispatches_to_the_second_for_new_rows(at_two, monkeypatch, django_capture_on_commit_callbacks):
    etas = []
    monkeypatch.setattr(tasks.reminders_dispatch, "apply_async", lambda **kw: etas.append(kw))
    cd = CallDown.objects.filter(incident=at_two, person__user__isnull=False).first()
    CallDown.objects.filter(pk=cd.pk).update(notified_at=timezone.now() - 15 * M + timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        schedule.sweep()
    due = again_of(cd).due_at
    [eta] = [kw["eta"] for kw in etas if timedelta(0) <= kw["eta"] - due < timedelta(seconds=1)]
    assert eta.microsecond == 0 and all(kw["expires"] == kw["eta"] + 5 * M for kw in etas)


def test_a_starting_worker_schedules_again_what_falls_due_within_the_hour(
    at_two, monkeypatch, django_capture_on_commit_callbacks
):
    """The ETA dispatches a killed worker held are stuck in the broker for the visibility timeout."""
    cd = CallDown.objects.filter(incident=at_two, person__user__isnull=False).first()
    CallDown.objects.filter(pk=cd.pk).update(notified_at=timezone.now() - 16 * M)  # "again" already due
    planner.plan_reminders()
    etas = []
    monkeypatch.setattr(tasks.reminders_dispatch, "apply_async", lambda **kw: etas.append(kw["eta"]))
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        count = schedule.reschedule(now)
    soon = Reminder.objects.filter(state="scheduled", due_at__lte=now + planner.ETA_HORIZON).values_list(
        "due_at", flat=True
    )
    overdue = any(d <= now for d in soon)
    assert overdue
    later = {planner.eta_bucket(d) for d in soon if d > now}
    assert count == len(etas) == len(later) + overdue > 0
    assert all(now <= eta <= now + planner.ETA_HORIZON + timedelta(seconds=1) for eta in etas)
    assert (now in etas) == overdue  # what is already due: a dispatch at once
