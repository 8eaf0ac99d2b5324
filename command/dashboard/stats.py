"""The figures of the charts (issue 8) and the statistics (issue 10) over a period: incidents by category,
month, year, county, service area and company; the response levels used (§5.3); the accident grades
(附件5); the reminders sent. Drills are left out unless ``include_drills=True`` (§8.1); the period is chosen
by calendar day (Asia/Shanghai) and filters on the time of report.

Everything is counted in the database (issue 15): each function runs a fixed number of queries, and what
comes back is bounded by the plan and the org chart (categories, counties, companies, grades), not by the
number of incidents. The times of the response are in ``stats_times``; the SQL pieces in ``stats_sql``.
"""

from collections import Counter
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import BooleanField, Count, DecimalField, ExpressionWrapper, F, IntegerField, Q, Sum
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.choices import CATEGORY_SHORT, AccidentGrade, Category, ResponseLevel
from incidents.models import Incident, PlanVersion, TimelineEvent
from orgchart.models import Channel, County, ServiceArea

from ..reminders.kinds import KINDS
from ..reminders.models import Delivery, Reminder
from .stats_sql import grade_case, level_counts, provisional, verified

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


def month_of(at):
    return timezone.localtime(at).strftime("%Y-%m")


def in_period(start, end, include_drills=False):
    """The incidents reported in the period; drills (§8.1: kept out of statistics) only when asked."""
    incidents = Incident.objects.filter(reported_at__gte=start, reported_at__lt=end)
    return incidents if include_drills else incidents.filter(is_drill=False)


def by_category(start, end, *, include_drills=False):
    """(category label, incidents) for every category of §1.5, zeros included. One query."""
    counts = dict(
        in_period(start, end, include_drills)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    return [(Category(c).label, counts.get(c, 0)) for c in Category.values]


def by_month(start, end, *, include_drills=False):
    """(month "YYYY-MM", incidents, of which a response was started) for every month of the period, zeros
    included. One query."""
    rows = (
        in_period(start, end, include_drills)
        .annotate(m=TruncMonth("reported_at"))
        .values("m")
        .annotate(n=Count("id"), responses=Count("id", filter=Q(level__isnull=False)))
    )
    found = {month_of(r["m"]): (r["n"], r["responses"]) for r in rows if r["m"]}
    return [(m, *found.get(m, (0, 0))) for m in months(start, end)]


# ---- incidents per year, category, county, service area and company ----------------------------------

LONG_OUTAGE = timedelta(hours=RESTORATION_LONG_H)
CENT = Decimal("0.01")
FIGURES = ("n", "responses", "long_outages")
GROUPS = (
    "year",
    "category",
    "county_id",
    "service_area_id",
    "company_id",
    "company__name",
    "company__current_name",
    "company__company_type",
    "is_drill",
)


def _long(now):
    """附件4: heat not restored for 24 hours or more, the number included — a restored outage by its length,
    an unrestored one by the time since it began."""
    return Q(restored_at__gte=F("outage_started_at") + LONG_OUTAGE) | Q(
        restored_at__isnull=True, outage_started_at__lte=now - LONG_OUTAGE
    )


def incident_groups(start, end, now=None):
    """The incidents reported in the period, drills too, counted per year (local time), category, county,
    service area, company and drill or not: ``n`` (reported), ``responses`` (a response was started: the
    incident has a level) and ``long_outages`` (``_long``). One query; the groups are bounded by the plan
    and the org chart, not by the number of incidents."""
    now = now or timezone.now()
    return list(
        Incident.objects.filter(reported_at__gte=start, reported_at__lt=end)
        .annotate(year=ExtractYear("reported_at"))
        .values(*GROUPS)
        .annotate(
            n=Count("id"),
            responses=Count("id", filter=Q(level__isnull=False)),
            long_outages=Count("id", filter=_long(now)),
        )
        .order_by()
    )


def _added(groups, key, include_drills):
    """{key(group): {"n", "responses", "long_outages"}}, added up over the groups counted (drills only
    when asked, §8.1)."""
    out = {}
    for g in groups:
        if include_drills or not g["is_drill"]:
            row = out.setdefault(key(g), dict.fromkeys(FIGURES, 0))
            for f in FIGURES:
                row[f] += g[f]
    return out


def _zero():
    return dict.fromkeys(FIGURES, 0)


def _years(groups, start, end, include_drills):
    found = _added(groups, lambda g: g["year"], include_drills)
    drills = Counter()
    for g in groups:
        if g["is_drill"]:
            drills[g["year"]] += g["n"]
    first = timezone.localtime(start).year
    last = timezone.localtime(end - timedelta(microseconds=1)).year
    return [{"year": y, **found.get(y, _zero()), "drills": drills[y]} for y in range(first, last + 1)]


def _categories(groups, include_drills):
    found = _added(groups, lambda g: g["category"], include_drills)
    return [
        {"category": c, "label": Category(c).label, "short": CATEGORY_SHORT[c], **found.get(c, _zero())}
        for c in Category.values
    ]


def _counties(groups, include_drills):
    found = _added(groups, lambda g: g["county_id"], include_drills)
    return [{"county": c, **found.get(c.pk, _zero())} for c in County.objects.order_by("order", "pk")]


def _areas(groups, include_drills):
    found = _added(groups, lambda g: g["service_area_id"], include_drills)
    rows = [
        {"area": a, **found.get(a.pk, _zero())} for a in ServiceArea.objects.order_by("-is_default", "name")
    ]
    return [r for r in rows if r["area"].active or r["n"]]


def _companies(groups, include_drills):
    def key(g):
        name = (g["company__current_name"] or g["company__name"]) if g["company_id"] else None
        return g["company_id"], name, (g["company__company_type"] or "") if g["company_id"] else ""

    found = _added(groups, key, include_drills)
    out = [{"company_id": k[0], "name": k[1], "company_type": k[2], **v} for k, v in found.items()]
    out.sort(key=lambda r: (r["company_id"] is None, -r["n"], r["name"] or ""))
    return out


def by_year(start, end, *, include_drills=False, now=None):
    """Every calendar year the period touches (local time), zeros included: ``{"year", "n", "responses",
    "long_outages", "drills"}`` — ``drills``: the drills reported that year, counted apart whether or not
    they are included. One query."""
    return _years(incident_groups(start, end, now), start, end, include_drills)


def category_counts(start, end, *, include_drills=False, now=None):
    """Every category of §1.5 in the plan's order, zeros included: ``{"category", "label", "short", "n",
    "responses", "long_outages"}``. One query."""
    return _categories(incident_groups(start, end, now), include_drills)


def by_county(start, end, *, include_drills=False, now=None):
    """Every county (市、区) in the org chart's order, zeros included: ``{"county", "n", "responses",
    "long_outages"}``. Two queries (the counts, the counties)."""
    return _counties(incident_groups(start, end, now), include_drills)


def by_service_area(start, end, *, include_drills=False, now=None):
    """The service areas (附件4(1): the outage share's denominator) that are in use or had incidents,
    the default first: ``{"area", "n", "responses", "long_outages"}``. Two queries."""
    return _areas(incident_groups(start, end, now), include_drills)


def by_company(start, end, *, include_drills=False, now=None):
    """The companies involved (§8.3.3 供热企业, §8.3.4 热源单位) with at least one incident, most incidents
    first; incidents without a company as one row with ``company_id`` None: ``{"company_id", "name",
    "company_type", "n", "responses", "long_outages"}``. One query."""
    return _companies(incident_groups(start, end, now), include_drills)


def incident_counts(start, end, *, include_drills=False, now=None):
    """The five above from one count: ``{"years", "categories", "counties", "areas", "companies"}``.
    Three queries (the counts, the counties, the service areas)."""
    groups = incident_groups(start, end, now)
    return {
        "years": _years(groups, start, end, include_drills),
        "categories": _categories(groups, include_drills),
        "counties": _counties(groups, include_drills),
        "areas": _areas(groups, include_drills),
        "companies": _companies(groups, include_drills),
    }


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
        .annotate(activates=ExpressionWrapper(Q(data__move="activate"), output_field=BooleanField()))
        .values("incident_id", "activates", "from_level", "to_level", "at", "id")  # no JSON to decode
    )
    if not include_drills:
        events = events.filter(incident__is_drill=False)
    incidents = in_period(start, end, include_drills).values("id")
    first_n, reached_n, highest_n, changes, responded, adjusted = level_counts(events, incidents)
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
        "responded": responded,
        "adjusted": adjusted,
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
    "direct_loss_yuan"}`` (verified figures added up, money exact); ``pending``: incidents with no grade
    yet but a figure 待核定. Two queries (the plan versions' thresholds; the incidents counted per grade,
    the grade a SQL CASE: ``stats_sql.grade_case``)."""
    versions = dict(PlanVersion.objects.values_list("pk", "rules"))
    money = DecimalField(max_digits=20, decimal_places=2)
    rows = (
        in_period(start, end, include_drills)
        .filter(Q(deaths__gt=0) | Q(serious_injuries__gt=0) | Q(direct_loss_yuan__gt=0) | provisional())
        .annotate(accident_grade=grade_case(versions))
        .values("accident_grade")
        .annotate(
            n=Count("id"),
            provisional=Count("id", filter=provisional()),
            deaths=Sum(verified("deaths", "deaths_pending", IntegerField())),
            serious_injuries=Sum(verified("serious_injuries", "serious_injuries_pending", IntegerField())),
            direct_loss_yuan=Sum(verified("direct_loss_yuan", "direct_loss_pending", money)),
        )
        .order_by()
    )
    found = {r["accident_grade"]: r for r in rows}
    zero = {"n": 0, "provisional": 0, "deaths": 0, "serious_injuries": 0, "direct_loss_yuan": Decimal(0)}
    per = {}
    for g in AccidentGrade.values:
        r = found.get(g)
        per[g] = {k: (r[k] if r and r[k] is not None else v) for k, v in zero.items()}
    for g, row in per.items():  # SQLite adds up money as REAL: back to exact 分 (PostgreSQL: unchanged)
        if found.get(g, {}).get("direct_loss_yuan") is not None:
            row["direct_loss_yuan"] = Decimal(str(row["direct_loss_yuan"])).quantize(CENT)
    pending = found[None]["provisional"] if None in found else 0
    order = sorted(AccidentGrade, key=lambda g: g.rank, reverse=True)
    return {"grades": [{"grade": g, **per[g.value]} for g in order], "pending": pending}


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

    - ``kinds``: per kind of ``reminders.kinds.KINDS`` in its order, zeros included (then any other kind):
      ``{"kind", "label", "clause", "total", "sent", "cancelled", "scheduled"}``;
    - ``channels``: per channel (站内消息 first), ``{"channel", "label", "total", "sent", "failed", "open",
      "people"}`` — ``open``: not sent yet or its outcome unknown (发送中), ``people``: distinct recipients.

    Two queries (reminders by kind, deliveries by channel)."""
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
    return {"kinds": _kind_rows(kinds), "channels": _channel_rows(channels)}


def _kind_rows(kinds):
    """Every kind of ``KINDS`` in its order, zeros included, then any other kind found."""
    zero = {"total": 0, "sent": 0, "cancelled": 0, "scheduled": 0}
    return [
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


def _channel_rows(channels):
    """Every channel the system sends on (站内消息 first), zeros included, then any other found."""
    known = [c for c in Channel.values if c != Channel.PHONE]  # a phone call is not sent by the system
    dzero = {"total": 0, "sent": 0, "failed": 0, "open": 0, "people": 0}
    return [
        {
            "channel": c,
            "label": Channel(c).label if c in Channel.values else c,
            **{f: channels.get(c, dzero)[f] for f in dzero},
        }
        for c in known + sorted(set(channels) - set(known))
    ]
