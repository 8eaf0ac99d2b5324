"""Reminder delivery on a real Celery worker and beat over Redis, on a copy of a database: delay after the
due time, duplicates, losses, and what a sweep costs there.

    DATABASE_URL=postgres://…/remind_25k REDIS_URL=redis://…/5 SECRET_KEY=x .venv/bin/python \
        benchmarks/reminders.py [--n 1000] [--window 60] [--kill-at 20] [--restart-after 3] [--grace 90]

``DATABASE_URL`` names the data to measure on (migrated, with the plan and the demo data:
``manage.py migrate && manage.py load_plan --demo``, e.g. plus ``generate_winter``); nobody may be connected
to it while the copy is made. A benchmark, not a test.

It touches only what it creates, and removes it all at the end, also after an error or Ctrl-C:
- a database ``<name>_bench_reminders_<pid>`` copied from ``DATABASE_URL`` (``CREATE DATABASE … TEMPLATE``):
  everything below is written there, and it is dropped at the end (the timeline is append-only, so
  incidents could not be removed from the original; the original is only read, by the copy);
- a Redis queue ``bench-reminders-<pid>`` (``CELERY_QUEUE``) for its worker and beat: purged, and at the
  end its keys, its bindings and its unacknowledged messages (a killed worker's) are removed; nothing else
  in the Redis database is touched;
- a temporary directory (beat's schedule, the logs), removed at the end (``--keep`` keeps it and the copy).

First it catches the copy up: one ``sweep()`` plans and sends what the history's open subjects have due
(as a running system would have done long ago), then a second, steady-state sweep is timed (its queries
and seconds: the cost every minute at this size).

The reminders are real ones, kept alive by ``plan()``: un-received call-downs (到岗通知) on responding
drill incidents it reports and activates at Ⅳ (【演练】基准测试…), their "again" step (due ``notified_at`` +
15 min by default, to the person) set to fall due uniformly over ``--window`` seconds after ``--lead``.
Each round starts a worker (``celery -A config worker --pool=solo``) and beat, creates the call-downs,
calls ``sweep()`` (it inserts the reminders and schedules an ETA dispatch per due second) and watches the
in-app ``Delivery`` rows until all are sent or ``--grace`` s after the last due time. Round 2 SIGKILLs
the worker ``--kill-at`` s after the first due time and starts a new one ``--restart-after`` s later: the
killed worker's ETA messages stay unacknowledged for the visibility timeout; the new one schedules them
again when ready (``worker_ready``), and beat's 10 s dispatch is the net.

Per round: delay = ``Delivery.sent_at`` (stamped when the dispatch sends, after its plan; the message is
visible when it commits) minus ``Reminder.due_at`` — median, p99, max; the same for the time this script
first saw the row (polling every 0.5 s); delivered; duplicates (more than one in-app ``Delivery`` per
reminder and recipient; a reminder listed in two of a recipient's messages; message lines without a
delivery row); losses (not sent by due + grace); the dispatches and sweeps the workers ran (their logs).
"""

import argparse
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Everything below runs on the copy and the queue of its own: set before Django reads its settings (the
# worker and beat it starts inherit them).
SOURCE_URL = os.environ.get("DATABASE_URL", "")
COPY = f"{urlsplit(SOURCE_URL).path.lstrip('/')}_bench_reminders_{os.getpid()}"[-63:]
QUEUE = f"bench-reminders-{os.getpid()}"
if SOURCE_URL.startswith(("postgres://", "postgresql://")):
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(SOURCE_URL)._replace(path="/" + COPY))
os.environ["CELERY_QUEUE"] = QUEUE

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.isolation import copy_database, drop_database, remove_queue  # noqa: E402
from command.models import CallDown, Delivery, Heartbeat, Notification, Reminder  # noqa: E402
from command.reminders import kinds, schedule  # noqa: E402
from command.response.calldowns import new_token  # noqa: E402
from config.celery import app  # noqa: E402
from orgchart.models import County, Person, ServiceArea  # noqa: E402

CELERY = str(ROOT / ".venv" / "bin" / "celery")
TITLE = "基准测试：提醒投递"
REASON = "基准测试（benchmarks/reminders.py）"


HOSTNAMES = []  # the workers it started (their control bindings are removed at the end)


class Proc:
    """A celery process in its own session (killed as a group), output to a log file."""

    def __init__(self, name, args, logdir):
        self.name, self.log = name, Path(logdir) / f"{name}.log"
        self._out = open(self.log, "w")
        self.proc = subprocess.Popen(
            [CELERY, "-A", "config", *args],
            cwd=ROOT,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._out.close()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # warm shutdown: reserved messages go back
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if not self._out.closed:
            self._out.close()


def start_worker(name, logdir):
    HOSTNAMES.append(f"{name}-{os.getpid()}@")
    return Proc(
        name,
        [
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            app.conf.task_default_queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            f"{name}-{os.getpid()}@%h",
        ],
        logdir,
    )


def start_beat(logdir):
    return Proc(
        "beat",
        [
            "beat",
            "-s",
            str(Path(logdir) / "celerybeat-schedule"),
            "--pidfile",
            str(Path(logdir) / "beat.pid"),
            "--loglevel=INFO",
        ],
        logdir,
    )


def ready_count():
    return Heartbeat.objects.filter(source="worker_ready").values_list("count", flat=True).first() or 0


def wait_ready(worker, before, timeout=60):
    """The worker_ready signal enqueues a heartbeat; once it has run, the worker consumes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.proc.poll() is not None:
            sys.exit(f"{worker.name} exited:\n{worker.log.read_text()[-3000:]}")
        if ready_count() > before:
            return
        time.sleep(0.2)
    sys.exit(f"{worker.name} not ready after {timeout}s:\n{worker.log.read_text()[-3000:]}")


def make_incidents(count):
    from incidents.services import incident_report

    User = get_user_model()
    office, director = User.objects.get(username="office"), User.objects.get(username="director")
    result, now = [], timezone.now()
    for k in range(count):
        incident = incident_report(
            actor=office,
            data={
                "title": f"{TITLE} #{k + 1}",
                "category": "heat_source_pipeline",
                "service_area": ServiceArea.objects.get(is_default=True),
                "county": County.objects.get(code="yanhu"),
                "occurred_at": now,
                "reported_at": now,
                "is_drill": True,
            },
        )
        incident.start_assessment(office)
        incident.activate(director, level=4, reason=REASON)  # Ⅳ: the checklist only, nobody called
        assert incident.state == "responding", incident.state
        result.append(incident)
    return result


def delete_round(incidents):
    """The call-downs, reminders, deliveries and reminder messages of the bench incidents."""
    rs = Reminder.objects.filter(incident__in=incidents)
    notes = set(
        Delivery.objects.filter(reminder__in=rs)
        .exclude(notification=None)
        .values_list("notification", flat=True)
    )
    Delivery.objects.filter(reminder__in=rs).delete()
    Notification.objects.filter(pk__in=notes).delete()
    Notification.objects.filter(incident__in=incidents, kind="reminder").delete()
    rs.delete()
    CallDown.objects.filter(incident__in=incidents).delete()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(len(values) * p / 100) - 1))]


def runs_in(logs):
    """{task: (runs, runs that sent something)} of the reminder sweeps and dispatches in the workers' logs."""
    found = {}
    for log in logs:
        for task, n in re.findall(
            r"(reminders_sweep|reminders_dispatch)\[[^\]]+\] succeeded in [\d.]+s: \{[^}]*'sent': (\d+)",
            log.read_text(),
        ):
            ran, sent = found.get(task, (0, 0))
            found[task] = (ran + 1, sent + (int(n) > 0))
    return found


def create_calldowns(incidents, people, args):
    """N call-downs whose "again" reminders fall due over the window; ``sweep()`` plans them."""
    again = timedelta(minutes=kinds.policies()["calldown"]["again"])
    t0 = timezone.now() + timedelta(seconds=args.lead)
    per = len(people)
    rows = []
    for i in range(args.n):
        person = people[i % per]
        due = t0 + timedelta(seconds=args.window * i / args.n)
        rows.append(
            CallDown(
                incident=incidents[i // per],
                person=person,
                name=person.name,
                role=CallDown.Role.TEAM,
                clause="§5.3.3(1)",
                level=4,
                token=new_token(),
                notified_at=due - again,
            )
        )
    CallDown.objects.bulk_create(rows)
    t = time.perf_counter()
    result = schedule.sweep()  # plan (insert), deliver (nothing due yet), schedule the ETA dispatches
    took = time.perf_counter() - t
    due_at = dict(
        Reminder.objects.filter(incident__in=incidents, kind="calldown", step="again").values_list(
            "pk", "due_at"
        )
    )
    assert len(due_at) == args.n, len(due_at)
    print(
        f"{args.n} reminders due {timezone.localtime(t0):%H:%M:%S} + 0…{args.window} s for {per} people on "
        f"{len(incidents)} incidents; sweep() planned them and scheduled {result['planned_soon']} ETA "
        f"dispatches in {took:.2f} s (first due {(t0 - timezone.now()).total_seconds():.1f} s later)"
    )
    return t0, due_at


def watch(t0, due_at, workers, procs, logdir, args, kill_at):
    """Poll the in-app deliveries every 0.5 s (when each was first seen); kill and restart the worker."""
    seen = {}
    killed = restarted = False
    end = max(due_at.values()) + timedelta(seconds=args.grace)
    while True:
        now = timezone.now()
        for rid in Delivery.objects.filter(reminder_id__in=due_at, channel="in_app").values_list(
            "reminder_id", flat=True
        ):
            seen.setdefault(rid, now)
        if len(seen) == len(due_at) or now > end:
            return seen
        if kill_at is not None and not killed and now >= t0 + timedelta(seconds=kill_at):
            workers[-1].kill()
            killed, killed_at = True, now
            print(
                f"SIGKILL worker-1 at due+{(now - t0).total_seconds():.1f} s ({len(seen)} delivered so far)"
            )
        if killed and not restarted and now >= killed_at + timedelta(seconds=args.restart_after):
            workers.append(start_worker("worker-2", logdir))
            procs.append(workers[-1])
            restarted = True
            print(f"worker-2 started at due+{(now - t0).total_seconds():.1f} s")
        time.sleep(0.5)


def duplicates(due_at, in_app):
    """(in-app deliveries per reminder+recipient > 1, a reminder in two of a person's messages, message
    lines without a delivery row); messages ↔ reminders through ``Delivery.notification``."""
    dup_deliveries = (
        Delivery.objects.filter(reminder_id__in=due_at, channel="in_app")
        .values("reminder", "recipient")
        .annotate(c=Count("id"))
        .filter(c__gt=1)
        .count()
    )
    note_ids = {n for *_x, n in in_app if n}
    linked = {}
    for rid, nid in Delivery.objects.filter(notification_id__in=note_ids, channel="in_app").values_list(
        "reminder_id", "notification_id"
    ):
        linked.setdefault(nid, []).append(rid)
    per_user, lines_without_delivery = {}, 0
    for nid, uid, body in Notification.objects.filter(pk__in=note_ids).values_list("pk", "recipient", "body"):
        per_user.setdefault(uid, []).extend(linked[nid])
        lines_without_delivery += max(0, len(body.splitlines()) - len(linked[nid]))
    in_two_messages = sum(len(v) - len(set(v)) for v in per_user.values())
    return dup_deliveries, in_two_messages, lines_without_delivery, len(note_ids)


def report(due_at, seen, workers, args):
    in_app = list(
        Delivery.objects.filter(reminder_id__in=due_at, channel="in_app").values_list(
            "reminder_id", "recipient_id", "sent_at", "notification_id"
        )
    )
    first = {}
    for rid, _uid, sent, _n in sorted(in_app, key=lambda x: x[2]):
        first.setdefault(rid, sent)
    delays = [(first[rid] - due_at[rid]).total_seconds() for rid in first]
    seen_delays = [(seen[rid] - due_at[rid]).total_seconds() for rid in seen]
    dup_deliveries, in_two_messages, lines_without_delivery, messages = duplicates(due_at, in_app)
    lost = len(due_at) - len(first) + sum(1 for d in delays if d > args.grace)
    runs = runs_in([w.log for w in workers])
    print(f"delivered in-app             {len(first)} / {len(due_at)} ({messages} messages)")
    if delays:
        for label, values, note in (
            ("sent_at", delays, ""),
            ("seen   ", seen_delays, "   (polled every 0.5 s)"),
        ):
            print(
                f"delay {label} − due_at (s)   median {statistics.median(values):.2f}   "
                f"p99 {pct(values, 99):.2f}   max {max(values):.2f}{note}"
            )
    print(
        f"duplicates                   in-app deliveries per reminder+recipient >1: {dup_deliveries}; "
        f"reminder in two messages: {in_two_messages}; message lines without a delivery: "
        f"{lines_without_delivery}"
    )
    print(f"losses (not sent by due+{args.grace:g} s) {lost}")
    print(
        "run by the worker(s)          "
        + "; ".join(f"{task} {ran} ({sent} sent something)" for task, (ran, sent) in sorted(runs.items()))
    )
    return {"delivered": len(first), "duplicates": dup_deliveries + in_two_messages, "lost": lost}


def run_round(label, incidents, people, args, logdir, kill_at=None):
    print(f"\n== {label}")
    app.control.purge()
    procs, workers = [], []
    try:
        before = ready_count()
        workers.append(start_worker("worker-1", logdir))
        procs += [workers[0], start_beat(logdir)]
        wait_ready(workers[0], before)
        t0, due_at = create_calldowns(incidents, people, args)
        seen = watch(t0, due_at, workers, procs, logdir, args, kill_at)
        return report(due_at, seen, workers, args)
    finally:
        for p in reversed(procs):
            p.stop()
        app.control.purge()
        delete_round(incidents)  # in the copy: the next round calls the same people again


def catch_up():
    """What the copy's open subjects have due is sent once (a running system did so long ago); then one
    steady-state sweep is timed: the cost of every minute's sweep at this size, and the rows it read per
    table (PostgreSQL's counters for its transaction) against the rows the table holds."""
    t = time.perf_counter()
    first = schedule.sweep()
    took = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, as on a system that has been running
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        before = rows_read()
        t = time.perf_counter()
        steady = schedule.sweep()
        steady_took = time.perf_counter() - t
        read = {table: n - before.get(table, (0, 0))[0] for table, (n, _size) in rows_read().items()}
        sizes = {table: size for table, (_n, size) in rows_read().items()}
    open_rows = Reminder.objects.filter(state=Reminder.State.SCHEDULED).count()
    print(
        f"catch-up sweep: {first['sent']} reminders of the history's open subjects sent in {took:.2f} s; "
        f"steady-state sweep: {steady_took:.2f} s, {len(queries)} queries, sent {steady['sent']}, "
        f"{open_rows} reminders scheduled"
    )
    print(
        "  rows it read / rows in the table: "
        + ", ".join(f"{t} {n:,}/{sizes[t]:,}" for t, n in sorted(read.items(), key=lambda x: -x[1]) if n)
    )
    app.control.purge()  # the catch-up's ETA dispatches: the rounds' workers start from an empty queue


def rows_read():
    """{table: (rows read by sequential and index scans in this transaction, live rows)}."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT x.relname, coalesce(x.seq_tup_read, 0) + coalesce(x.idx_tup_fetch, 0), a.n_live_tup "
            "FROM pg_stat_xact_user_tables x JOIN pg_stat_user_tables a USING (relid)"
        )
        return {table: (n, size) for table, n, size in cursor.fetchall()}


def measure(args, logdir):
    if not Person.objects.filter(user__username="director").exists():
        sys.exit("no demo data: run manage.py migrate && manage.py load_plan --demo first")
    people = list(Person.objects.filter(active=True, user__isnull=False, user__is_active=True).order_by("pk"))
    print(
        f"copy {COPY} of {urlsplit(SOURCE_URL).path.lstrip('/')}, broker {app.conf.broker_url}, queue {QUEUE}, "
        f"calldown policy {kinds.policies()['calldown']}"
    )
    catch_up()
    incidents = make_incidents(math.ceil(args.n / len(people)))
    results = [run_round("round 1: worker and beat running throughout", incidents, people, args, logdir)]
    results.append(
        run_round(
            f"round 2: worker SIGKILLed {args.kill_at:g} s after the first due time, "
            f"a new one {args.restart_after:g} s later",
            incidents,
            people,
            args,
            logdir,
            kill_at=args.kill_at,
        )
    )
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60, help="seconds over which the reminders fall due")
    parser.add_argument("--lead", type=float, default=10, help="seconds from creation to the first due time")
    parser.add_argument("--kill-at", type=float, default=20, help="round 2: seconds after the first due time")
    parser.add_argument("--restart-after", type=float, default=3)
    parser.add_argument("--grace", type=float, default=90, help="not sent by due + this: lost")
    parser.add_argument("--keep", action="store_true", help="keep the database copy and the logs")
    args = parser.parse_args()

    if not SOURCE_URL.startswith(("postgres://", "postgresql://")) or not app.conf.broker_url.startswith(
        "redis://"
    ):
        sys.exit("needs DATABASE_URL (PostgreSQL) and REDIS_URL (Redis)")
    copy_database(SOURCE_URL, COPY)
    logdir = tempfile.mkdtemp(prefix="bench-reminders-")
    results = []
    try:
        results = measure(args, logdir)
    finally:
        connections.close_all()
        remove_queue(app, QUEUE, HOSTNAMES)
        if args.keep:
            print(f"\nkept: database {COPY}, logs {logdir}")
        else:
            drop_database(SOURCE_URL, COPY)
            shutil.rmtree(logdir, ignore_errors=True)
            print(f"\nclean-up: database {COPY} dropped, queue {QUEUE} removed, {logdir} removed")
    if any(r["duplicates"] or r["lost"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
