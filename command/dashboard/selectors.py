"""Reads for the command dashboard (issue 8) — one selectors module that the statistics page (issue 10)
reuses. Every function runs a fixed number of queries whatever the number of incidents, tasks and events,
and the overview's reads (down to ``latest_events``) count in SQL and read the facts stored on the
incident (``Incident.fact_*``, issue 15), so their cost does not grow with the history either.
"""

from collections import Counter
from datetime import timedelta
from math import floor

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from incidents.choices import ACTIVE_STATES, AccidentGrade, ResponseLevel, State
from incidents.models import Incident, TimelineEvent
from orgchart.models import County
from orgchart.permissions import scoped_incidents, scoped_timeline

from ..assignments.models import Assignment

LEVELS = (1, 2, 3, 4)


def active(*, drills=False, scope=None):
    """The active incidents (reported, assessing, responding), drills apart (§8.1); ``scope``: a member
    unit's (``orgchart.permissions.view_scope``, finding 7 of issue 16), None: all."""
    return scoped_incidents(Incident.objects.filter(state__in=ACTIVE_STATES, is_drill=drills), scope)


def _outage_length(now):
    """SQL: how long the heat has been off (DOMAIN.md §3, as ``Incident.unrestored_hours``): restored −
    start once restored, else max(now, estimate) − start; 0 without an outage."""
    at = Value(now, output_field=DateTimeField())
    end = Case(
        When(restored_at__isnull=False, then=F("restored_at")),
        default=Greatest(at, Coalesce(F("estimated_restoration_at"), at)),
    )
    length = ExpressionWrapper(end - F("outage_started_at"), output_field=DurationField())
    return Coalesce(length, Value(timedelta(0)), output_field=DurationField())


def hours_badge(outage):
    """The overview's 24-hour badge (附件4): "long" 已满24小时 (elapsed), "estimated" 预计超过24小时 (the
    estimate), "near" 近24h (elapsed ≥ 20 h), "" otherwise — as static/js/dashboard-live.js ticks it."""
    if outage is None:
        return ""
    if outage.basis == "elapsed":
        return "long"
    if outage.restored:
        return ""
    if outage.basis == "estimate":
        return "estimated"
    return "near" if outage.elapsed >= 20 else ""


def _annotate_row(inc, now):
    """What a row of the overview shows, from the stored facts and timestamps (no grading here)."""
    # DOMAIN §6 "Hours without heat": the elapsed outage ticks; the estimate is shown apart.
    inc.outage = inc.outage_hours(now)
    # floored to 0.1 h as the browser ticks it (4 小时 50 分 is 4.8 h, never 4.9)
    inc.hours = float(floor(inc.outage.elapsed * 10) / 10) if inc.outage else None
    total = inc.outage.estimate_total if inc.outage else None
    inc.estimate_total_hours = float(total) if total is not None else None
    inc.hours_badge = hours_badge(inc.outage)
    inc.firm_at_time = inc.firm_at()
    # 附件4: the stored recommendation; a provisional one is firm once its firm time has passed.
    inc.rec_level = ResponseLevel(inc.fact_rec_level) if inc.fact_rec_level else None
    inc.rec_status = inc.stored_rec_status(now)
    inc.rec_firm = inc.rec_status == "firm"
    inc.rec_differs = bool(inc.rec_level and inc.rec_level != inc.level)
    share = inc.outage_share
    inc.share_pct = float(share * 100) if share is not None else None
    inc.grade_value = AccidentGrade(inc.fact_grade) if inc.fact_grade else None
    return inc


def active_incidents(now=None, limit=None, scope=None):
    """(real, drills): the active incidents, real ones by level (Ⅰ first, then those without one) and the
    longest outage first, cut to ``limit`` in SQL (None: all); the active drills apart. Each row carries
    what the overview shows: hours without heat, the 24-hour clock, outage share, casualties, the grade
    and the 附件4 recommendation (stored facts). Two queries."""
    now = now or timezone.now()
    real = (
        active(scope=scope)
        .select_related("county", "service_area", "plan_version")
        .annotate(outage_length=_outage_length(now))
        .order_by(Coalesce("level", 9), F("outage_length").desc(), "-reported_at", "-id")
    )
    if limit is not None:
        real = real[:limit]
    drills = active(drills=True, scope=scope).select_related("county", "service_area", "plan_version")
    return (
        [_annotate_row(i, now) for i in real],
        [_annotate_row(i, now) for i in drills.order_by("level", "-reported_at")],
    )


def totals(incidents=None, now=None):
    """City-wide totals of ``incidents`` (a queryset; default the active real ones), in one SQL aggregate:
    areas and households are added (never shares, DOMAIN.md §3), those of restored outages left out;
    incidents by level. ``next_firm``: the earliest time a provisional 附件4 recommendation becomes firm."""
    now = now or timezone.now()
    incidents = active() if incidents is None else incidents
    unrestored = Q(restored_at__isnull=True)
    agg = incidents.aggregate(
        count=Count("id"),
        area_m2=Sum("affected_area_m2", filter=unrestored, default=0),
        households=Sum("affected_households", filter=unrestored, default=0),
        trapped=Sum("still_trapped", default=0),
        deaths=Sum("deaths", default=0),
        next_firm=Min("fact_rec_firm_at", filter=Q(fact_rec_status="provisional", fact_rec_firm_at__gt=now)),
        **{f"level_{lv}": Count("id", filter=Q(level=lv)) for lv in LEVELS},
    )
    area, households = agg["area_m2"], agg["households"]
    return {
        "area_m2": area,
        "households": households,
        # read at a glance in 万 (ten thousands) from 10,000 on: 3473.3 万 rather than 34733404
        "area_wan": round(area / 10_000, 1) if area >= 10_000 else None,
        "households_wan": round(households / 10_000, 1) if households >= 10_000 else None,
        "by_level": [(ResponseLevel(lv), agg[f"level_{lv}"]) for lv in LEVELS],
        "count": agg["count"],
        "trapped": agg["trapped"],
        "deaths": agg["deaths"],
        "next_firm": agg["next_firm"],
    }


def capped(items, limit):
    """A list cut for a screen that must not scroll (the wall) or should read at a glance: (the first
    ``limit`` items, how many are left out). ``limit`` None: all. For short lists (groups, units); the
    incidents are cut in SQL (``active_incidents``)."""
    items = list(items)
    if limit is None:
        return items, 0
    return items[:limit], max(len(items) - limit, 0)


def left_out(shown, incidents=None):
    """What a cut list of incidents leaves out — ``incidents`` (a queryset, default the active real ones)
    but the ``shown`` ones — by level, then by state for those without one yet: [(label, n), …], highest
    level first. One query (GROUP BY)."""
    incidents = active() if incidents is None else incidents
    rows = (
        incidents.exclude(pk__in=[i.pk for i in shown])
        .values("level", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    levels, states = Counter(), Counter()
    for r in rows:
        if r["level"]:
            levels[r["level"]] += r["n"]
        else:
            states[r["state"]] += r["n"]
    return [(ResponseLevel(lv).label, levels[lv]) for lv in sorted(levels)] + [
        (State(st).label, n)
        for st, n in sorted(states.items(), key=lambda kv: list(State.values).index(kv[0]))
    ]


def county_map(incidents=None):
    """Each county's highest active level and count, keyed by the map's county name (运城开发区 is drawn
    within 盐湖区, its ``map_county``), over ``incidents`` (a queryset, default the active real ones).
    Two queries: the counties, and a GROUP BY county."""
    incidents = active() if incidents is None else incidents
    counties = list(County.objects.order_by("order").only("code", "name", "map_county", "order"))
    by_map = {}
    for c in counties:
        by_map.setdefault(
            c.map_county or c.name, {"name": c.map_county or c.name, "level": None, "count": 0, "codes": []}
        )
        by_map[c.map_county or c.name]["codes"].append(c.code)
    code_to_map = {c.pk: (c.map_county or c.name) for c in counties}
    rows = incidents.values("county_id").annotate(n=Count("id"), top=Min("level")).order_by()
    for r in rows:
        entry = by_map.get(code_to_map.get(r["county_id"]))
        if entry is None:
            continue
        entry["count"] += r["n"]
        if r["top"] and (entry["level"] is None or r["top"] < entry["level"]):
            entry["level"] = r["top"]
    return list(by_map.values())


def map_points(incidents=None):
    """The points clicked on the map when the incidents were logged (issue 8): one values() query."""
    incidents = active() if incidents is None else incidents
    return list(
        incidents.filter(lon__isnull=False, lat__isnull=False)
        .values("pk", "title", "lon", "lat", "level", "reported_at")
        .order_by("level", "-reported_at")
    )


FIGURES = ("total", "signed", "done", "overdue", "pending")


def _rate(row):
    n = row["total"]
    return {
        **{k: row[k] for k in FIGURES},
        "signed_pct": round(100 * row["signed"] / n) if n else None,
        "done_pct": round(100 * row["done"] / n) if n else None,
    }


def _add(into, row):
    for k in FIGURES:
        into[k] = into.get(k, 0) + row[k]


def task_rates(now=None, scope=None):
    """Sign-for and completion per group and per unit over the active responses, overdue first; counted
    in SQL in one query (GROUP BY the task's group and unit: as many rows as pairs of them, bounded by the
    org chart, whatever the number of tasks), added up here per group, per unit and in all — each task is
    in exactly one pair. ``next_due``: the earliest time an open task becomes overdue (the panel changes
    then)."""
    now = now or timezone.now()
    groups, units, every, dues = {}, {}, {}, []
    for r in _task_pairs(now, scope):
        _add(every, r)
        if r["next_due"]:
            dues.append(r["next_due"])
        if r["group_id"]:
            g = groups.setdefault(
                r["group_id"],
                ({"pk": r["group_id"], "name": r["group__name"], "order": r["group__order"]}, {}),
            )
            _add(g[1], r)
        if r["unit_id"]:
            name = r["unit__current_name"] or r["unit__name"]
            u = units.setdefault(
                r["unit_id"], ({"pk": r["unit_id"], "display_name": name, "order": r["unit__order"]}, {})
            )
            _add(u[1], r)
    return {
        "groups": _ranked(groups),
        "units": _ranked(units),
        "all": _rate({k: every.get(k, 0) for k in FIGURES}),
        "next_due": min(dues, default=None),
    }


def _task_pairs(now, scope):
    """The figures per (group, unit) pair of the active responses' tasks: one query."""
    open_ = Q(state__in=Assignment.OPEN_STATES)
    return (
        Assignment.objects.filter(incident__state=State.RESPONDING, incident__is_drill=False)
        .exclude(state=Assignment.State.CLOSED)
        .filter(**({} if scope is None else {"unit_id__in": scope}))  # a member unit: its own tasks
        .values(
            "group_id",
            "group__name",
            "group__order",
            "unit_id",
            "unit__name",
            "unit__current_name",
            "unit__order",
        )
        .annotate(
            total=Count("id"),
            signed=Count("id", filter=Q(state__in=("signed", "in_progress", "done"))),
            done=Count("id", filter=Q(state="done")),
            overdue=Count("id", filter=Q(due_at__lt=now) & open_),
            pending=Count("id", filter=Q(state="pending")),
            next_due=Min("due_at", filter=Q(due_at__gte=now) & open_),
        )
        .order_by()
    )


def _ranked(items):
    """(who, rates) overdue first, then pending, then in the org chart's order."""
    rated = [(who, _rate(figures)) for who, figures in items.values()]
    return sorted(rated, key=lambda kv: (-kv[1]["overdue"], -kv[1]["pending"], kv[0]["order"], kv[0]["pk"]))


def latest_events(limit=15, scope=None):
    events = TimelineEvent.objects.filter(incident__state__in=ACTIVE_STATES)
    events = scoped_timeline(scoped_incidents(events, scope, "incident__"), scope)
    return list(
        events.select_related("incident")
        .only(
            "id",
            "at",
            "summary",
            "clause",
            "actor_name",
            "incident__id",
            "incident__title",
            "incident__is_drill",
        )
        .order_by("-at", "-id")[:limit]
    )
