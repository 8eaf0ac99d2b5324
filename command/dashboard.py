"""Reads for the command dashboard (issue 8) — one selectors module that the statistics page (issue 10)
reuses. Every function runs a fixed number of queries whatever the number of incidents, tasks and events.
"""

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from statistics import median

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.choices import ACTIVE_STATES, Category, ResponseLevel, State
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


# ---- charts (drills excluded) ---------------------------------------------------------------------
# The period is chosen by calendar day (Asia/Shanghai) and filters on the time of report.

# Buckets of the time-to-response histograms, [from, to) in minutes.
MINUTE_BUCKETS = (
    (0, 15, _("<15 分钟")),
    (15, 30, _("15–30 分钟")),
    (30, 60, _("30–60 分钟")),
    (60, 120, _("1–2 小时")),
    (120, 240, _("2–4 小时")),
    (240, None, _("≥4 小时")),
)
# Buckets of the restoration histogram, [from, to) in hours. 附件4's response conditions hold only when heat
# is not restored within 24 hours ("24 小时以上", the number included), so 24 h is a boundary: the buckets from
# RESTORATION_LONG_H on are "24 小时及以上".
RESTORATION_LONG_H = 24
HOUR_BUCKETS = (
    (0, 6, _("<6 小时")),
    (6, 12, _("6–12 小时")),
    (12, 24, _("12–24 小时")),
    (24, 48, _("24–48 小时")),
    (48, 72, _("48–72 小时")),
    (72, None, _("≥72 小时")),
)
TIME_MEASURES = (  # key, unit, buckets
    ("to_assessment_min", "min", MINUTE_BUCKETS),
    ("to_activation_min", "min", MINUTE_BUCKETS),
    ("restoration_h", "h", HOUR_BUCKETS),
)


def period(first=None, last=None, *, today=None):
    """The period from day ``first`` to day ``last``, both included (dates, local time): the aware datetimes
    (start, end), ``end`` exclusive (midnight after ``last``). Default: the 365 days up to today."""
    today = today or timezone.localdate()
    last = last or today
    first = first or (last - timedelta(days=365))
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    return start, end


def months(start, end):
    """The months the period touches, as "YYYY-MM" (local time), oldest first."""
    first, last = timezone.localtime(start), timezone.localtime(end - timedelta(microseconds=1))
    y, m, out = first.year, first.month, []
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month(at):
    return timezone.localtime(at).strftime("%Y-%m")


def _in_period(start, end):
    return Incident.objects.filter(is_drill=False, reported_at__gte=start, reported_at__lt=end)


def by_category(start, end):
    """(category label, incidents) for every category of §1.5, zeros included. One query."""
    counts = dict(
        _in_period(start, end).values_list("category").annotate(n=Count("id")).values_list("category", "n")
    )
    return [(Category(c).label, counts.get(c, 0)) for c in Category.values]


def by_month(start, end):
    """(month "YYYY-MM", incidents, of which a response was started) for every month of the period, zeros
    included. One query."""
    rows = (
        _in_period(start, end)
        .annotate(m=TruncMonth("reported_at"))
        .values("m")
        .annotate(n=Count("id"), responses=Count("id", filter=Q(level__isnull=False)))
    )
    found = {_month(r["m"]): (r["n"], r["responses"]) for r in rows if r["m"]}
    return [(m, *found.get(m, (0, 0))) for m in months(start, end)]


def _median(values):
    return round(median(values), 1) if values else None


def response_stats(start, end):
    """The three times of the response, for the incidents reported in the period (drills excluded):

    - ``to_assessment_min``: minutes from report to the first 启动研判 (start_assessment);
    - ``to_activation_min``: minutes from report to the first 启动响应 (activate);
    - ``restoration_h``: hours from the start of the outage to the restoration of heat (restored ones).

    Each: ``{"median", "count", "buckets": [(label, n), …], "months": [(month, median, count), …]}``, every
    month of the period listed; ``months``: the month labels. One query (an aggregate per incident); the
    rest is arithmetic here, so the cost does not grow with the number of timeline events fetched."""
    rows = (
        _in_period(start, end)
        .annotate(
            assessed_at=Min("timeline__at", filter=Q(timeline__data__move="start_assessment")),
            activated_at=Min("timeline__at", filter=Q(timeline__data__move="activate")),
        )
        .values_list("reported_at", "assessed_at", "activated_at", "outage_started_at", "restored_at")
    )
    values = {key: defaultdict(list) for key, _unit, _b in TIME_MEASURES}  # key -> month -> [value]
    for reported, assessed, activated, outage, restored in rows:
        month = _month(reported)
        if assessed:  # an event logged before the report time (a corrected report time) counts as 0
            values["to_assessment_min"][month].append(max((assessed - reported).total_seconds(), 0) / 60)
        if activated:
            values["to_activation_min"][month].append(max((activated - reported).total_seconds(), 0) / 60)
        if outage and restored:
            values["restoration_h"][month].append(max((restored - outage).total_seconds(), 0) / 3600)
    labels = months(start, end)
    stats = {"months": labels}
    for key, _unit, buckets in TIME_MEASURES:
        by_m = values[key]
        every = [v for vs in by_m.values() for v in vs]
        counts = [0] * len(buckets)
        for v in every:
            counts[next(i for i, (_lo, hi, _l) in enumerate(buckets) if hi is None or v < hi)] += 1
        stats[key] = {
            "median": _median(every),
            "count": len(every),
            "buckets": [(label, n) for (_lo, _hi, label), n in zip(buckets, counts, strict=True)],
            "months": [(m, _median(by_m.get(m, [])), len(by_m.get(m, []))) for m in labels],
        }
    return stats


def response_times(start, end):
    """(median, count) of each of the three times (see ``response_stats``). One query."""
    stats = response_stats(start, end)
    return {key: (stats[key]["median"], stats[key]["count"]) for key, _unit, _b in TIME_MEASURES}
