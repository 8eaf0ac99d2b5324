"""A reminder sweep costs what is open, not the history (issue 15, point 4): the same queries and the same
rows read, table by table, before and after a closed history is added under an open world.

Rows read are PostgreSQL's own counters for this transaction (``pg_stat_xact_user_tables``: rows fetched
by sequential and by index scans). The planner is told to avoid sequential scans where an index exists
(``enable_seqscan = off``), as it does on a large table; a query with no usable index still scans the
whole table, and the history shows in its count.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from command.models import CallDown, Delivery, Reminder
from command.reminders import schedule
from incidents.choices import CLOSED_STATES
from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_world(incident_in, django_capture_on_commit_callbacks):
    """A Ⅱ response (assignments, call-downs, checklist) and a fresh report: the open subjects."""
    with django_capture_on_commit_callbacks(execute=True):
        responding = incident_in("responding", level=2)
    reported = incident_in("reported")
    return responding, reported


def rows_read():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
            "FROM pg_stat_xact_user_tables"
        )
        return dict(cursor.fetchall())


def measured_sweep(now):
    """A steady-state sweep (one before it catches up): its queries and the rows it read, per table."""
    schedule.sweep(now)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    before = rows_read()
    with CaptureQueriesContext(connection) as queries:
        result = schedule.sweep(now)
    after = rows_read()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
    assert result["sent"] == 0  # steady state: nothing new was due
    read = {table: n - before.get(table, 0) for table, n in after.items() if n != before.get(table, 0)}
    return [q["sql"] for q in queries.captured_queries], read


def add_closed_history(user):
    """Two winters of closed incidents with their tasks, follow-ups, reports and timelines (the generator),
    plus what the reminders left behind them: sent and cancelled reminders with their deliveries, and
    call-downs, confirmed or never confirmed."""
    call_command("generate_winter", past=40, active=0, tasks=60, events=400, seed=11, stdout=StringIO())
    closed = list(Incident.objects.filter(state__in=CLOSED_STATES).order_by("pk")[:40])
    assert len(closed) == 40
    now = timezone.now()
    old = [
        Reminder(
            kind="task_overdue",
            subject=f"task:history:{inc.pk}:{n}",
            step="overdue",
            incident=inc,
            due_at=now - timedelta(days=30),
            title="history",
            url="/",
            recipients=["office"],
            state=state,
            sent_at=now - timedelta(days=30) if state == "sent" else None,
            cancelled_at=now - timedelta(days=30) if state == "cancelled" else None,
            created_at=now - timedelta(days=31),
        )
        for inc in closed
        for n, state in enumerate(("sent", "cancelled", "sent"))
    ]
    Reminder.objects.bulk_create(old)
    Delivery.objects.bulk_create(
        Delivery(
            reminder=r,
            recipient=user,
            channel=channel,
            key=f"history-{r.pk}-{channel}",
            state="sent" if channel == "in_app" else "failed",
            attempts=1,
            started_at=r.due_at,
            sent_at=r.due_at if channel == "in_app" else None,
        )
        for r in Reminder.objects.filter(subject__startswith="task:history:", state="sent")
        for channel in ("in_app", "sms")
    )
    CallDown.objects.bulk_create(
        CallDown(
            incident=inc,
            name=f"历史 {inc.pk}",
            role=CallDown.Role.TEAM,
            clause="§5.3.3(1)",
            level=2,
            token=f"history-{inc.pk}",
            notified_at=now - timedelta(days=30),
            received_at=None if inc.pk % 2 else now - timedelta(days=30),
        )
        for inc in closed
    )


def test_the_sweep_reads_the_open_subjects_not_the_history(open_world, user_of):
    now = timezone.now() + timedelta(minutes=5)
    queries, read = measured_sweep(now)
    scheduled = Reminder.objects.filter(state="scheduled").count()
    assert scheduled > 0  # the open world has reminders waiting

    add_closed_history(user_of("office"))
    queries_after, read_after = measured_sweep(now)

    assert len(queries_after) == len(queries)
    grown = {t: (read.get(t, 0), n) for t, n in read_after.items() if n > read.get(t, 0)}
    assert not grown, f"rows read grew with the closed history (before, after): {grown}"
    assert Reminder.objects.filter(state="scheduled").count() == scheduled  # the history planned nothing


def test_the_planner_queries_go_through_open_state_indexes(open_world):
    """The plans themselves: each table the sweep reads that grows with the history is reached through
    an index (no sequential scan of it once the planner may choose)."""
    growing = {
        "incidents_incident",
        "incidents_followupreport",
        "incidents_upwardreport",
        "command_assignment",
        "command_activatedgroup",
        "command_groupunit",
        "command_calldown",
        "command_reminder",
        "command_delivery",
        "command_levelrequest",
        "command_levelrequeststep",
        "aftermath_measure",
    }
    now = timezone.now() + timedelta(minutes=5)
    schedule.sweep(now)
    with CaptureQueriesContext(connection) as queries:
        schedule.sweep(now)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        seq = set()
        for q in queries.captured_queries:
            if not q["sql"].startswith("SELECT") or "advisory" in q["sql"]:
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + q["sql"])
            seq |= _seq_scans(cursor.fetchone()[0][0]["Plan"])
        cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
    assert not (seq & growing), f"sequential scans of history tables: {sorted(seq & growing)}"


def _seq_scans(node):
    found = {node["Relation Name"]} if node["Node Type"] == "Seq Scan" else set()
    for child in node.get("Plans", []):
        found |= _seq_scans(child)
    return found
