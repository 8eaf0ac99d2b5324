"""The charts and statistics counted in SQL (issue 15): the 附件5 grade as a SQL CASE equals
``incidents.rules.grade_accident`` at every boundary; the database's medians equal the fallback computed
from the rows (SQLite, ``make run``); the number of queries stays the same as the data grows."""

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from command.dashboard import stats, stats_sql, stats_times
from incidents.choices import AccidentGrade
from incidents.plan_rules import RULES_2021
from incidents.rules import grade_accident

REASON = "测试：按预案研判决定"

# 附件5's boundaries ("以上"包括本数) and one below each; None: unknown.
DEATHS = (None, 0, 1, 2, 3, 9, 10, 29, 30)
INJURIES = (None, 0, 1, 9, 10, 49, 50, 99, 100)
YUAN = ("0.01", "9999999.99", "10000000", "49999999.99", "50000000", "99999999.99", "100000000")
LOSSES = (None, Decimal(0), *(Decimal(v) for v in YUAN))


def at(y, m, d, hour=0, minute=0, second=0, micro=0):
    return timezone.make_aware(datetime(y, m, d, hour, minute, second, micro))


@pytest.fixture
def template(make_incident):
    return make_incident(reported_at=at(2025, 1, 5, 8), occurred_at=at(2025, 1, 5, 7))


def _clones(template, figures, plan_version=None):
    """Incidents like ``template`` with the given (deaths, injuries, loss, pending bits) figures."""
    from incidents.models import Incident

    rows = []
    for deaths, injuries, loss, bits in figures:
        inc = Incident(
            **{
                f.attname: getattr(template, f.attname)
                for f in Incident._meta.concrete_fields
                if not f.primary_key
            }
        )
        inc.deaths, inc.serious_injuries, inc.direct_loss_yuan = deaths, injuries, loss
        inc.deaths_pending = bool(bits & 1) and deaths is not None
        inc.serious_injuries_pending = bool(bits & 2) and injuries is not None
        inc.direct_loss_pending = bool(bits & 4) and loss is not None
        if plan_version:
            inc.plan_version = plan_version
        rows.append(inc)
    return Incident.objects.bulk_create(rows)


def _every_boundary():
    combos = list(itertools.product(DEATHS, INJURIES, LOSSES))
    # each combination verified, and again with a pattern of 待核定 figures (every pattern used)
    return [(*c, 0) for c in combos] + [(*c, 1 + i % 7) for i, c in enumerate(combos)]


def _sql_grades(incidents):
    from incidents.models import Incident, PlanVersion

    versions = dict(PlanVersion.objects.values_list("pk", "rules"))
    return dict(
        Incident.objects.filter(pk__in=[i.pk for i in incidents])
        .annotate(sql_grade=stats_sql.grade_case(versions))
        .values_list("pk", "sql_grade")
    )


def test_the_sql_grade_is_grade_accident_at_every_boundary_of_annex_5(template):
    incidents = _clones(template, _every_boundary())
    got = _sql_grades(incidents)
    assert len(got) == len(incidents) == 2 * 9 * 9 * 9
    for inc in incidents:
        expected = grade_accident(**inc.verified_figures())  # 待核定 figures left out
        assert got[inc.pk] == (expected.value if expected else None), (
            inc.deaths,
            inc.serious_injuries,
            inc.direct_loss_yuan,
            inc.deaths_pending,
            inc.serious_injuries_pending,
            inc.direct_loss_pending,
        )
    assert {g for g in got.values()} == {None, *AccidentGrade.values}


def test_the_sql_grade_follows_each_plan_versions_thresholds(template):
    """A revised plan (§8.2) with other bands: each incident graded by the rules it was reported under."""
    import copy

    from incidents.models import PlanVersion

    rules = copy.deepcopy(RULES_2021)
    for band in rules["accident_grades"]:
        if band["grade"] == "larger":
            band["deaths"] = ["2", False]  # more than 2: 3 and up, 2 no longer
            band["direct_loss_yuan"] = ["5000000", True]
    revised = PlanVersion.objects.create(
        code="test-rev", doc_no="测试", title="测试修订", issued_on=timezone.localdate(), rules=rules
    )
    figures = [
        (d, i, loss, 0) for d, i, loss in itertools.product((2, 3), (None, 9), (None, Decimal("5000000")))
    ]
    old = _clones(template, figures)
    new = _clones(template, figures, plan_version=revised)
    got = _sql_grades(old + new)
    for inc in old + new:
        inc.refresh_from_db()
        expected = inc.grade()[0]
        assert got[inc.pk] == (expected.value if expected else None)
    assert {got[i.pk] for i in new if i.deaths == 2 and i.direct_loss_yuan} == {"larger"}
    assert {got[i.pk] for i in old if i.deaths == 2 and i.direct_loss_yuan} == {"general"}


def _grades_in_python(incidents):
    """The grades table as the Python code computed it before issue 15 (the reference)."""
    per = {g: [0, 0, 0, 0, Decimal(0)] for g in AccidentGrade.values}
    pending = 0
    for inc in incidents:
        figures = inc.verified_figures()
        grade = grade_accident(**figures, rules=inc.rules_data)
        if grade is None:
            pending += bool(inc.grade_provisional)
            continue
        row = per[grade]
        row[0] += 1
        row[1] += bool(inc.grade_provisional)
        row[2] += figures["deaths"] or 0
        row[3] += figures["serious_injuries"] or 0
        row[4] += figures["direct_loss_yuan"] or 0
    return per, pending


def test_the_grades_table_adds_up_exactly(template):
    incidents = _clones(template, _every_boundary())
    start, end = stats.period(at(2025, 1, 1).date(), at(2025, 1, 31).date())
    result = stats.grades(start, end)
    per, pending = _grades_in_python([template, *incidents])
    for row in result["grades"]:
        n, provisional, deaths, injuries, loss = per[row["grade"].value]
        assert (row["n"], row["provisional"], row["deaths"], row["serious_injuries"]) == (
            n,
            provisional,
            deaths,
            injuries,
        )
        assert isinstance(row["direct_loss_yuan"], Decimal) and row["direct_loss_yuan"] == loss  # exact
    assert result["pending"] == pending


# ---- the times: the database's figures and the fallback's are the same ---------------------------------


@pytest.fixture
def history(make_incident, people):
    """Incidents over two months with times to the microsecond, an event logged before the report, an
    unrestored outage, a drill; tasks to units, to a group, to a unit within a group, never signed."""
    from command.models import Assignment
    from incidents.models import Incident
    from orgchart.models import Unit, WorkingGroup

    units = list(Unit.objects.filter(kind="government").order_by("pk")[:3])
    group = WorkingGroup.objects.order_by("pk").first()

    def make(i):
        reported = at(
            2024, 12 if i % 2 else 1, 1 + i % 28, 8 + i % 9, 7 * i % 60, 13 * i % 60, 37_001 * i % 10**6
        )
        if reported.month == 1:
            reported = reported.replace(year=2025)
        inc = make_incident(reported_at=reported, occurred_at=reported - timedelta(hours=3), is_drill=i == 5)
        if i % 3 == 0 or i % 4 != 1:  # those activated (i % 3 == 0) were assessed first
            inc.start_assessment(people.office, now=reported + timedelta(minutes=3.3 * i - 4, microseconds=i))
        if i % 3 == 0:
            inc.activate(
                people.director, level=3, reason=REASON, now=reported + timedelta(minutes=41.7 * i + 1)
            )
        if i % 9 == 0:  # adjusted (§5.3.5): lowered, and some raised again
            lowered = reported + timedelta(minutes=41.7 * i + 6)
            inc.change_level(people.director, level=4, reason=REASON, now=lowered)
            if i % 18 == 0:
                inc.change_level(people.director, level=3, reason=REASON, now=lowered + timedelta(minutes=5))
        if i % 6 == 0:
            Incident.objects.filter(pk=inc.pk).update(hazards_controlled=True)  # §5.3.6
            inc.refresh_from_db()
            inc.end_response(people.director, reason=REASON, now=reported + timedelta(hours=1.9 * i + 2))
        started = reported - timedelta(minutes=17 * i + 1)
        restored = started + timedelta(hours=2.45 * i, seconds=i) if i % 5 != 4 else None
        Incident.objects.filter(pk=inc.pk).update(outage_started_at=started, restored_at=restored)
        for j in range(i % 4):
            unit = units[j % len(units)] if (i + j) % 3 else None
            Assignment.objects.create(
                incident=inc,
                kind="task",
                unit=unit,
                group=group if unit is None or j == 2 else None,
                title="测试",
                duties="测试",
                clause="附件2",
                level=3,
                created_at=reported,
                signed_at=reported + timedelta(minutes=7.9 * (i + j)) if (i + j) % 5 else None,
                state="signed" if (i + j) % 5 else "pending",
            )

    for i in range(14):
        make(i)
    return make


SELECTORS = (
    stats_times.response_stats,
    stats_times.response_intervals,
    stats_times.sign_for_speed,
    stats.levels_used,
)


def _all(start, end, drills):
    return {f.__name__: f(start, end, include_drills=drills) for f in SELECTORS}


@pytest.mark.parametrize("drills", [False, True])
def test_the_database_and_the_fallback_give_the_same_figures(history, monkeypatch, drills):
    start, end = stats.period(at(2024, 12, 1).date(), at(2025, 1, 31).date())
    assert stats_sql.in_sql()  # the suite runs on PostgreSQL
    in_database = _all(start, end, drills)
    monkeypatch.setattr(stats_sql, "in_sql", lambda: False)
    from_rows = _all(start, end, drills)
    assert in_database == from_rows
    times = in_database["response_intervals"]["intervals"]
    assert all(t["count"] for t in times)  # every measure had values to compare
    assert in_database["sign_for_speed"]["all"]["unsigned"] > 0
    assert in_database["levels_used"]["adjusted"] and in_database["levels_used"]["raises"]


def test_the_fallback_is_statistics_median(history, monkeypatch):
    """The fallback's median is ``statistics.median`` of the same values (the arithmetic of issue 10)."""
    from statistics import median

    from incidents.models import Incident

    start, end = stats.period(at(2024, 12, 1).date(), at(2025, 1, 31).date())
    monkeypatch.setattr(stats_sql, "in_sql", lambda: False)
    hours = [
        max((r - o).total_seconds(), 0) / 3600
        for o, r in Incident.objects.filter(
            reported_at__gte=start, reported_at__lt=end, is_drill=False, restored_at__isnull=False
        ).values_list("outage_started_at", "restored_at")
    ]
    outage = next(t for t in stats_times.response_intervals(start, end)["intervals"] if t["key"] == "outage")
    assert outage["median"] == round(median(hours), 1) and outage["count"] == len(hours)


def test_the_queries_do_not_grow_with_the_data(history, people):
    start, end = stats.period(at(2024, 12, 1).date(), at(2025, 1, 31).date())
    names = (
        *SELECTORS,
        stats.incident_counts,
        stats.by_category,
        stats.by_month,
        stats.grades,
        stats.reminders_sent,
    )

    def counts():
        out = {}
        for selector in names:
            with CaptureQueriesContext(connection) as ctx:
                selector(start, end)
            out[selector.__name__] = len(ctx.captured_queries)
        return out

    small = counts()
    for i in range(14, 40):
        history(i)
    assert counts() == small
    assert small == {
        "response_stats": 1,
        "response_intervals": 1,
        "sign_for_speed": 1,
        "incident_counts": 3,
        "by_category": 1,
        "by_month": 1,
        "levels_used": 1,
        "grades": 2,
        "reminders_sent": 2,
    }
