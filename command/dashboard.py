"""Reads for the command dashboard (issue 8) — one selectors module that the statistics page (issue 10)
reuses. Every function runs a fixed number of queries whatever the number of incidents, tasks and events,
and the overview's reads (down to ``latest_events``) count in SQL and read the facts stored on the
incident (``Incident.fact_*``, issue 15), so their cost does not grow with the history either.
"""

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal
from statistics import median

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, Greatest, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.choices import ACTIVE_STATES, CATEGORY_SHORT, AccidentGrade, Category, ResponseLevel, State
from incidents.models import Incident, TimelineEvent
from incidents.rules import grade_accident
from orgchart.models import County, ServiceArea

from .models import Assignment

LEVELS = (1, 2, 3, 4)


def active(*, drills=False):
    """The active incidents (reported, assessing, responding), drills apart (§8.1)."""
    return Incident.objects.filter(state__in=ACTIVE_STATES, is_drill=drills)


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


def _annotate_row(inc, now):
    """What a row of the overview shows, from the stored facts and timestamps (no grading here)."""
    hours = inc.unrestored_hours(now)
    inc.hours = float(hours) if hours is not None else None
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


def active_incidents(now=None, limit=None):
    """(real, drills): the active incidents, real ones by level (Ⅰ first, then those without one) and the
    longest outage first, cut to ``limit`` in SQL (None: all); the active drills apart. Each row carries
    what the overview shows: hours without heat, the 24-hour clock, outage share, casualties, the grade
    and the 附件4 recommendation (stored facts). Two queries."""
    now = now or timezone.now()
    real = (
        active()
        .select_related("county", "service_area", "plan_version")
        .annotate(outage_length=_outage_length(now))
        .order_by(Coalesce("level", 9), F("outage_length").desc(), "-reported_at", "-id")
    )
    if limit is not None:
        real = real[:limit]
    drills = active(drills=True).select_related("county", "service_area", "plan_version")
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


def task_rates(now=None):
    """Sign-for and completion per group and per unit over the active responses, overdue first; counted
    in SQL in one query (GROUP BY the task's group and unit: as many rows as pairs of them, bounded by the
    org chart, whatever the number of tasks), added up here per group, per unit and in all — each task is
    in exactly one pair. ``next_due``: the earliest time an open task becomes overdue (the panel changes
    then)."""
    now = now or timezone.now()
    open_ = Q(state__in=Assignment.OPEN_STATES)
    rows = (
        Assignment.objects.filter(incident__state=State.RESPONDING, incident__is_drill=False)
        .exclude(state=Assignment.State.CLOSED)
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
    groups, units, every, dues = {}, {}, {}, []
    for r in rows:
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

    def ranked(items):
        rated = [(who, _rate(figures)) for who, figures in items.values()]
        return sorted(
            rated, key=lambda kv: (-kv[1]["overdue"], -kv[1]["pending"], kv[0]["order"], kv[0]["pk"])
        )

    return {
        "groups": ranked(groups),
        "units": ranked(units),
        "all": _rate({k: every.get(k, 0) for k in FIGURES}),
        "next_due": min(dues, default=None),
    }


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


# ---- charts and statistics (drills excluded unless include_drills=True, §8.1) -----------------------
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


def _in_period(start, end, include_drills=False):
    """The incidents reported in the period; drills (§8.1: kept out of statistics) only when asked."""
    incidents = Incident.objects.filter(reported_at__gte=start, reported_at__lt=end)
    return incidents if include_drills else incidents.filter(is_drill=False)


def by_category(start, end, *, include_drills=False):
    """(category label, incidents) for every category of §1.5, zeros included. One query."""
    counts = dict(
        _in_period(start, end, include_drills)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    return [(Category(c).label, counts.get(c, 0)) for c in Category.values]


def by_month(start, end, *, include_drills=False):
    """(month "YYYY-MM", incidents, of which a response was started) for every month of the period, zeros
    included. One query."""
    rows = (
        _in_period(start, end, include_drills)
        .annotate(m=TruncMonth("reported_at"))
        .values("m")
        .annotate(n=Count("id"), responses=Count("id", filter=Q(level__isnull=False)))
    )
    found = {_month(r["m"]): (r["n"], r["responses"]) for r in rows if r["m"]}
    return [(m, *found.get(m, (0, 0))) for m in months(start, end)]


def _median(values):
    return round(median(values), 1) if values else None


def _timed(start, end, include_drills=False):
    """Per incident reported in the period: (reported, first 启动研判, first 启动响应, last 结束响应, outage
    start, restoration). One query (aggregates per incident), whatever the number of timeline events."""
    return (
        _in_period(start, end, include_drills)
        .annotate(
            assessed_at=Min("timeline__at", filter=Q(timeline__data__move="start_assessment")),
            activated_at=Min("timeline__at", filter=Q(timeline__data__move="activate")),
            ended_at=Max("timeline__at", filter=Q(timeline__data__move="end_response")),
        )
        .values_list(
            "reported_at", "assessed_at", "activated_at", "ended_at", "outage_started_at", "restored_at"
        )
        .order_by()
    )


def _bucket_counts(values, buckets):
    """[(label, n), …]: how many of ``values`` fall in each bucket [from, to)."""
    counts = [0] * len(buckets)
    for v in values:
        counts[next(i for i, (_lo, hi, _l) in enumerate(buckets) if hi is None or v < hi)] += 1
    return [(label, n) for (_lo, _hi, label), n in zip(buckets, counts, strict=True)]


def response_stats(start, end, *, include_drills=False):
    """The three times of the response, for the incidents reported in the period (drills excluded):

    - ``to_assessment_min``: minutes from report to the first 启动研判 (start_assessment);
    - ``to_activation_min``: minutes from report to the first 启动响应 (activate);
    - ``restoration_h``: hours from the start of the outage to the restoration of heat (restored ones).

    Each: ``{"median", "count", "buckets": [(label, n), …], "months": [(month, median, count), …]}``, every
    month of the period listed; ``months``: the month labels. One query (an aggregate per incident); the
    rest is arithmetic here, so the cost does not grow with the number of timeline events fetched."""
    values = {key: defaultdict(list) for key, _unit, _b in TIME_MEASURES}  # key -> month -> [value]
    for reported, assessed, activated, _ended, outage, restored in _timed(start, end, include_drills):
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
        stats[key] = {
            "median": _median(every),
            "count": len(every),
            "buckets": _bucket_counts(every, buckets),
            "months": [(m, _median(by_m.get(m, [])), len(by_m.get(m, []))) for m in labels],
        }
    return stats


def response_times(start, end, *, include_drills=False):
    """(median, count) of each of the three times (see ``response_stats``). One query."""
    stats = response_stats(start, end, include_drills=include_drills)
    return {key: (stats[key]["median"], stats[key]["count"]) for key, _unit, _b in TIME_MEASURES}


# ---- statistics (issue 10): the same period and drill rule, more ways to count -----------------------
# Every function runs a fixed number of queries (named in its docstring) whatever the amount of data.

LONG_OUTAGE = timedelta(hours=RESTORATION_LONG_H)


def _figures(prefix, *, start, end, include_drills, now):
    """Counts per group of incidents: ``n`` (reported), ``responses`` (a response was started: the
    incident has a level) and ``long_outages`` (附件4: heat not restored for 24 hours or more, the number
    included — a restored outage by its length, an unrestored one by the time since it began). ``prefix``
    reaches the incident from another model (``"incident__"``)."""

    def q(**lookups):
        return Q(**{prefix + k: v for k, v in lookups.items()})

    scope = q(reported_at__gte=start, reported_at__lt=end)
    if not include_drills:
        scope &= q(is_drill=False)
    long = q(restored_at__gte=F(prefix + "outage_started_at") + LONG_OUTAGE) | q(
        restored_at__isnull=True, outage_started_at__lte=now - LONG_OUTAGE
    )
    return {
        "n": Count(prefix + "id", filter=scope),
        "responses": Count(prefix + "id", filter=scope & q(level__isnull=False)),
        "long_outages": Count(prefix + "id", filter=scope & long),
    }


def _row(values):
    return {k: values.get(k, 0) for k in ("n", "responses", "long_outages")}


def by_year(start, end, *, include_drills=False, now=None):
    """Every calendar year the period touches (local time), zeros included: ``{"year", "n", "responses",
    "long_outages", "drills"}`` — ``drills``: the drills reported that year, counted apart whether or not
    they are included. One query."""
    now = now or timezone.now()
    rows = (
        Incident.objects.filter(reported_at__gte=start, reported_at__lt=end)
        .annotate(year=ExtractYear("reported_at"))
        .values("year")
        .annotate(
            **_figures("", start=start, end=end, include_drills=include_drills, now=now),
            drills=Count("id", filter=Q(is_drill=True)),
        )
        .order_by()
    )
    found = {r["year"]: r for r in rows}
    first = timezone.localtime(start).year
    last = timezone.localtime(end - timedelta(microseconds=1)).year
    return [
        {"year": y, **_row(found.get(y, {})), "drills": found.get(y, {}).get("drills", 0)}
        for y in range(first, last + 1)
    ]


def category_counts(start, end, *, include_drills=False, now=None):
    """Every category of §1.5 in the plan's order, zeros included: ``{"category", "label", "short", "n",
    "responses", "long_outages"}``. One query."""
    now = now or timezone.now()
    rows = (
        _in_period(start, end, include_drills)
        .values("category")
        .annotate(**_figures("", start=start, end=end, include_drills=include_drills, now=now))
        .order_by()
    )
    found = {r["category"]: r for r in rows}
    return [
        {"category": c, "label": Category(c).label, "short": CATEGORY_SHORT[c], **_row(found.get(c, {}))}
        for c in Category.values
    ]


def by_county(start, end, *, include_drills=False, now=None):
    """Every county (市、区) in the org chart's order, zeros included: ``{"county", "n", "responses",
    "long_outages"}``. One query."""
    now = now or timezone.now()
    counties = County.objects.annotate(
        **_figures("incident__", start=start, end=end, include_drills=include_drills, now=now)
    ).order_by("order", "pk")
    return [
        {"county": c, "n": c.n, "responses": c.responses, "long_outages": c.long_outages} for c in counties
    ]


def by_service_area(start, end, *, include_drills=False, now=None):
    """The service areas (附件4(1): the outage share's denominator) that are in use or had incidents,
    the default first: ``{"area", "n", "responses", "long_outages"}``. One query."""
    now = now or timezone.now()
    areas = ServiceArea.objects.annotate(
        **_figures("incident__", start=start, end=end, include_drills=include_drills, now=now)
    ).order_by("-is_default", "name")
    return [
        {"area": a, "n": a.n, "responses": a.responses, "long_outages": a.long_outages}
        for a in areas
        if a.active or a.n
    ]


def by_company(start, end, *, include_drills=False, now=None):
    """The companies involved (§8.3.3 供热企业, §8.3.4 热源单位) with at least one incident, most incidents
    first; incidents without a company as one row with ``company_id`` None: ``{"company_id", "name",
    "company_type", "n", "responses", "long_outages"}``. One query."""
    now = now or timezone.now()
    rows = (
        _in_period(start, end, include_drills)
        .values("company_id", "company__name", "company__current_name", "company__company_type")
        .annotate(**_figures("", start=start, end=end, include_drills=include_drills, now=now))
        .order_by()
    )
    out = [
        {
            "company_id": r["company_id"],
            "name": (r["company__current_name"] or r["company__name"]) if r["company_id"] else None,
            "company_type": r["company__company_type"] or "",
            **_row(r),
        }
        for r in rows
    ]
    out.sort(key=lambda r: (r["company_id"] is None, -r["n"], r["name"] or ""))
    return out


LEVEL_MOVES = ("activate", "change_level")


def levels_used(start, end, *, include_drills=False):
    """The response levels used (§5.3, 附件4) by the incidents reported in the period, from their timeline:

    - per level Ⅰ…Ⅳ: ``first`` (the level a response was started at), ``reached`` (incidents that were
      at this level at some time), ``highest`` (incidents whose highest level it was), ``raised_to`` and
      ``lowered_to`` (adjustments to this level, §5.3.5);
    - ``responded`` (incidents with a response), ``adjusted`` (of which adjusted at least once),
      ``raises``, ``lowers`` and ``changes``: [(from level, to level, times), …].

    One query (the level moves, a few per incident)."""
    events = (
        TimelineEvent.objects.filter(
            incident__reported_at__gte=start, incident__reported_at__lt=end, to_level__isnull=False
        )
        .filter(Q(data__move="activate") | Q(data__move="change_level"))
        .order_by("incident_id", "at", "id")
        .values_list("incident_id", "data__move", "from_level", "to_level")
    )
    if not include_drills:
        events = events.filter(incident__is_drill=False)
    first, reached, changes = {}, defaultdict(set), Counter()
    adjusted = set()
    for incident_id, move, from_level, to_level in events:
        if move == "activate":
            first.setdefault(incident_id, to_level)
        elif from_level and from_level != to_level:
            changes[(from_level, to_level)] += 1
            adjusted.add(incident_id)
        reached[incident_id].add(to_level)
    first_n = Counter(first.values())
    reached_n = Counter(lv for levels in reached.values() for lv in levels)
    highest_n = Counter(min(levels) for levels in reached.values())
    raised_to, lowered_to = Counter(), Counter()
    for (old, new), n in changes.items():
        (raised_to if new < old else lowered_to)[new] += n
    return {
        "levels": [
            {
                "level": ResponseLevel(lv),
                "first": first_n[lv],
                "reached": reached_n[lv],
                "highest": highest_n[lv],
                "raised_to": raised_to[lv],
                "lowered_to": lowered_to[lv],
            }
            for lv in (1, 2, 3, 4)
        ],
        "responded": len(reached),
        "adjusted": len(adjusted),
        "raises": sum(raised_to.values()),
        "lowers": sum(lowered_to.values()),
        "changes": sorted(
            ((ResponseLevel(a), ResponseLevel(b), n) for (a, b), n in changes.items()),
            key=lambda c: (c[0], c[1]),
        ),
    }


def grades(start, end, *, include_drills=False):
    """Accidents by grade (附件5), from the verified figures as ``Incident.grade`` reads them (a figure 待核定
    is left out and the grade is provisional), with the plan version each incident was reported under.
    Per grade, highest first: ``{"grade", "n", "provisional", "deaths", "serious_injuries",
    "direct_loss_yuan"}`` (verified figures added up); ``pending``: incidents with no grade yet but a
    figure 待核定. Two queries (the plan versions' thresholds, the incidents with any figure)."""
    from incidents.models import PlanVersion

    rules = dict(PlanVersion.objects.values_list("pk", "rules"))
    rows = (
        _in_period(start, end, include_drills)
        .filter(
            Q(deaths__gt=0)
            | Q(serious_injuries__gt=0)
            | Q(direct_loss_yuan__gt=0)
            | Q(deaths_pending=True)
            | Q(serious_injuries_pending=True)
            | Q(direct_loss_pending=True)
        )
        .values_list(
            "plan_version_id",
            "deaths",
            "deaths_pending",
            "serious_injuries",
            "serious_injuries_pending",
            "direct_loss_yuan",
            "direct_loss_pending",
        )
        .order_by()
    )
    per = {
        g: {"n": 0, "provisional": 0, "deaths": 0, "serious_injuries": 0, "direct_loss_yuan": Decimal(0)}
        for g in AccidentGrade.values
    }
    pending = 0
    for version, deaths, d_p, injuries, i_p, loss, l_p in rows:
        verified = {
            "deaths": None if d_p else deaths,
            "serious_injuries": None if i_p else injuries,
            "direct_loss_yuan": None if l_p else loss,
        }
        grade = grade_accident(**verified, rules=rules.get(version))
        provisional = d_p or i_p or l_p
        if grade is None:
            pending += bool(provisional)
            continue
        entry = per[grade]
        entry["n"] += 1
        entry["provisional"] += bool(provisional)
        entry["deaths"] += verified["deaths"] or 0
        entry["serious_injuries"] += verified["serious_injuries"] or 0
        entry["direct_loss_yuan"] += verified["direct_loss_yuan"] or 0
    order = sorted(AccidentGrade, key=lambda g: g.rank, reverse=True)
    return {"grades": [{"grade": g, **per[g.value]} for g in order], "pending": pending}


# The intervals of the response, in the order of the card: report → assessment → activation → end; and
# the outage. key, label, unit ("min" or "h"), buckets.
INTERVALS = (
    ("report_to_assessment", _("接报至启动研判"), "min", MINUTE_BUCKETS),
    ("assessment_to_activation", _("启动研判至启动响应"), "min", MINUTE_BUCKETS),
    ("report_to_activation", _("接报至启动响应"), "min", MINUTE_BUCKETS),
    ("activation_to_end", _("启动响应至结束响应"), "h", HOUR_BUCKETS),
    ("outage", _("停热至恢复供热"), "h", HOUR_BUCKETS),
)


def _summary(values, buckets):
    return {
        "count": len(values),
        "median": _median(values),
        "mean": round(sum(values) / len(values), 1) if values else None,
        "max": round(max(values), 1) if values else None,
        "buckets": _bucket_counts(values, buckets),
    }


def response_intervals(start, end, *, include_drills=False):
    """The intervals of ``INTERVALS`` for the incidents reported in the period, each ``{"key", "label",
    "unit", "count", "median", "mean", "max", "buckets"}`` (first 启动研判, first 启动响应, last 结束响应; an
    event logged before the one it follows counts as 0); and ``outage``: ``{"restored", "unrestored",
    "hours" (total of the restored ones), "long" (24 hours or more, 附件4)}``. One query (``_timed``, the
    query of ``response_stats``)."""
    values = {key: [] for key, *_rest in INTERVALS}
    unrestored = 0

    def since(a, b, per):
        return max((b - a).total_seconds(), 0) / per

    for reported, assessed, activated, ended, outage, restored in _timed(start, end, include_drills):
        if assessed:
            values["report_to_assessment"].append(since(reported, assessed, 60))
        if assessed and activated:
            values["assessment_to_activation"].append(since(assessed, activated, 60))
        if activated:
            values["report_to_activation"].append(since(reported, activated, 60))
        if activated and ended:
            values["activation_to_end"].append(since(activated, ended, 3600))
        if outage and restored:
            values["outage"].append(since(outage, restored, 3600))
        elif outage:
            unrestored += 1
    hours = values["outage"]
    return {
        "intervals": [
            {"key": key, "label": label, "unit": unit, **_summary(values[key], buckets)}
            for key, label, unit, buckets in INTERVALS
        ],
        "outage": {
            "restored": len(hours),
            "unrestored": unrestored,
            "hours": round(sum(hours), 1),
            "long": sum(1 for h in hours if h >= RESTORATION_LONG_H),
        },
    }


def _reminder_scope(prefix, start, end, include_drills):
    """Reminders about the incidents reported in the period, and those about no incident due in it."""

    def q(**lookups):
        return Q(**{prefix + k: v for k, v in lookups.items()})

    about = q(incident__reported_at__gte=start, incident__reported_at__lt=end)
    if not include_drills:
        about &= q(incident__is_drill=False)
    return about | q(incident__isnull=True, due_at__gte=start, due_at__lt=end)


def reminders_sent(start, end, *, include_drills=False):
    """The reminders (issue 7) about the incidents reported in the period (and those about no incident
    that were due in it):

    - ``kinds``: per kind of ``reminders.KINDS`` in its order, zeros included (then any other kind):
      ``{"kind", "label", "clause", "total", "sent", "cancelled", "scheduled"}``;
    - ``channels``: per channel (站内消息 first), ``{"channel", "label", "total", "sent", "failed", "open",
      "people"}`` — ``open``: not sent yet or its outcome unknown (发送中), ``people``: distinct recipients.

    Two queries (reminders by kind, deliveries by channel)."""
    from orgchart.models import Channel

    from .models import Delivery, Reminder
    from .reminders import KINDS

    state = Reminder.State
    kinds = {
        r["kind"]: r
        for r in Reminder.objects.filter(_reminder_scope("", start, end, include_drills))
        .values("kind")
        .annotate(
            total=Count("id"),
            sent=Count("id", filter=Q(state=state.SENT)),
            cancelled=Count("id", filter=Q(state=state.CANCELLED)),
            scheduled=Count("id", filter=Q(state=state.SCHEDULED)),
        )
        .order_by()
    }
    dstate = Delivery.State
    channels = {
        r["channel"]: r
        for r in Delivery.objects.filter(_reminder_scope("reminder__", start, end, include_drills))
        .values("channel")
        .annotate(
            total=Count("id"),
            sent=Count("id", filter=Q(state=dstate.SENT)),
            failed=Count("id", filter=Q(state=dstate.FAILED)),
            open=Count("id", filter=Q(state__in=(dstate.PENDING, dstate.SENDING))),
            people=Count("recipient", distinct=True),
        )
        .order_by()
    }
    zero = {"total": 0, "sent": 0, "cancelled": 0, "scheduled": 0}
    kind_rows = [
        {
            "kind": k,
            "label": spec["label"],
            "clause": spec["clause"],
            **{f: kinds.get(k, zero)[f] for f in zero},
        }
        for k, spec in KINDS.items()
    ] + [
        {"kind": k, "label": k, "clause": "", **{f: r[f] for f in zero}}
        for k, r in sorted(kinds.items())
        if k not in KINDS
    ]
    known = [c for c in Channel.values if c != Channel.PHONE]  # a phone call is not sent by the system
    dzero = {"total": 0, "sent": 0, "failed": 0, "open": 0, "people": 0}
    channel_rows = [
        {
            "channel": c,
            "label": Channel(c).label if c in Channel.values else c,
            **{f: channels.get(c, dzero)[f] for f in dzero},
        }
        for c in known + sorted(set(channels) - set(known))
    ]
    return {"kinds": kind_rows, "channels": channel_rows}


def sign_for_speed(start, end, *, include_drills=False):
    """How fast the assignments and tasks (附件2, 附件3) of the incidents reported in the period were signed
    for (签收): minutes from issue (``created_at``) to ``signed_at``.

    - ``all``: ``{"total", "signed", "unsigned", "count", "median", "mean", "max", "buckets"}``;
    - ``targets``: per unit (the task's unit; a group's assignment without a unit: the group), slowest
      median first: ``{"name", "kind" ("unit" or "group"), "total", "signed", "unsigned", "median",
      "max"}``.

    One query (the tasks' targets and two times)."""
    tasks = Assignment.objects.filter(incident__reported_at__gte=start, incident__reported_at__lt=end)
    if not include_drills:
        tasks = tasks.filter(incident__is_drill=False)
    rows = tasks.values_list(
        "unit_id",
        "unit__name",
        "unit__current_name",
        "unit__order",
        "group_id",
        "group__name",
        "group__order",
        "created_at",
        "signed_at",
    ).order_by()
    every, per, totals = [], defaultdict(list), Counter()
    names = {}
    for unit_id, u_name, u_current, u_order, group_id, g_name, g_order, created, signed in rows:
        key = ("unit", unit_id) if unit_id else ("group", group_id)
        names[key] = (u_current or u_name, u_order) if unit_id else (g_name, g_order)
        totals[key] += 1
        if signed:
            minutes = max((signed - created).total_seconds(), 0) / 60
            every.append(minutes)
            per[key].append(minutes)
    targets = []
    for key, total in totals.items():
        values = per.get(key, [])
        targets.append(
            {
                "name": names[key][0],
                "kind": key[0],
                "total": total,
                "signed": len(values),
                "unsigned": total - len(values),
                "median": _median(values),
                "max": round(max(values), 1) if values else None,
                "_order": names[key][1],
            }
        )
    targets.sort(key=lambda t: (t["median"] is None, -(t["median"] or 0), t["kind"], t["_order"], t["name"]))
    for t in targets:
        del t["_order"]
    n = sum(totals.values())
    return {
        "all": {
            "total": n,
            "signed": len(every),
            "unsigned": n - len(every),
            **_summary(every, MINUTE_BUCKETS),
        },
        "targets": targets,
    }
