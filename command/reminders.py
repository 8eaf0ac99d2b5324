"""Reminders and escalation (issue 7): nothing waits in silence.

Three entry points, all idempotent (at-least-once Celery, ``acks_late``):

- ``sweep`` (beat, every minute): ``plan`` + ``deliver`` + ``retry_external``;
- ``dispatch`` (an ETA task at each due second the planner scheduled; beat every few seconds as the safety
  net; a re-scheduling when a worker starts, see ``reschedule``): when something is due — one indexed
  query otherwise — ``plan`` of the kinds due, then ``deliver`` of those, so a condition that ended since
  the last plan is cancelled, not sent (and a due call-down does not wait for thousands of tasks).

1. ``plan(now)``: from the current state of the world, the reminders that should exist (one row per kind,
   subject and escalation step, with its due time). New ones are inserted (a unique key: planning twice
   never makes two); scheduled ones whose condition is gone (signed, decided, restored, reported) are
   cancelled. Because the plan is recomputed from the facts, a lost message, a lost ETA task or a
   restarted worker cost at most the dispatch interval. Its queries read the open subjects (active
   incidents, open tasks and requests, unsent reports, scheduled reminders), never the closed history:
   each goes through an index on an open-state condition (tests/command/test_reminders_cost.py).
2. ``deliver(now)``: the due reminders, locked with SKIP LOCKED (two workers never take the same one),
   are resolved to people and sent: one in-app message per person per batch listing everything due for
   them (exactly once: the reminder is marked sent in the same transaction as the notification and its
   delivery rows), plus each person's preferred external channels (at least once, with an idempotency
   key; see ``send_delivery``). Each sent reminder is on its incident's timeline.

Kinds and default timings are ``KINDS`` (minutes); the office changes them on the settings page
(``ReminderPolicy``, recorded in the org chart's change log).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.choices import State
from incidents.models import FollowUpReport, Incident, UpwardReport
from orgchart.models import Appointment
from orgchart.permissions import RULES

from .models import (
    ActivatedGroup,
    Assignment,
    CallDown,
    Delivery,
    GroupUnit,
    LevelRequest,
    Notification,
    Reminder,
    ReminderPolicy,
)

log = logging.getLogger(__name__)

KINDS = {
    "report_unassessed": {
        "label": gettext_lazy("接报后未研判"),
        "clause": "§5.1、附件1",
        "defaults": {"first": 30, "second": 60},
        "fields": {
            "first": gettext_lazy("提醒值班员和办公室主任（分钟）"),
            "second": gettext_lazy("再提醒带班领导和指挥长（分钟）"),
        },
    },
    "hours_24": {
        "label": gettext_lazy("停热24小时判据"),
        "clause": "附件4",
        "defaults": {"warn_hours": 20},
        "fields": {"warn_hours": gettext_lazy("预警：停热满（小时）；满24小时时提示确定的建议级别")},
    },
    "level_request": {
        "label": gettext_lazy("响应级别请示待审批"),
        "clause": "§5.3",
        "defaults": {"first": 10, "every": 10, "max": 6, "widen": 30},
        "fields": {
            "first": gettext_lazy("首次提醒审批人（分钟）"),
            "every": gettext_lazy("之后每隔（分钟）"),
            "max": gettext_lazy("最多提醒次数"),
            "widen": gettext_lazy("同时提醒代理人和办公室主任（分钟）"),
        },
    },
    "task_unsigned": {
        "label": gettext_lazy("任务未签收"),
        "clause": "附件2、附件3",
        "defaults": {"liaison": 30, "leader": 60, "office": 120},
        "fields": {
            "liaison": gettext_lazy("提醒单位联络员（分钟）"),
            "leader": gettext_lazy("提醒工作组组长（分钟）"),
            "office": gettext_lazy("提醒办公室（分钟）"),
        },
    },
    "task_overdue": {
        "label": gettext_lazy("任务超时"),
        "clause": "附件2、附件3",
        "defaults": {"after": 0},
        "fields": {"after": gettext_lazy("超过时限后（分钟）提醒单位和组长")},
    },
    "no_follow_up": {
        "label": gettext_lazy("响应期间未续报"),
        "clause": "§5.1",
        "defaults": {"high": 120, "low": 240},
        "fields": {
            "high": gettext_lazy("Ⅰ级、Ⅱ级：无续报（分钟）"),
            "low": gettext_lazy("Ⅲ级、Ⅳ级：无续报（分钟）"),
        },
    },
    "upward_late": {
        "label": gettext_lazy("信息报送超时"),
        "clause": "§5.1、§9、§11",
        "defaults": {"after": 0},
        "fields": {"after": gettext_lazy("超过报送时限后（分钟）提醒办公室主任")},
    },
    "calldown": {
        "label": gettext_lazy("到岗通知未确认"),
        "clause": "§5.3.3(1)",
        "defaults": {"again": 15, "office": 30},
        "fields": {
            "again": gettext_lazy("再次通知本人（分钟）"),
            "office": gettext_lazy("提醒办公室（分钟）"),
        },
    },
}
URGENT = {"level_request", "hours_24", "calldown", "report_unassessed"}
# Planners of other apps: (kind, planner(plan, timings, now)); each registers its kind in KINDS too
# (aftermath: overdue improvement measures, §7.2).
EXTRA_PLANNERS = []
MAX_ATTEMPTS = 3
UNKNOWN_AFTER = timedelta(minutes=5)  # a send begun this long ago and never finished: outcome unknown
# Due sooner than this: an ETA dispatch too (well inside Redis' visibility timeout, so a live worker holding
# it is not handed a second copy).
ETA_HORIZON = timedelta(minutes=50)


def policies():
    """{kind: {field: minutes}}: the defaults with the office's changes. One query."""
    result = {kind: dict(spec["defaults"]) for kind, spec in KINDS.items()}
    for p in ReminderPolicy.objects.all():
        if p.kind in result:
            result[p.kind].update({k: int(v) for k, v in p.config.items() if k in result[p.kind]})
    return result


def _ts(moment):
    """A moment in a reminder's key, to the microsecond (the same second is not the same condition)."""
    return f"{moment.timestamp():.6f}"


def _m(minutes):
    return timedelta(minutes=int(minutes))


class Plan:
    def __init__(self):
        self.rows = {}

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


def _t(incident, text):
    return f"【演练】{text}" if incident.is_drill else text


PLAN_LOCK = 7_312_045  # pg_advisory_xact_lock key: one planner at a time (SQLite: BEGIN IMMEDIATE does it)


def _planners():
    """(the kinds it plans, planner(plan, policies, now)): each kind has exactly one planner."""
    yield ("report_unassessed",), lambda p, cfg, now: _plan_reports(p, cfg["report_unassessed"])
    yield ("hours_24",), lambda p, cfg, now: _plan_hours(p, cfg["hours_24"], now)
    yield ("level_request",), lambda p, cfg, now: _plan_requests(p, cfg["level_request"])
    yield (
        ("task_unsigned", "task_overdue"),
        lambda p, cfg, now: _plan_tasks(p, cfg["task_unsigned"], cfg["task_overdue"]),
    )
    yield ("no_follow_up",), lambda p, cfg, now: _plan_follow_ups(p, cfg["no_follow_up"])
    yield ("upward_late",), lambda p, cfg, now: _plan_upward(p, cfg["upward_late"])
    yield ("calldown",), lambda p, cfg, now: _plan_calldowns(p, cfg["calldown"])
    for kind, planner in EXTRA_PLANNERS:
        yield (kind,), lambda p, cfg, now, planner=planner, kind=kind: planner(p, cfg[kind], now)


def plan(now=None, kinds=None):
    """Compute, insert, revive and cancel (see the module docstring), in one transaction that only one
    planner holds at a time: a planner that read the facts earlier must not cancel rows another one just
    inserted from newer facts. ``kinds``: only the planners of these kinds, and only their rows are
    cancelled (a dispatch re-checks what is due, not the whole world). Returns the due times of what it
    (re)scheduled within ``ETA_HORIZON``."""
    from django.db import connection

    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PLAN_LOCK])
        p, cfg, planned = Plan(), policies(), set()
        with translation.override(settings.LANGUAGE_CODE):
            for its_kinds, planner in _planners():
                if kinds is None or kinds & set(its_kinds):
                    _guarded(p, planner, cfg, now)
                    planned.update(its_kinds)
        scheduled_rows = Reminder.objects.filter(state=Reminder.State.SCHEDULED).order_by()
        if kinds is not None:
            scheduled_rows = scheduled_rows.filter(kind__in=sorted(planned))
        scheduled = {
            (kind, subject, step): pk
            for pk, kind, subject, step in scheduled_rows.values_list("id", "kind", "subject", "step")
        }
        gone = [pk for key, pk in scheduled.items() if key not in p.rows]
        if gone and not getattr(p, "failed", False):
            Reminder.objects.filter(pk__in=gone).update(state=Reminder.State.CANCELLED, cancelled_at=now)
        candidates = {key: row for key, row in p.rows.items() if key not in scheduled}
        # Rows already sent stay sent; rows cancelled earlier whose condition is back (an incident
        # reopened, a call-down still unconfirmed after a new activation) are scheduled again.
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
    return sorted(
        {eta_bucket(row["due_at"]) for row in fresh + revived if now < row["due_at"] <= now + ETA_HORIZON}
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


ETA_BUCKET_SECONDS = 1


def eta_bucket(moment):
    """Due times rounded up to the next whole ``ETA_BUCKET_SECONDS``: 1,000 reminders due within a minute
    make at most 60 ETA dispatches, not 1,000 (each sends everything due by then), and none waits more
    than a second for its dispatch."""
    seconds = moment.timestamp()
    rounded = -(-seconds // ETA_BUCKET_SECONDS) * ETA_BUCKET_SECONDS
    return moment + timedelta(seconds=rounded - seconds)


# ---- the kinds -------------------------------------------------------------------------------------


def _plan_reports(p, c):
    for inc in Incident.objects.filter(state=State.REPORTED).only("id", "title", "reported_at", "is_drill"):
        url = reverse("incidents:detail", args=[inc.pk])
        title = _t(inc, _("事件已接报%(m)s分钟尚未研判：%(t)s") % {"m": c["first"], "t": inc.title})
        p.add(
            "report_unassessed",
            f"incident:{inc.pk}",
            "first",
            inc.reported_at + _m(c["first"]),
            title=title,
            url=url,
            recipients=["duty_officer", "post:office_director"],
            incident_id=inc.pk,
        )
        title = _t(inc, _("事件已接报%(m)s分钟尚未研判：%(t)s") % {"m": c["second"], "t": inc.title})
        p.add(
            "report_unassessed",
            f"incident:{inc.pk}",
            "second",
            inc.reported_at + _m(c["second"]),
            title=title,
            url=url,
            recipients=["duty_leader", "post:commander"],
            incident_id=inc.pk,
        )


def _plan_hours(p, c, now):
    qs = Incident.objects.filter(
        state__in=(State.ASSESSING, State.RESPONDING),
        outage_started_at__isnull=False,
        restored_at__isnull=True,
    ).select_related("plan_version")
    for inc in qs:
        start = inc.outage_started_at
        url = reverse("command:incident", args=[inc.pk]) + "#level"
        subject = f"outage:{inc.pk}:{_ts(start)}"
        p.add(
            "hours_24",
            subject,
            "warn",
            start + timedelta(hours=int(c["warn_hours"])),
            title=_t(
                inc, _("停热将满24小时（已满%(h)s小时）：%(t)s") % {"h": c["warn_hours"], "t": inc.title}
            ),
            url=url,
            recipients=["post:office_director", "post:commander"],
            incident_id=inc.pk,
        )
        if inc.state == State.ASSESSING and inc.firm_at():
            p.add(
                "hours_24",
                subject,
                "firm",
                inc.firm_at(),
                title=_t(
                    inc,
                    _("停热已满24小时，附件4建议级别已确定，请研判是否启动响应：%(t)s") % {"t": inc.title},
                ),
                url=url,
                recipients=["post:office_director", "post:commander"],
                incident_id=inc.pk,
            )


def _plan_requests(p, c):
    qs = LevelRequest.objects.filter(status=LevelRequest.Status.OPEN).select_related("incident")
    stage_started = dict(
        LevelRequest.objects.filter(status=LevelRequest.Status.OPEN)
        .annotate(last=Max("history__at"))
        .values_list("pk", "last")
    )
    for r in qs:
        base = stage_started.get(r.pk) or r.created_at
        url = reverse("command:request", args=[r.pk])
        subject = f"request:{r.pk}:{r.stage}"
        for n in range(1, int(c["max"]) + 1):
            due = base + _m(c["first"]) + _m(c["every"]) * (n - 1)
            p.add(
                "level_request",
                subject,
                f"n{n}",
                due,
                title=_t(
                    r.incident,
                    _("请示待您审批（第%(n)s次提醒）：%(title)s · %(t)s")
                    % {"n": n, "title": r.title, "t": r.incident.title},
                ),
                url=url,
                recipients=[f"approvers:{r.pk}"],
                incident_id=r.incident_id,
            )
        p.add(
            "level_request",
            subject,
            "widen",
            base + _m(c["widen"]),
            title=_t(
                r.incident,
                _("请示已等待%(m)s分钟仍未审批：%(title)s · %(t)s")
                % {"m": c["widen"], "title": r.title, "t": r.incident.title},
            ),
            url=url,
            recipients=[f"deputies:{r.pk}", "post:office_director"],
            incident_id=r.incident_id,
        )


def _task_name(title, target):
    return title if target in ("", title) else f"{title}（{target}）"


def _url_for(name):
    """``reverse(name, args=[pk])`` for thousands of pks: reversed once, the pk put in."""
    sentinel = "8080808080"
    pattern = reverse(name, args=[int(sentinel)])
    return lambda pk: pattern.replace(sentinel, str(pk))


TASK_FIELDS = (
    "pk",
    "state",
    "updated_at",
    "created_at",
    "unit_id",
    "group_id",
    "incident_id",
    "due_at",
    "title",
    "group__name",
    "unit__name",
    "unit__current_name",
    "incident__title",
    "incident__is_drill",
)


class _TaskRow:
    """An open task as the planner needs it (plain values: a bad winter has thousands)."""

    def __init__(self, values):
        (self.pk, self.state, self.updated_at, self.created_at, self.unit_id, self.group_id, self.incident_id,
         self.due_at, title, group_name, unit_name, unit_current, inc_title, is_drill) = values  # fmt: skip
        target = " · ".join(x for x in (group_name, unit_current or unit_name) if x)
        self.name = _task_name(title, target)
        self.incident = _IncidentRef(inc_title, is_drill)


class _IncidentRef:
    def __init__(self, title, is_drill):
        self.title, self.is_drill = title, is_drill


def _task_groups():
    """For the open tasks' escalation: the groups each unit works in, per incident, and the activated
    (incident, group) pairs."""
    # From the live incidents' ids (their index) to their groups: not a join over every group ever activated.
    live = list(
        Incident.objects.filter(state__in=(State.RESPONDING, State.AFTERMATH)).values_list("pk", flat=True)
    )
    groups = {
        pk: (incident_id, group_id)
        for pk, incident_id, group_id in ActivatedGroup.objects.filter(incident_id__in=live).values_list(
            "pk", "incident_id", "group_id"
        )
    }
    groups_of = {}
    for activated_group_id, unit_id in GroupUnit.objects.filter(
        activated_group_id__in=list(groups)
    ).values_list("activated_group_id", "unit_id"):
        incident_id, group_id = groups[activated_group_id]
        groups_of.setdefault((incident_id, unit_id), []).append(group_id)
    activated = set(groups.values())
    return groups_of, activated


def _plan_tasks(p, c, overdue):
    # Tasks remind during the response and, for the §7.1 items and carried tasks, during aftermath.
    rows = Assignment.objects.filter(
        incident__state__in=(State.RESPONDING, State.AFTERMATH), state__in=Assignment.OPEN_STATES
    ).values_list(*TASK_FIELDS)
    # A unit's task escalates to the leaders of the groups it works in; a §7.1 item names the 善后工作组,
    # which is not activated at Ⅲ/Ⅳ: its unit's head is the leader then.
    groups_of, activated = _task_groups()
    url_of = _url_for("command:task")
    unsigned = _("任务下达%(m)s分钟尚未签收：%(title)s · %(inc)s")
    late = _("任务已超过完成时限：%(title)s · %(inc)s")
    for values in rows:
        t = _TaskRow(values)
        url = url_of(t.pk)
        if t.state == Assignment.State.PENDING:
            base = t.updated_at or t.created_at  # pending: created, or reassigned (updated) since
            subject = f"task:{t.pk}:{_ts(base)}"
            doers = [f"liaison:{t.unit_id}"] if t.unit_id else [f"group:{t.incident_id}:{t.group_id}"]
            group_ids = [t.group_id] if t.group_id else groups_of.get((t.incident_id, t.unit_id), [])
            group_ids = [g for g in group_ids if (t.incident_id, g) in activated or not t.unit_id]
            leaders = [f"group:{t.incident_id}:{g}" for g in group_ids] or [f"unit_head:{t.unit_id}"]
            for step, who in (("liaison", doers), ("leader", leaders), ("office", ["office"])):
                title = unsigned % {"m": c[step], "title": t.name, "inc": t.incident.title}
                p.add(
                    "task_unsigned",
                    subject,
                    step,
                    base + _m(c[step]),
                    title=_t(t.incident, title),
                    url=url,
                    recipients=who,
                    incident_id=t.incident_id,
                )
        if t.due_at:
            who = ([f"unit:{t.unit_id}"] if t.unit_id else []) + (
                [f"group:{t.incident_id}:{t.group_id}"] if t.group_id else []
            )
            p.add(
                "task_overdue",
                f"task:{t.pk}:{_ts(t.due_at)}",
                "overdue",
                t.due_at + _m(overdue["after"]),
                title=_t(t.incident, late % {"title": t.name, "inc": t.incident.title}),
                url=url,
                recipients=who,
                incident_id=t.incident_id,
            )


def _plan_follow_ups(p, c):
    # The latest follow-up per responding incident, looked up per incident (its index), not aggregated
    # over every follow-up ever written.
    latest = FollowUpReport.objects.filter(incident=OuterRef("pk")).order_by("-at").values("at")[:1]
    qs = Incident.objects.filter(state=State.RESPONDING).annotate(last=Subquery(latest))
    for inc in qs:
        base = max(x for x in (inc.last, inc.level_since, inc.reported_at) if x is not None)
        minutes = c["high"] if (inc.level or 4) <= 2 else c["low"]
        p.add(
            "no_follow_up",
            f"followup:{inc.pk}:{_ts(base)}",
            "due",
            base + _m(minutes),
            title=_t(inc, _("响应期间已%(m)s分钟没有续报：%(t)s") % {"m": minutes, "t": inc.title}),
            url=reverse("incidents:detail", args=[inc.pk]) + "#follow-ups",
            recipients=["office"],
            incident_id=inc.pk,
        )


def _plan_upward(p, c):
    qs = (
        UpwardReport.objects.filter(sent_at__isnull=True)
        .exclude(incident__state__in=(State.ARCHIVED, State.DISMISSED))
        .select_related("incident")
    )
    for r in qs:
        p.add(
            "upward_late",
            f"upward:{r.pk}:{_ts(r.due_at)}",
            "late",
            r.due_at + _m(c["after"]),
            title=_t(
                r.incident,
                _("信息报送已超时限（%(to)s）：%(t)s")
                % {"to": r.get_recipient_display(), "t": r.incident.title},
            ),
            url=reverse("incidents:detail", args=[r.incident_id]) + "#reports",
            recipients=["post:office_director"],
            incident_id=r.incident_id,
        )


def _plan_calldowns(p, c):
    # From the responding incidents to their un-received call-downs (an index on those): call-downs
    # never confirmed on closed incidents stay behind in the history and are not read.
    responding = list(Incident.objects.filter(state=State.RESPONDING).values_list("pk", flat=True))
    qs = CallDown.objects.filter(received_at__isnull=True, incident_id__in=responding).select_related(
        "incident", "person"
    )
    for cd in qs:
        subject = f"calldown:{cd.pk}"
        if cd.person_id and cd.person.user_id:
            p.add(
                "calldown",
                subject,
                "again",
                cd.notified_at + _m(c["again"]),
                title=_t(
                    cd.incident,
                    _("到岗通知（再次）：请立即赶赴现场并确认 · %(t)s") % {"t": cd.incident.title},
                ),
                url=reverse("command:calldown", args=[cd.token]),
                recipients=[f"user:{cd.person.user_id}"],
                incident_id=cd.incident_id,
            )
        p.add(
            "calldown",
            subject,
            "office",
            cd.notified_at + _m(c["office"]),
            title=_t(
                cd.incident,
                _("%(name)s收到到岗通知已%(m)s分钟仍未确认 · %(t)s")
                % {"name": cd.name, "m": c["office"], "t": cd.incident.title},
            ),
            url=reverse("command:incident", args=[cd.incident_id]) + "#calldown",
            recipients=["office"],
            incident_id=cd.incident_id,
        )


# ---- recipients ------------------------------------------------------------------------------------


class Resolver:
    """Turns recipient specs into users, with a few queries shared by the whole sweep."""

    def __init__(self, now):
        from orgchart.selectors import on_duty

        self.now = now
        self.shift = on_duty(now)
        self.User = get_user_model()
        self._posts, self._cache = {}, {}

    def post(self, code):
        """Holders of a post present now, or — all away — their deputies (permissions.authority rules)."""
        if code not in self._posts:
            from orgchart.models import Absence

            appts = list(
                Appointment.objects.filter(
                    position__code=code, person__active=True, person__user__isnull=False
                ).values_list("person__user", "role", "person_id")
            )
            away = set(
                Absence.objects.filter(starts_at__lte=self.now, ends_at__gt=self.now).values_list(
                    "person_id", flat=True
                )
            )
            holders = [u for u, role, pid in appts if role == "holder" and pid not in away]
            self._posts[code] = holders or [
                u for u, role, pid in appts if role != "holder" and pid not in away
            ]
        return self._posts[code]

    def resolve(self, spec):
        if spec not in self._cache:
            self._cache[spec] = self._resolve(spec)
        return self._cache[spec]

    def _unit_people(self, unit_id, posts):
        """The people filling the unit's posts now: holders present, or — all recorded absent — the
        designated deputies (AB角) for the whole absence (DOMAIN §6 "Acting deputies everywhere")."""
        from orgchart.selectors import away_ids, present_or_acting

        if "_away" not in self._cache:
            self._cache["_away"] = away_ids(self.now)
        by_post = {}
        for a in Appointment.objects.filter(
            unit_id=unit_id, position__code__in=posts, person__active=True
        ).select_related("person", "position"):
            by_post.setdefault(a.position.code, []).append(a)
        return {
            a.person.user_id
            for appts in by_post.values()
            for a in present_or_acting(appts, self._cache["_away"])
            if a.person.user_id
        }

    def _resolve(self, spec):
        kind, _sep, arg = spec.partition(":")
        if kind == "post":
            return set(self.post(arg))
        if kind == "user":
            return {int(arg)}
        if kind == "duty_officer":
            return (
                {self.shift.duty_officer.user_id}
                if self.shift and self.shift.duty_officer_id
                else set(self.post("office_staff"))
            )
        if kind == "duty_leader":
            return (
                {self.shift.duty_leader.user_id}
                if self.shift and self.shift.duty_leader_id
                else set(self.post("office_director"))
            )
        if kind == "office":  # the office: whoever is on duty, and the office director
            return self.resolve("duty_officer") | set(self.post("office_director"))
        if kind == "liaison":  # the unit's liaison; the head where the unit has none
            return self._unit_people(int(arg), ("unit_liaison",)) or self._unit_people(
                int(arg), ("unit_head",)
            )
        if kind in ("unit", "unit_head"):
            posts = ("unit_liaison", "unit_head") if kind == "unit" else ("unit_head",)
            return self._unit_people(int(arg), posts)
        if kind == "group":  # whoever leads the group now: holders present, or acting deputies (AB角)
            from .assignments.notices import group_leader_person_ids

            key = tuple(int(x) for x in arg.split(":"))
            person_ids = group_leader_person_ids([key], at=self.now).get(key, set())
            return set(self.User.objects.filter(person__pk__in=person_ids).values_list("pk", flat=True))
        if kind in ("approvers", "deputies"):
            r = LevelRequest.objects.select_related("incident").filter(pk=int(arg)).first()
            if r is None or not r.is_open:
                return set()
            action = r.route.action(r.current_step)
            if kind == "approvers":
                from .common import users_who_can

                return {u.pk for u in users_who_can(action, r.incident)}
            return set(
                Appointment.objects.filter(
                    position__code__in=RULES[action].named or RULES[action].positions,
                    role="deputy",
                    person__active=True,
                ).values_list("person__user", flat=True)
            ) - {None}
        log.warning("unknown recipient spec %r", spec)
        return set()


# ---- delivery --------------------------------------------------------------------------------------


def deliver(now=None, *, limit=500, kinds=None):
    """Send the due reminders (see the module docstring), of ``kinds`` only if given (those a dispatch
    has just planned). Returns the number of reminders sent."""
    now = now or timezone.now()
    resolver = Resolver(now)
    with transaction.atomic():
        due = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=Reminder.State.SCHEDULED, due_at__lte=now, **({"kind__in": kinds} if kinds else {}))
            .select_related("incident")
            .order_by("due_at", "id")[:limit]
        )
        if not due:
            return 0
        per_user = {}
        for r in due:
            users = set()
            for spec in r.recipients:
                users |= resolver.resolve(spec)
            users.discard(None)
            r.resolved = sorted(users)
            for u in users:
                per_user.setdefault(u, []).append(r)
        users = {u.pk: u for u in get_user_model().objects.filter(pk__in=per_user).select_related("person")}
        deliveries, notes, configured = [], [], configured_channels()
        for uid, items in per_user.items():
            user = users.get(uid)
            if user is None:
                continue
            first = items[0]
            title = (
                first.title
                if len(items) == 1
                else _("提醒（%(n)s项）：%(first)s 等") % {"n": len(items), "first": first.title}
            )
            note = Notification(
                recipient=user,
                incident=first.incident if len({i.incident_id for i in items}) == 1 else None,
                key=f"reminders:{first.pk}:{uid}:{len(items)}:{_ts(now)}",
                kind="reminder",
                title=title[:200],
                body="\n".join(f"· {i.title}" for i in items),
                url=first.url if len(items) == 1 else reverse("command:notifications"),
                created_at=now,
            )
            notes.append((note, items, user))
        Notification.objects.bulk_create([n for n, _i, _u in notes])
        for note, items, user in notes:
            person = getattr(user, "person", None)
            channels = [
                c
                for c in ((person.channels if person else None) or [])
                if c in configured and (c != "email" or user.email)
            ]
            for r in items:
                deliveries.append(
                    Delivery(
                        reminder=r,
                        recipient=user,
                        channel="in_app",
                        key=f"r{r.pk}-u{user.pk}-in_app",
                        state=Delivery.State.SENT,
                        attempts=1,
                        started_at=now,
                        sent_at=now,
                        notification=note,
                    )
                )
                for ch in channels:
                    deliveries.append(
                        Delivery(
                            reminder=r,
                            recipient=user,
                            channel=ch,
                            key=f"r{r.pk}-u{user.pk}-{ch}",
                            next_attempt_at=now,
                        )
                    )
        Delivery.objects.bulk_create(deliveries)
        Reminder.objects.filter(pk__in=[r.pk for r in due]).update(state=Reminder.State.SENT, sent_at=now)
        _timeline(due, users, now)
        external = [d.key for d in deliveries if d.channel != "in_app"]
        if external:
            transaction.on_commit(lambda: _enqueue_external(external), robust=True)
    return len(due)


def _timeline(due, users, now):
    from incidents.models import TimelineEvent

    events = []
    with translation.override(settings.LANGUAGE_CODE):
        for r in due:
            if r.incident_id is None:
                continue
            names = "、".join(
                users[u].person.name if getattr(users.get(u), "person", None) else str(u)
                for u in r.resolved
                if u in users
            ) or _("（无人可发送）")
            events.append(
                TimelineEvent(
                    incident_id=r.incident_id,
                    at=now,
                    actor=None,
                    actor_name=_("系统提醒"),
                    kind=TimelineEvent.Kind.COMMAND,
                    summary=(_("提醒已发送：%(title)s → %(who)s") % {"title": r.title, "who": names})[:300],
                    clause=str(KINDS[r.kind]["clause"])[:60],
                    data={"reminder": r.pk, "kind": r.kind, "recipients": r.resolved},
                )
            )
    TimelineEvent.objects.bulk_create(events)


def _enqueue_external(keys):
    from .tasks import send_delivery

    for key in keys:
        send_delivery.delay(key)


# ---- external channels: at least once, bounded, visible ---------------------------------------------

ADAPTER_CHANNELS = ("email", "sms", "wecom")


def configured_channels():
    """External channels that can be used here: email always (the console backend when no SMTP is
    set), SMS and the webhook when their gateway URL is configured."""
    result = ["email"]
    if getattr(settings, "SMS_GATEWAY_URL", ""):
        result.append("sms")
    if getattr(settings, "WEBHOOK_URL", ""):
        result.append("wecom")
    return result


def send_delivery(key, now=None):
    """Send one external delivery. Marked "sending" (committed) before the gateway is called; a worker
    killed mid-send leaves it "sending", which after ``UNKNOWN_AFTER`` shows as unknown and is sent again
    with the same idempotency key (the gateway drops the duplicate). At most ``MAX_ATTEMPTS`` tries."""
    from .channels import ChannelError, adapter_for

    now = now or timezone.now()
    with transaction.atomic():
        d = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("reminder", "recipient", "recipient__person")
            .filter(key=key)
            .first()
        )
        if d is None or d.state in (Delivery.State.SENT, Delivery.State.FAILED):
            return d.state if d else "missing"
        if d.state == Delivery.State.SENDING and d.started_at and now - d.started_at < UNKNOWN_AFTER:
            return "in-flight"
        if d.attempts >= MAX_ATTEMPTS:
            d.state, d.last_error = Delivery.State.FAILED, (d.last_error or _("多次尝试后仍未确认送达"))[:300]
            d.save(update_fields=["state", "last_error"])
            return d.state
        d.state, d.started_at, d.attempts = Delivery.State.SENDING, now, d.attempts + 1
        d.save(update_fields=["state", "started_at", "attempts"])
    try:
        adapter_for(d.channel).send(
            recipient=d.recipient,
            subject=d.reminder.title,
            body=d.reminder.title + "\n" + _full_url(d.reminder.url),
            key=d.key,
        )
    except ChannelError as e:
        done = d.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=d.pk).update(
            state=Delivery.State.FAILED if done else Delivery.State.PENDING,
            last_error=str(e)[:300],
            next_attempt_at=None if done else timezone.now() + timedelta(minutes=2**d.attempts),
        )
        return "failed" if done else "retry"
    Delivery.objects.filter(pk=d.pk).update(state=Delivery.State.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def _full_url(path):
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{path}" if base else path


def retry_external(now=None, *, inline=False):
    """Pending deliveries whose retry time came, and sends of unknown outcome: send (again)."""
    now = now or timezone.now()
    keys = list(
        Delivery.objects.filter(
            Q(state=Delivery.State.PENDING, next_attempt_at__lte=now)
            | Q(state=Delivery.State.SENDING, started_at__lt=now - UNKNOWN_AFTER)
        )
        .exclude(channel="in_app")
        .order_by()  # not the default "-id": that would walk every delivery ever made
        .values_list("key", flat=True)[:500]
    )
    if inline:
        for key in keys:
            send_delivery(key, now=now)
    elif keys:
        transaction.on_commit(lambda: _enqueue_external(keys), robust=True)
    return len(keys)


def deliver_all(now=None, *, limit=500, kinds=None):
    """``deliver`` in batches of ``limit`` (one transaction each) until nothing due is left."""
    total = 0
    while True:
        sent = deliver(now, limit=limit, kinds=kinds)
        total += sent
        if sent < limit:
            return total


def sweep(now=None):
    """Beat, every minute: plan, send what is due, retry external sends; ETA dispatches for what falls
    due within ``ETA_HORIZON``. ``now`` pins the clock (tests); otherwise the sends are stamped when they
    happen, after the plan."""
    soon = plan(now)
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
    soon = plan(now, kinds=kinds)
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
    from .tasks import reminders_dispatch

    for eta in times:
        reminders_dispatch.apply_async(eta=eta, expires=eta + timedelta(minutes=5))


def is_unknown(delivery, now=None):
    now = now or timezone.now()
    return (
        delivery.state == Delivery.State.SENDING
        and delivery.started_at
        and now - delivery.started_at >= UNKNOWN_AFTER
    )
