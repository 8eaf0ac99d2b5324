"""The charts of the times of the response (issue 8): report → assessment, report → activation and
restoration, as histograms and monthly medians, over a chosen period, drills excluded; the selectors'
constant query count; the period form's messages for a date it cannot read.

The data set has known answers: incidents reported at fixed times in two consecutive months (A and B,
three months back), with their first 启动研判 / 启动响应 at known minutes after the report and their outage
lasting known hours; a drill and an incident of the month before A, which must not count.
"""

import html
import json
import re
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from command.dashboard import stats, stats_times
from command.dashboard.charts import chart_period
from incidents.choices import Category

REASON = "测试：按预案研判决定"


def _month_start(day, back):
    y, m = day.year, day.month - back
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


@pytest.fixture
def months():
    """(first day of A, first day of B, last day of B): A is three months back, B the month after."""
    a = _month_start(timezone.localdate(), 3)
    b = _month_start(timezone.localdate(), 2)
    c = _month_start(timezone.localdate(), 1)
    return a, b, c - timedelta(days=1)


def at(day, hour=10, minute=0):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def timed(make_incident, people):
    """timed(reported, assess=min, activate=min, outage=(h before report, h restored after start))."""
    from incidents.models import Incident

    def make(reported, *, assess=None, activate=None, outage=None, **fields):
        incident = make_incident(reported_at=reported, occurred_at=reported - timedelta(hours=1), **fields)
        if assess is not None:
            incident.start_assessment(people.office, now=reported + timedelta(minutes=assess))
        if activate is not None:
            incident.activate(
                people.director, level=3, reason=REASON, now=reported + timedelta(minutes=activate)
            )
        if outage is not None:
            before, hours = outage
            started = reported - timedelta(hours=before)
            Incident.objects.filter(pk=incident.pk).update(
                outage_started_at=started, restored_at=started + timedelta(hours=hours)
            )
        return incident

    return make


@pytest.fixture
def known(timed, months):
    """The data set with known answers (see the module's docstring); returns the period (start, end)."""
    a, b, last = months
    a2, b3 = a + timedelta(days=2), b + timedelta(days=3)
    timed(at(a2, 9), assess=10, activate=50, outage=(2, 5))
    timed(at(a2, 11), assess=20, activate=100, outage=(1, 30))
    timed(at(a2, 15), assess=45)
    timed(at(b3, 8), assess=5, activate=300, outage=(3, 80))
    timed(at(b3, 14), assess=200, activate=250, outage=(0, 12))  # 12 h: the 12–24 bucket
    timed(at(last, 23, 30), outage=(5, 24))  # the last day is included; 24 h is "24 小时及以上" (附件4)
    # not counted: a drill, and an incident reported the day before the period
    timed(at(b3, 9), assess=1, activate=2, outage=(1, 100), is_drill=True)
    timed(at(a - timedelta(days=1), 12), assess=1, activate=1, outage=(1, 1))
    return stats.period(a, last)


def test_the_period_is_whole_days_both_included(months):
    a, _b, last = months
    start, end = stats.period(a, last)
    assert timezone.localtime(start) == at(a, 0) and timezone.localtime(end) == at(
        last + timedelta(days=1), 0
    )
    assert stats.months(start, end) == [f"{a:%Y-%m}", f"{last:%Y-%m}"]
    default_start, default_end = stats.period()
    assert timezone.localtime(default_end).date() == timezone.localdate() + timedelta(days=1)
    assert (default_end - default_start).days == 366


def test_report_to_assessment_buckets_medians_and_months(known):
    figures = stats_times.response_stats(*known)
    m = figures["to_assessment_min"]
    assert (m["median"], m["count"]) == (20.0, 5)  # 5, 10, 20, 45, 200 minutes
    assert [n for _label, n in m["buckets"]] == [2, 1, 1, 0, 1, 0]
    assert [str(label) for label, _n in m["buckets"]] == [
        "<15 分钟",
        "15–30 分钟",
        "30–60 分钟",
        "1–2 小时",
        "2–4 小时",
        "≥4 小时",
    ]
    assert [(med, n) for _m, med, n in m["months"]] == [(20.0, 3), (102.5, 2)]


def test_report_to_activation_buckets_medians_and_months(known):
    m = stats_times.response_stats(*known)["to_activation_min"]
    assert (m["median"], m["count"]) == (175.0, 4)  # 50, 100, 250, 300 minutes
    assert [n for _label, n in m["buckets"]] == [0, 0, 1, 1, 0, 2]
    assert [(med, n) for _m, med, n in m["months"]] == [(75.0, 2), (275.0, 2)]


def test_restoration_buckets_with_24_hours_as_a_boundary(known):
    m = stats_times.response_stats(*known)["restoration_h"]
    assert (m["median"], m["count"]) == (24.0, 5)  # 5, 12, 24, 30, 80 hours
    assert [n for _label, n in m["buckets"]] == [1, 0, 1, 2, 0, 1]
    assert [str(label) for label, _n in m["buckets"]][3] == "24–48 小时"  # 24 h exactly: 附件4's side
    assert [(med, n) for _m, med, n in m["months"]] == [(17.5, 2), (24.0, 3)]


def test_response_times_keeps_its_shape(known):
    assert _medians(*known) == {
        "to_assessment_min": (20.0, 5),
        "to_activation_min": (175.0, 4),
        "restoration_h": (24.0, 5),
    }


def test_drills_are_excluded_everywhere(known, months):
    a, b, _last = months
    assert dict(stats.by_category(*known))[Category.HEAT_SOURCE_PIPELINE.label] == 6
    assert stats.by_month(*known) == [(f"{a:%Y-%m}", 3, 2), (f"{b:%Y-%m}", 3, 2)]
    figures = stats_times.response_stats(*known)
    # with the drill (1 and 2 minutes, 100 hours) these would be 3, 1 and 2
    assert figures["to_assessment_min"]["buckets"][0][1] == 2
    assert figures["to_activation_min"]["buckets"][0][1] == 0
    assert figures["restoration_h"]["buckets"][-1][1] == 1


def test_the_period_filters_on_the_time_of_report(known, months):
    _a, b, last = months
    times = _medians(*stats.period(b, last))  # month B only
    assert times == {
        "to_assessment_min": (102.5, 2),
        "to_activation_min": (275.0, 2),
        "restoration_h": (24.0, 3),
    }
    # the day after the period: nothing
    empty = stats_times.response_stats(*stats.period(last + timedelta(days=1), last + timedelta(days=2)))
    assert empty["restoration_h"]["median"] is None and empty["restoration_h"]["count"] == 0
    assert [n for _l, n in empty["restoration_h"]["buckets"]] == [0] * 6


def test_the_page_shows_medians_counts_and_charts(client, people, known, months):
    a, _b, last = months
    client.force_login(people.director)
    page = client.get(f"/command/charts/?from={a:%Y-%m-%d}&to={last:%Y-%m-%d}").content.decode()
    assert re.search(r'data-testid="median-to_assessment_min">20\.0 分钟<', page)
    assert re.search(r'data-testid="count-to_activation_min">4<', page)
    assert re.search(r'data-testid="median-restoration_h">24\.0 小时<', page)
    assert 'data-testid="bucket-restoration_h-3">24–48 小时：2<' in page
    assert "附件4" in page
    configs = {
        name: json.loads(html.unescape(raw))
        for raw, name in re.findall(r'data-yc-chart="([^"]*)" data-testid="chart-([\w-]+)"', page)
    }
    histogram = configs["restoration_h-histogram"]
    assert histogram["type"] == "bar" and histogram["stack"] is True
    assert histogram["series"][0]["data"] == [1, 0, 1, None, None, None]
    assert histogram["series"][1]["data"] == [None, None, None, 2, 0, 1]
    assert "附件4" in histogram["series"][1]["name"]
    trend = configs["to_activation_min-months"]
    assert trend["type"] == "line" and trend["categories"] == [f"{a:%Y-%m}", f"{last:%Y-%m}"]
    assert trend["series"][0]["data"] == [75.0, 275.0] and trend["unit"] == "分钟"
    assert configs["to_assessment_min-histogram"]["series"][0]["data"] == [2, 1, 1, 0, 1, 0]
    assert f'value="{a:%Y-%m-%d}"' in page and f'value="{last:%Y-%m-%d}"' in page


def _charts_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_a_constant_number_of_queries_whatever_the_data(client, people, timed, months):
    a, _b, last = months
    url = f"/command/charts/?from={a:%Y-%m-%d}&to={last:%Y-%m-%d}"
    client.force_login(people.director)
    timed(at(a, 9), assess=10, activate=50, outage=(2, 5))
    start, end = stats.period(a, last)
    with CaptureQueriesContext(connection) as ctx:
        stats_times.response_stats(start, end)
    assert len(ctx.captured_queries) == 1
    small = _charts_queries(client, url)
    for i in range(12):
        timed(
            at(a + timedelta(days=i % 20), 8 + i % 10), assess=5 + i, activate=30 + 20 * i, outage=(1, 3 * i)
        )
    large = _charts_queries(client, url)
    assert len(large) == len(small)
    figures = [q for q in large if "incidents_incident" in q]
    assert len(figures) == 3, figures  # by category, by month, the times


@pytest.mark.parametrize("value", ["2025-13-40", "昨天", "0001-01-01"])
def test_a_date_it_cannot_read_says_so_and_keeps_the_default(client, people, value):
    client.force_login(people.director)
    response = client.get("/command/charts/", {"from": value})
    page = response.content.decode()
    assert response.status_code == 200
    assert "起始日期格式不正确" in page and 'role="alert"' in page
    assert 'aria-invalid="true"' in page
    default_first = timezone.localdate() - timedelta(days=365)
    assert f'value="{default_first:%Y-%m-%d}"' in page
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page


def test_a_start_after_the_end_says_so():
    first, last, errors = chart_period({"from": "2025-03-01", "to": "2025-02-01"}, today=date(2025, 12, 1))
    assert (first, last) == (date(2024, 12, 1), date(2025, 12, 1))
    assert [name for name, _msg in errors] == ["from"] and "起始日期晚于结束日期" in str(errors[0][1])


def test_a_good_period_has_no_message(client, people):
    first, last, errors = chart_period({"from": "2025-01-01", "to": "2025-02-28"})
    assert (first, last, errors) == (date(2025, 1, 1), date(2025, 2, 28), [])
    first, last, errors = chart_period({"to": "2025-02-28", "from": ""})
    assert (first, last, errors) == (date(2024, 2, 29), date(2025, 2, 28), [])
    client.force_login(people.director)
    page = client.get("/command/charts/", {"from": "2025-01-01", "to": "2025-02-28"}).content.decode()
    assert "格式不正确" not in page and 'value="2025-01-01"' in page and 'value="2025-02-28"' in page


def _medians(start, end):
    """(median, count) of each of the three times (what the removed ``response_times`` returned)."""
    figures = stats_times.response_stats(start, end)
    return {key: (figures[key]["median"], figures[key]["count"]) for key, _unit, _b in stats.TIME_MEASURES}
