"""The times of the response for the charts (issue 8) and the statistics (issue 10): report → 启动研判 →
启动响应 → 结束响应, the outage, and how fast tasks were signed for (附件2, 附件3). Counted, their medians
included, in the database (``stats_sql.summarise``): one query each, whatever the number of incidents,
timeline events and tasks.
"""

from django.db.models import Case, F, Q, When
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from ..assignments.models import Assignment
from .stats import HOUR_BUCKETS, MINUTE_BUCKETS, RESTORATION_LONG_H, TIME_MEASURES, in_period, months
from .stats_sql import longest, mean, median, summarise

# The times of the response read from the timeline (附件4, §5.3.6): first 启动研判, first 启动响应, last 结束响应.
# Each move has a partial index (``incidents.TimelineEvent.Meta.indexes``), so only those rows are read.
EVENTS = {
    "assessed_at": ("start_assessment", "min"),
    "activated_at": ("activate", "min"),
    "ended_at": ("end_response", "max"),
}


def _labelled(raw, buckets):
    return [(label, n) for (_lo, _hi, label), n in zip(buckets, raw["buckets"], strict=True)]


def summary(raw, buckets):
    """``{"count", "median", "mean", "max", "buckets": [(label, n), …]}`` of a measure's raw figures."""
    return {
        "count": raw["count"],
        "median": median(raw),
        "mean": mean(raw),
        "max": longest(raw),
        "buckets": _labelled(raw, buckets),
    }


# key: (from, to, seconds per unit, buckets); an event logged before the one it follows counts as 0.
CHART_TIMES = {
    "to_assessment_min": ("reported_at", "assessed_at", 60, MINUTE_BUCKETS),
    "to_activation_min": ("reported_at", "activated_at", 60, MINUTE_BUCKETS),
    "restoration_h": ("outage_started_at", "restored_at", 3600, HOUR_BUCKETS),
}
assert tuple(CHART_TIMES) == tuple(key for key, _unit, _b in TIME_MEASURES)


def response_stats(start, end, *, include_drills=False):
    """The three times of the response, for the incidents reported in the period (drills excluded):

    - ``to_assessment_min``: minutes from report to the first 启动研判 (start_assessment);
    - ``to_activation_min``: minutes from report to the first 启动响应 (activate);
    - ``restoration_h``: hours from the start of the outage to the restoration of heat (restored ones).

    Each: ``{"median", "count", "buckets": [(label, n), …], "months": [(month, median, count), …]}``, every
    month of the period listed; ``months``: the month labels. One query, the medians included."""
    incidents = in_period(start, end, include_drills)
    got = summarise(incidents, CHART_TIMES, by=(TruncMonth("reported_at"),), events=EVENTS)
    per_month = {group[0].strftime("%Y-%m"): entry for group, entry in got.items() if group is not None}
    labels = months(start, end)
    stats = {"months": labels}
    for key, (_a, _b, _per, buckets) in CHART_TIMES.items():
        every = got[None][key]
        by_m = [(m, per_month[m][key] if m in per_month else None) for m in labels]
        stats[key] = {
            "median": median(every),
            "count": every["count"],
            "buckets": _labelled(every, buckets),
            "months": [(m, median(raw) if raw else None, raw["count"] if raw else 0) for m, raw in by_m],
        }
    return stats


# The intervals of the response, in the order of the card: report → assessment → activation → end; and
# the outage. key, label, unit ("min" or "h"), buckets.
INTERVALS = (
    ("report_to_assessment", _("接报至启动研判"), "min", MINUTE_BUCKETS),
    ("assessment_to_activation", _("启动研判至启动响应"), "min", MINUTE_BUCKETS),
    ("report_to_activation", _("接报至启动响应"), "min", MINUTE_BUCKETS),
    ("activation_to_end", _("启动响应至结束响应"), "h", HOUR_BUCKETS),
    ("outage", _("停热至恢复供热"), "h", HOUR_BUCKETS),
)
INTERVAL_TIMES = {
    "report_to_assessment": ("reported_at", "assessed_at", 60, MINUTE_BUCKETS),
    "assessment_to_activation": ("assessed_at", "activated_at", 60, MINUTE_BUCKETS),
    "report_to_activation": ("reported_at", "activated_at", 60, MINUTE_BUCKETS),
    "activation_to_end": ("activated_at", "ended_at", 3600, HOUR_BUCKETS),
    "outage": ("outage_started_at", "restored_at", 3600, HOUR_BUCKETS),
}


def response_intervals(start, end, *, include_drills=False):
    """The intervals of ``INTERVALS`` for the incidents reported in the period, each ``{"key", "label",
    "unit", "count", "median", "mean", "max", "buckets"}`` (first 启动研判, first 启动响应, last 结束响应; an
    event logged before the one it follows counts as 0); and ``outage``: ``{"restored", "unrestored",
    "hours" (total of the restored ones), "long" (24 hours or more, 附件4)}``. One query."""
    unrestored = Q(outage_started_at__isnull=False, restored_at__isnull=True)
    incidents = in_period(start, end, include_drills)
    got = summarise(incidents, INTERVAL_TIMES, flags={"unrestored": unrestored}, events=EVENTS)
    every = got[None]
    outage = every["outage"]
    long = sum(n for (lo, _hi, _l), n in zip(HOUR_BUCKETS, outage["buckets"], strict=True) if lo >= 24)
    assert HOUR_BUCKETS[3][0] == RESTORATION_LONG_H  # 24 h is a boundary of the buckets
    return {
        "intervals": [
            {"key": key, "label": label, "unit": unit, **summary(every[key], buckets)}
            for key, label, unit, buckets in INTERVALS
        ],
        "outage": {
            "restored": outage["count"],
            "unrestored": every["flags"]["unrestored"],
            "hours": round(outage["sum"] or 0, 1),
            "long": long,
        },
    }


def _group_only(field):
    """A group's field when the task has no unit (a group's assignment is the group's, else the unit's)."""
    return Case(When(unit__isnull=True, then=F(field)), default=None)


TARGET = (
    "unit_id",
    "unit__name",
    "unit__current_name",
    "unit__order",
    _group_only("group_id"),
    _group_only("group__name"),
    _group_only("group__order"),
)


def sign_for_speed(start, end, *, include_drills=False):
    """How fast the assignments and tasks (附件2, 附件3) of the incidents reported in the period were signed
    for (签收): minutes from issue (``created_at``) to ``signed_at``.

    - ``all``: ``{"total", "signed", "unsigned", "count", "median", "mean", "max", "buckets"}``;
    - ``targets``: per unit (the task's unit; a group's assignment without a unit: the group), slowest
      median first: ``{"name", "kind" ("unit" or "group"), "total", "signed", "unsigned", "median",
      "max"}``.

    One query (counted per target in the database, the medians included)."""
    tasks = Assignment.objects.filter(incident__reported_at__gte=start, incident__reported_at__lt=end)
    if not include_drills:
        tasks = tasks.filter(incident__is_drill=False)
    got = summarise(tasks, {"sign": ("created_at", "signed_at", 60, MINUTE_BUCKETS)}, by=TARGET)
    targets = []
    for group, entry in got.items():
        if group is None:
            continue
        unit_id, u_name, u_current, u_order, _group_id, g_name, g_order = group
        raw = entry["sign"]
        targets.append(
            {
                "name": (u_current or u_name) if unit_id else g_name,
                "kind": "unit" if unit_id else "group",
                "total": entry["rows"],
                "signed": raw["count"],
                "unsigned": entry["rows"] - raw["count"],
                "median": median(raw),
                "max": longest(raw),
                "_order": u_order if unit_id else g_order,
            }
        )
    targets.sort(key=lambda t: (t["median"] is None, -(t["median"] or 0), t["kind"], t["_order"], t["name"]))
    for t in targets:
        del t["_order"]
    every, n = got[None]["sign"], got[None]["rows"]
    return {
        "all": {
            "total": n,
            "signed": every["count"],
            "unsigned": n - every["count"],
            **summary(every, MINUTE_BUCKETS),
        },
        "targets": targets,
    }
