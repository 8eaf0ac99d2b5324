"""Counting for the charts and the statistics in the database (issue 15): the 附件5 grade as a SQL ``CASE``,
and the times of the response (count, median, mean, longest, histogram) aggregated in SQL, so a page costs
the same whatever the number of incidents, events and tasks.

The medians use PostgreSQL's ordered-set aggregates; SQLite (the embedded ``make run``) has none, so there
the same figures are computed here from the rows, with the same arithmetic: a time is
``max(seconds, 0) / per`` in double precision (the seconds exact), the median is the mean of the two middle
values (``statistics.median``), the rest is rounded when it is shown. Both paths give the same results
(tests/command/test_statistics_sql.py runs both on the same data).
"""

import re
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    Min,
    Q,
    Value,
    When,
)
from django.db.models import CharField as TextOutput

from incidents.choices import AccidentGrade
from incidents.models import TimelineEvent
from incidents.plan_rules import RULES_2021

MOVE_NAME = re.compile(r"[a-z_]+")
MIDDLE_HIGH = 0.5 + 1e-9  # exact for up to 5 × 10⁸ values


def in_sql():
    """Whether the medians are computed by the database (PostgreSQL) or here (SQLite)."""
    return connection.vendor == "postgresql"


# ---- 附件5: the accident grade as a CASE over the verified figures ------------------------------------

FIGURES = (  # the figure, its 待核定 flag
    ("deaths", "deaths_pending"),
    ("serious_injuries", "serious_injuries_pending"),
    ("direct_loss_yuan", "direct_loss_pending"),
)


def _reaches(band):
    """附件5: any one verified figure reaching the band (或者); "以上"包括本数 (``[number, inclusive]``). A figure
    待核定 is left out, as ``Incident.verified_figures`` leaves it out; an unknown one (NULL) never matches."""
    q = Q()
    for figure, pending in FIGURES:
        number, inclusive = Decimal(band[figure][0]), band[figure][1]
        q |= Q(**{pending: False, f"{figure}__{'gte' if inclusive else 'gt'}": number})
    return q


def _grade_whens(rules):
    bands = sorted(rules["accident_grades"], key=lambda b: AccidentGrade(b["grade"]).rank, reverse=True)
    return [When(_reaches(band), then=Value(band["grade"])) for band in bands]  # highest first


def grade_case(versions):
    """The grade (``AccidentGrade`` value, NULL when none) as ``incidents.rules.grade_accident`` gives it from
    the verified figures, under the rules of each incident's plan version. ``versions``: {pk: rules}.
    When every version grades alike, one CASE; otherwise one per version."""
    default = RULES_2021["accident_grades"]
    distinct = {repr(r["accident_grades"]) for r in versions.values()}
    if not versions or distinct == {repr(default)}:
        return Case(*_grade_whens(RULES_2021), default=None, output_field=TextOutput())
    whens = []
    for pk, rules in sorted(versions.items()):
        for when in _grade_whens(rules):
            whens.append(When(Q(plan_version_id=pk) & when.condition, then=when.result))
    return Case(*whens, default=None, output_field=TextOutput())


def provisional():
    """A figure 待核定: the grade is provisional (``Incident.grade_provisional``)."""
    return Q(deaths_pending=True) | Q(serious_injuries_pending=True) | Q(direct_loss_pending=True)


def verified(figure, pending, output_field):
    """The figure when it is verified, else 0 (what the totals add up)."""
    return Case(When(**{pending: False}, then=F(figure)), default=Value(0), output_field=output_field)


# ---- the times: count, two middle values, sum, longest, histogram -------------------------------------


def _elapsed_sql(a, b, per):
    """``max(b - a in seconds, 0) / per`` in double precision, NULL when either is NULL (``elapsed``).
    EXTRACT(EPOCH FROM an interval) is an exact numeric, so the float is the one ``total_seconds()``
    gives; one EXTRACT per value (numeric arithmetic is the costly part)."""
    seconds = f"EXTRACT(EPOCH FROM ({b} - {a}))::double precision"
    return f"(CASE WHEN {b} < {a} THEN 0 ELSE {seconds} END) / {float(per)!r}::double precision"


def elapsed(a, b, per):
    """What ``Elapsed`` computes, here: ``a`` and ``b`` datetimes or None."""
    if a is None or b is None:
        return None
    return max((b - a).total_seconds(), 0) / per


def _bucket_index(value, buckets):
    return next(i for i, (_lo, hi, _l) in enumerate(buckets) if hi is None or value < hi)


def _raw(values, buckets):
    """The raw figures of ``values`` as the database gives them (see ``summarise``)."""
    ordered = sorted(values)
    n = len(ordered)
    counts = [0] * len(buckets)
    for v in values:
        counts[_bucket_index(v, buckets)] += 1
    return {
        "count": n,
        "low": ordered[(n - 1) // 2] if n else None,
        "high": ordered[n // 2] if n else None,
        "sum": sum(values) if n else None,
        "max": ordered[-1] if n else None,
        "buckets": counts,
    }


def summarise(qs, measures, *, by=(), flags=None, events=None):
    """Per group of ``by`` (fields or expressions, by name) and for all rows together (group ``None``):
    ``{"rows": n, "flags": {name: n}, key: {"count", "low", "high", "sum", "max", "buckets"}}`` for each
    ``key: (start, end, seconds per unit, buckets)`` of ``measures``; ``low``/``high``: the two middle
    values (equal when the count is odd). ``flags``: {name: Q}, rows counted where it holds. ``events``
    (incidents only): {name: (timeline move, "min" or "max")}, the time of the first or last such move,
    usable as a start or an end. One query."""
    flags, events = flags or {}, events or {}
    if in_sql():
        return _summarise_sql(qs, measures, by, flags, events)
    return _summarise_rows(qs, measures, by, flags, events)


def _group_names(by):
    return [f"stat_g{i}" for i in range(len(by))]


def _annotated(qs, by, extra):
    groups = {name: F(e) if isinstance(e, str) else e for name, e in zip(_group_names(by), by, strict=True)}
    return qs.annotate(**groups, **extra)


def _flag_exprs(flags):
    return {f"stat_f_{k}": ExpressionWrapper(q, output_field=BooleanField()) for k, q in flags.items()}


def _with_events(qs, events):
    """The incidents with their first/last move times, read by a join on those moves of the timeline."""
    if not events:
        return qs
    moves = FilteredRelation(
        "timeline", condition=Q(timeline__data__move__in=sorted({m for m, _how in events.values()}))
    )
    how = {"min": Min, "max": Max}
    return qs.annotate(stat_moves=moves).annotate(
        **{
            name: how[agg]("stat_moves__at", filter=Q(stat_moves__data__move=move))
            for name, (move, agg) in events.items()
        }
    )


def _summarise_rows(qs, measures, by, flags, events):
    flag_exprs = _flag_exprs(flags)
    fields = sorted({f for a, b, _p, _bk in measures.values() for f in (a, b)})
    names = _group_names(by)
    qs = _annotated(_with_events(qs, events), by, flag_exprs)
    rows = qs.values_list(*names, *flag_exprs, *fields).order_by()
    values = defaultdict(lambda: defaultdict(list))
    counted = defaultdict(lambda: defaultdict(int))
    for row in rows:
        group = tuple(row[: len(names)])
        flag_values = row[len(names) : len(names) + len(flag_exprs)]
        got = dict(zip(fields, row[len(names) + len(flag_exprs) :], strict=True))
        for g in (group, None) if names else (None,):
            counted[g]["rows"] += 1
            for k, on in zip(flags, flag_values, strict=True):
                counted[g][k] += bool(on)
            for key, (a, b, per, _bk) in measures.items():
                v = elapsed(got[a], got[b], per)
                if v is not None:
                    values[g][key].append(v)
    out = {}
    for g in counted.keys() | {None}:
        out[g] = {"rows": counted[g]["rows"], "flags": {k: counted[g][k] for k in flags}}
        for key, (_a, _b, _p, buckets) in measures.items():
            out[g][key] = _raw(values[g][key], buckets)
    return out


def _aggregates(column, buckets):
    parts = [
        f"COUNT({column})",
        # The two middle values from one sort: percentile_disc(p) is the value at row ceil(p × n), so
        # 0.5 gives the lower middle and 0.5 + 1e-9 the upper one (the same row when n is odd).
        f"percentile_disc(ARRAY[0.5, {MIDDLE_HIGH!r}]::double precision[]) WITHIN GROUP (ORDER BY {column})",
        f"SUM({column})",
        f"MAX({column})",
    ]
    for lo, hi, _label in buckets:
        upper = f" AND {column} < {float(hi)!r}" if hi is not None else ""
        parts.append(f"COUNT(*) FILTER (WHERE {column} >= {float(lo)!r}{upper})")
    return parts


def _event_joins(events):
    """{name: SQL column}, [LEFT JOIN …]: per incident of the period (``t``), the time of its first or last
    such move, read from that move's partial index (``incidents.TimelineEvent.Meta.indexes``) for those
    incidents only: the planner probes the index per incident or scans it, whichever costs less."""
    table = connection.ops.quote_name(TimelineEvent._meta.db_table)
    refs, joins = {}, []
    for i, (name, (move, agg)) in enumerate(events.items()):
        if not MOVE_NAME.fullmatch(move) or agg not in ("min", "max"):
            raise ValueError(f"not a timeline move: {move!r} {agg!r}")
        refs[name] = f"e{i}.at"
        joins.append(
            f"LEFT JOIN (SELECT incident_id, {agg.upper()}(at) AS at FROM {table}"
            f" WHERE (data -> 'move') = '\"{move}\"'::jsonb AND incident_id IN (SELECT stat_id FROM t)"
            f" GROUP BY incident_id) AS e{i} ON e{i}.incident_id = t.stat_id"
        )
    return refs, joins


def _summarise_sql(qs, measures, by, flags, events):
    names = _group_names(by)
    flag_exprs = _flag_exprs(flags)
    fields = sorted({f for a, b, _p, _bk in measures.values() for f in (a, b)} - set(events))
    columns = {f"stat_c_{f}": F(f) for f in fields} | {"stat_id": F("pk")}
    inner = _annotated(qs, by, flag_exprs | columns).values(*names, *flag_exprs, *columns).order_by()
    sql, params = inner.query.sql_with_params()
    refs, joins = _event_joins(events)
    refs |= {f: f't."stat_c_{f}"' for f in fields}
    values = [f'{_elapsed_sql(refs[a], refs[b], per)} AS "v_{k}"' for k, (a, b, per, _bk) in measures.items()]
    carried = [f"t.{n}" for n in names] + [f't."{f}"' for f in flag_exprs]
    # OFFSET 0 keeps this a subquery: each time is computed once per row, not once per aggregate.
    rows_sql = f"WITH t AS ({sql}) SELECT {', '.join(carried + values)} FROM t {' '.join(joins)} OFFSET 0"
    select = [*(f"x.{n}" for n in names), "COUNT(*)"]
    select += [f'COUNT(*) FILTER (WHERE x."stat_f_{k}")' for k in flags]
    for key, (_a, _b, _p, buckets) in measures.items():
        select += _aggregates(f'x."v_{key}"', buckets)
    group = ""
    if names:
        select.append(f"GROUPING({', '.join(f'x.{n}' for n in names)})")
        group = f" GROUP BY GROUPING SETS (({', '.join(f'x.{n}' for n in names)}), ())"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(select)} FROM ({rows_sql}) AS x{group}", params)
        rows = cursor.fetchall()
    out = {}
    for row in rows:
        row = list(row)
        overall = row.pop() if names else 1
        group = tuple(row[: len(names)])
        out[None if overall else group] = _entry(row[len(names) :], measures, flags)
    if None not in out:  # no rows at all: PostgreSQL still answers the grand total (count 0)
        out[None] = _empty(measures, flags)
    return out


def _entry(figures, measures, flags):
    """One group's row of the query above, as ``summarise`` gives it."""
    entry = {"rows": figures[0], "flags": dict(zip(flags, figures[1 : 1 + len(flags)], strict=True))}
    i = 1 + len(flags)
    for key, (_a, _b, _p, buckets) in measures.items():
        count, middle, total, most = figures[i : i + 4]
        low, high = middle or (None, None)
        entry[key] = {
            "count": count,
            "low": low,
            "high": high,
            "sum": total,
            "max": most,
            "buckets": list(figures[i + 4 : i + 4 + len(buckets)]),
        }
        i += 4 + len(buckets)
    return entry


def _empty(measures, flags):
    entry = {"rows": 0, "flags": dict.fromkeys(flags, 0)}
    for key, (_a, _b, _p, buckets) in measures.items():
        entry[key] = _raw([], buckets)
    return entry


def median(raw):
    """The median of a measure's raw figures, to one decimal (None without values)."""
    return round((raw["low"] + raw["high"]) / 2, 1) if raw["count"] else None


def mean(raw):
    return round(raw["sum"] / raw["count"], 1) if raw["count"] else None


def longest(raw):
    return round(raw["max"], 1) if raw["count"] else None


# ---- the response levels used (§5.3) -------------------------------------------------------------------

CHANGE = "NOT activates AND COALESCE(from_level, 0) <> 0 AND from_level <> to_level"  # an adjustment


def level_counts(events, incidents):
    """From the level moves of the incidents (``events``: values incident_id, activates (启动 rather than
    调整), from_level, to_level, at, id; ``incidents``: values id, the same incidents): (Counter of the level
    each response was first started at, Counter of the incidents that reached each level, Counter of their
    highest level, Counter of the adjustments (from, to), incidents with a response, incidents adjusted).
    One query; in PostgreSQL the moves are read from their partial indexes alone (index-only)."""
    if in_sql():
        return _level_counts_sql(incidents)
    return _level_counts_rows(events)


def _level_counts_rows(events):
    first, reached, changes, adjusted = {}, defaultdict(set), Counter(), set()
    for e in events.order_by("incident_id", "at", "id"):
        if e["activates"]:
            first.setdefault(e["incident_id"], e["to_level"])
        elif e["from_level"] and e["from_level"] != e["to_level"]:
            changes[(e["from_level"], e["to_level"])] += 1
            adjusted.add(e["incident_id"])
        reached[e["incident_id"]].add(e["to_level"])
    return (
        Counter(first.values()),
        Counter(lv for levels in reached.values() for lv in levels),
        Counter(min(levels) for levels in reached.values()),
        changes,
        len(reached),
        len(adjusted),
    )


def _level_moves_sql(incidents):
    """The level moves of ``incidents`` as ``level_counts`` reads them, each move from its own partial
    index, which holds every column read here (``incidents.TimelineEvent.Meta.indexes``)."""
    table = connection.ops.quote_name(TimelineEvent._meta.db_table)
    sql, params = incidents.order_by().query.sql_with_params()
    moves = """SELECT incident_id, {activates} AS activates, {from_level} AS from_level, to_level, at, id
        FROM {table} WHERE (data -> 'move') = '"{move}"'::jsonb AND to_level IS NOT NULL"""
    union = " UNION ALL ".join(
        moves.format(activates=a, from_level=f, table=table, move=m)
        for a, f, m in (("TRUE", "NULL::smallint", "activate"), ("FALSE", "from_level", "change_level"))
    )
    return f"SELECT m.* FROM ({union}) AS m WHERE m.incident_id IN ({sql})", params


def _level_counts_sql(incidents):
    sql, params = _level_moves_sql(incidents)
    query = f"""WITH ev AS ({sql})
        SELECT 'first', to_level, NULL::smallint, COUNT(*) FROM (
            SELECT DISTINCT ON (incident_id) incident_id, to_level FROM ev WHERE activates
            ORDER BY incident_id, at, id) AS f GROUP BY to_level
        UNION ALL SELECT 'reached', to_level, NULL, COUNT(DISTINCT incident_id) FROM ev GROUP BY to_level
        UNION ALL SELECT 'highest', h, NULL, COUNT(*) FROM (
            SELECT MIN(to_level) AS h FROM ev GROUP BY incident_id) AS m GROUP BY h
        UNION ALL SELECT 'change', from_level, to_level, COUNT(*) FROM ev WHERE {CHANGE}
            GROUP BY from_level, to_level
        UNION ALL SELECT 'responded', NULL, NULL, COUNT(DISTINCT incident_id) FROM ev
        UNION ALL SELECT 'adjusted', NULL, NULL, COUNT(DISTINCT incident_id) FROM ev WHERE {CHANGE}"""
    counters = {"first": Counter(), "reached": Counter(), "highest": Counter(), "change": Counter()}
    totals = {}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for kind, a, b, n in cursor.fetchall():
            if kind in ("responded", "adjusted"):
                totals[kind] = n
            else:
                counters[kind][(a, b) if kind == "change" else a] += n
    return (
        counters["first"],
        counters["reached"],
        counters["highest"],
        counters["change"],
        totals["responded"],
        totals["adjusted"],
    )
