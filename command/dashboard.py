"""Reads for the command dashboard (issue 8) — one selectors module that the statistics page (issue 10)
reuses. Every function runs a fixed number of queries whatever the number of incidents, tasks and events.
"""

from collections import Counter, defaultdict

from django.utils import timezone

from incidents.choices import ACTIVE_STATES, ResponseLevel, State
from incidents.models import Incident, TimelineEvent
from orgchart.models import County

from .models import Assignment


def active_incidents(now=None):
    """The active incidents (reported, assessing, responding), drills apart: (real, drills). Each row
    carries what the overview shows: hours without heat, the 24-hour clock, outage share, casualties,
    the grade and the 附件4 recommendation where it differs from the active level. One query."""
    now = now or timezone.now()
    rows = list(
        Incident.objects.filter(state__in=ACTIVE_STATES)
        .select_related("county", "service_area", "plan_version")
        .order_by("level", "-reported_at")
    )
    real, drills = [], []
    for inc in rows:
        hours = inc.unrestored_hours(now)
        rec = inc.recommendation(now)
        inc.hours = float(hours) if hours is not None else None
        inc.firm_at_time = inc.firm_at()
        inc.rec = rec
        inc.rec_differs = bool(rec.level and rec.level != inc.level)
        share = inc.outage_share
        inc.share_pct = float(share * 100) if share is not None else None
        inc.grade_value = inc.grade()[0]
        (drills if inc.is_drill else real).append(inc)
    real.sort(key=lambda i: (i.level or 9, -(i.hours or 0)))
    return real, drills


def totals(incidents):
    """City-wide totals: areas and households are added (never shares, DOMAIN.md §3); incidents by level."""
    area = sum((i.affected_area_m2 or 0) for i in incidents if i.restored_at is None)
    households = sum((i.affected_households or 0) for i in incidents if i.restored_at is None)
    by_level = Counter(i.level for i in incidents if i.level)
    return {
        "area_m2": area,
        "households": households,
        # read at a glance in 万 (ten thousands) from 10,000 on: 3473.3 万 rather than 34733404
        "area_wan": round(area / 10_000, 1) if area >= 10_000 else None,
        "households_wan": round(households / 10_000, 1) if households >= 10_000 else None,
        "by_level": [(ResponseLevel(lv), by_level.get(lv, 0)) for lv in (1, 2, 3, 4)],
        "count": len(incidents),
        "trapped": sum(i.still_trapped or 0 for i in incidents),
        "deaths": sum(i.deaths or 0 for i in incidents),
    }


def capped(items, limit):
    """A list cut for a screen that must not scroll (the wall) or should read at a glance: (the first
    ``limit`` items, how many are left out). ``limit`` None: all."""
    items = list(items)
    if limit is None:
        return items, 0
    return items[:limit], max(len(items) - limit, 0)


def left_out(incidents):
    """What a cut list of incidents leaves out, by level, then by state for those without one yet:
    [(label, n), …], highest level first."""
    levels = Counter(i.level for i in incidents if i.level)
    states = Counter(i.state for i in incidents if not i.level)
    return [(ResponseLevel(lv).label, levels[lv]) for lv in sorted(levels)] + [
        (State(st).label, n)
        for st, n in sorted(states.items(), key=lambda kv: list(State.values).index(kv[0]))
    ]


def county_map(incidents):
    """Each county's highest active level and count, keyed by the map's county name (运城开发区 is drawn
    within 盐湖区, its ``map_county``). Two queries at most (the counties)."""
    counties = list(County.objects.order_by("order"))
    by_map = {}
    for c in counties:
        by_map.setdefault(
            c.map_county or c.name, {"name": c.map_county or c.name, "level": None, "count": 0, "codes": []}
        )
        by_map[c.map_county or c.name]["codes"].append(c.code)
    code_to_map = {c.pk: (c.map_county or c.name) for c in counties}
    for inc in incidents:
        entry = by_map.get(code_to_map.get(inc.county_id))
        if entry is None:
            continue
        entry["count"] += 1
        if inc.level and (entry["level"] is None or inc.level < entry["level"]):
            entry["level"] = inc.level
    return list(by_map.values())


def task_rates(now=None):
    """Sign-for and completion per group and per unit over the active responses, overdue first."""
    now = now or timezone.now()
    tasks = list(
        Assignment.objects.filter(incident__state=State.RESPONDING, incident__is_drill=False)
        .exclude(state=Assignment.State.CLOSED)
        .select_related("group", "unit")
        .only(
            "id",
            "state",
            "due_at",
            "group__name",
            "group__order",
            "unit__name",
            "unit__current_name",
            "unit__order",
            "group_id",
            "unit_id",
            "incident_id",
        )
    )
    groups, units = defaultdict(list), defaultdict(list)
    for t in tasks:
        if t.group_id:
            groups[t.group].append(t)
        if t.unit_id:
            units[t.unit].append(t)

    def rate(items):
        n = len(items)
        signed = sum(1 for t in items if t.state in ("signed", "in_progress", "done"))
        done = sum(1 for t in items if t.state == "done")
        overdue = sum(1 for t in items if t.due_at and t.due_at < now and t.state in Assignment.OPEN_STATES)
        pending = sum(1 for t in items if t.state == "pending")
        return {
            "total": n,
            "signed": signed,
            "done": done,
            "overdue": overdue,
            "pending": pending,
            "signed_pct": round(100 * signed / n) if n else None,
            "done_pct": round(100 * done / n) if n else None,
        }

    g = sorted(
        ((k, rate(v)) for k, v in groups.items()),
        key=lambda kv: (-kv[1]["overdue"], -kv[1]["pending"], kv[0].order),
    )
    u = sorted(
        ((k, rate(v)) for k, v in units.items()),
        key=lambda kv: (-kv[1]["overdue"], -kv[1]["pending"], kv[0].order),
    )
    return {"groups": g, "units": u, "all": rate(tasks)}


def latest_events(limit=15):
    return list(
        TimelineEvent.objects.filter(incident__state__in=ACTIVE_STATES)
        .select_related("incident")
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


# ---- charts and statistics: command/stats.py and command/stats_times.py (issue 15), here for the views
# and the tests that read them as ``dashboard.…``.

from .stats import (  # noqa: E402
    HOUR_BUCKETS,
    LEVEL_MOVES,
    LONG_OUTAGE,
    MINUTE_BUCKETS,
    RESTORATION_LONG_H,
    TIME_MEASURES,
    by_category,
    by_company,
    by_county,
    by_month,
    by_service_area,
    by_year,
    category_counts,
    grades,
    incident_counts,
    levels_used,
    months,
    period,
    reminders_sent,
)
from .stats_times import (  # noqa: E402
    INTERVALS,
    response_intervals,
    response_stats,
    response_times,
    sign_for_speed,
)

__all__ = [
    "HOUR_BUCKETS",
    "INTERVALS",
    "LEVEL_MOVES",
    "LONG_OUTAGE",
    "MINUTE_BUCKETS",
    "RESTORATION_LONG_H",
    "TIME_MEASURES",
    "by_category",
    "by_company",
    "by_county",
    "by_month",
    "by_service_area",
    "by_year",
    "category_counts",
    "grades",
    "incident_counts",
    "levels_used",
    "months",
    "period",
    "reminders_sent",
    "response_intervals",
    "response_stats",
    "response_times",
    "sign_for_speed",
]
