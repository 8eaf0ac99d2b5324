"""The reminder planner (issue 7) — not the plan (预案): from the current state of the world, the reminders
that should exist (one row per kind, subject and escalation step, with its due time). New ones are
inserted (a unique key: planning twice never makes two); scheduled ones whose condition is gone (signed,
decided, restored, reported) are cancelled; cancelled ones whose condition is back are scheduled again.
Because the plan is recomputed from the facts, a lost message, a lost ETA task or a restarted worker cost
at most the dispatch interval."""

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from incidents.recording import recorded

from . import kind_planners
from .kinds import URGENT, policies
from .models import Reminder

log = logging.getLogger(__name__)

# Planners of other apps: (kind, planner(planned, timings, now)); each registers its kind in kinds.KINDS
# too (aftermath: overdue improvement measures, §7.2).
EXTRA_PLANNERS = []
# Due sooner than this: an ETA dispatch too (well inside Redis' visibility timeout, so a live worker holding
# it is not handed a second copy).
ETA_HORIZON = timedelta(minutes=50)
ETA_BUCKET_SECONDS = 1
PLAN_LOCK = 7_312_045  # pg_advisory_xact_lock key: one planner at a time (SQLite: BEGIN IMMEDIATE does it)


class PlannedReminders:
    """The rows one planning run wants, keyed by (kind, subject, step). ``failed``: a planner raised, so
    what it would have planned is unknown and nothing is cancelled this run."""

    def __init__(self):
        self.rows = {}
        self.failed = False

    def add(self, kind, subject, step, due_at, *, title, url, recipients, incident_id=None):
        self.rows[(kind, subject, step)] = {
            "kind": kind,
            "subject": subject,
            "step": step,
            "due_at": due_at,
            "title": title[:300],
            "url": url,
            "recipients": recipients,
            "incident_id": incident_id,
            "urgent": kind in URGENT,
        }


def _planners():
    """(the kinds it plans, planner(planned, policies, now)): each kind has exactly one planner."""
    yield ("report_unassessed",), lambda p, cfg, now: kind_planners.plan_reports(p, cfg["report_unassessed"])
    yield ("hours_24",), lambda p, cfg, now: kind_planners.plan_hours(p, cfg["hours_24"], now)
    yield ("level_request",), lambda p, cfg, now: kind_planners.plan_requests(p, cfg["level_request"])
    yield (
        ("task_unsigned", "task_overdue"),
        lambda p, cfg, now: kind_planners.plan_tasks(p, cfg["task_unsigned"], cfg["task_overdue"]),
    )
    yield ("no_follow_up",), lambda p, cfg, now: kind_planners.plan_follow_ups(p, cfg["no_follow_up"])
    yield ("upward_late",), lambda p, cfg, now: kind_planners.plan_upward(p, cfg["upward_late"])
    yield ("calldown",), lambda p, cfg, now: kind_planners.plan_calldowns(p, cfg["calldown"])
    for kind, planner in EXTRA_PLANNERS:
        yield (kind,), lambda p, cfg, now, planner=planner, kind=kind: planner(p, cfg[kind], now)


def plan_reminders(now=None, kinds=None):
    """Compute, insert, revive and cancel (see the module docstring), in one transaction that only one
    planner holds at a time: a planner that read the facts earlier must not cancel rows another one just
    inserted from newer facts. ``kinds``: only the planners of these kinds, and only their rows are
    cancelled (a dispatch re-checks what is due, not the whole world). Returns the due times of what it
    (re)scheduled within ``ETA_HORIZON``."""
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PLAN_LOCK])
        planned, planned_kinds = _run_planners(now, kinds)
        scheduled = _scheduled_keys(planned_kinds if kinds is not None else None)
        gone = [pk for key, pk in scheduled.items() if key not in planned.rows]
        if gone and not planned.failed:
            Reminder.objects.filter(pk__in=gone).update(state=Reminder.State.CANCELLED, cancelled_at=now)
        candidates = {key: row for key, row in planned.rows.items() if key not in scheduled}
        fresh, revived = _revive_cancelled(candidates)
        _insert(fresh, now)
    return sorted(
        {eta_bucket(row["due_at"]) for row in fresh + revived if now < row["due_at"] <= now + ETA_HORIZON}
    )


def _run_planners(now, kinds):
    """The rows the planners of ``kinds`` (all when None) want, and the kinds they planned."""
    planned, cfg, planned_kinds = PlannedReminders(), policies(), set()
    with recorded():
        for its_kinds, planner in _planners():
            if kinds is None or kinds & set(its_kinds):
                _guarded(planned, planner, cfg, now)
                planned_kinds.update(its_kinds)
    return planned, planned_kinds


def _scheduled_keys(kinds):
    """{(kind, subject, step): pk} of the scheduled rows, of ``kinds`` only if given."""
    scheduled_rows = Reminder.objects.filter(state=Reminder.State.SCHEDULED).order_by()
    if kinds is not None:
        scheduled_rows = scheduled_rows.filter(kind__in=sorted(kinds))
    return {
        (kind, subject, step): pk
        for pk, kind, subject, step in scheduled_rows.values_list("id", "kind", "subject", "step")
    }


def _revive_cancelled(candidates):
    """Rows already sent stay sent; rows cancelled earlier whose condition is back (an incident reopened,
    a call-down still unconfirmed after a new activation) are scheduled again. Returns (fresh, revived)."""
    known = {}
    subjects = {key[1] for key in candidates}
    for chunk in _chunks(sorted(subjects), 2000):
        for r in (
            Reminder.objects.filter(subject__in=chunk)
            .exclude(state=Reminder.State.SCHEDULED)
            .order_by()
            .only("id", "kind", "subject", "step", "state")
        ):
            known[(r.kind, r.subject, r.step)] = r
    revived, fresh = [], []
    for key, row in candidates.items():
        old = known.get(key)
        if old is None:
            fresh.append(row)
        elif old.state == Reminder.State.CANCELLED:
            Reminder.objects.filter(pk=old.pk, state=Reminder.State.CANCELLED).update(
                state=Reminder.State.SCHEDULED,
                due_at=row["due_at"],
                title=row["title"],
                url=row["url"],
                recipients=row["recipients"],
                cancelled_at=None,
            )
            revived.append(row)
    return fresh, revived


def _insert(fresh, now):
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=row["kind"],
                subject=row["subject"],
                step=row["step"],
                incident_id=row["incident_id"],
                due_at=row["due_at"],
                title=row["title"],
                url=row["url"],
                urgent=row["urgent"],
                recipients=row["recipients"],
                created_at=now,
            )
            for row in fresh
        ],
        ignore_conflicts=True,
    )


def _guarded(p, planner, *args):
    """One planner in a savepoint: a row it cannot plan (a corrupt date-time, issue 16) is logged and
    its kind skipped for this run; the other kinds, for every other subject, are still planned."""
    try:
        with transaction.atomic():
            planner(p, *args)
    except Exception:
        log.exception(
            "reminder planner %s failed; other kinds still planned", getattr(planner, "__name__", planner)
        )
        p.failed = True  # nothing is cancelled this run: what it would have planned is unknown


def _chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def eta_bucket(moment):
    """Due times rounded up to the next whole ``ETA_BUCKET_SECONDS``: 1,000 reminders due within a minute
    make at most 60 ETA dispatches, not 1,000 (each sends everything due by then), and none waits more
    than a second for its dispatch."""
    seconds = moment.timestamp()
    rounded = -(-seconds // ETA_BUCKET_SECONDS) * ETA_BUCKET_SECONDS
    return moment + timedelta(seconds=rounded - seconds)
