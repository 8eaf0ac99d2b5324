"""The statistics page and its exports (issue 10), against a data set with known answers.

The period is December 2024 and January 2025 (both whole months, by the time of report). In it, four real
incidents and a drill; one incident the day before and one the day after, which never count:

====  ================  =====================  ===============  ================  =======================
      reported           category / county      area / company   levels            times after the report
====  ================  =====================  ===============  ================  =======================
A     2024-12-10 09:00   1.5.1 盐湖区            建成区 / demo-1    Ⅳ → Ⅲ (raised)    研判 10 min, 启动 40 min,
                                                                                   结束 10 h; outage 30 h
B     2024-12-20 14:00   1.5.3 永济市            +测试 / =1+2 …    Ⅲ → Ⅱ → Ⅲ         研判 30, 启动 90 min,
                                                                                   结束 30 h; outage 12 h
C     2025-01-05 08:00   1.5.1 盐湖区            建成区 / none      —                 研判 5 min; outage not
                                                                                   restored (began 2 h before)
D     2025-01-20 23:30   1.5.6 运城开发区        建成区 / demo-1    Ⅳ                 研判 65, 启动 120 min,
                                                                                   结束 5 h; outage 5 h
E     2025-01-10 10:00   drill, 1.5.1 盐湖区     建成区 / none      Ⅲ                 研判 1, 启动 2 min; 100 h
====  ================  =====================  ===============  ================  =======================

Accident figures (附件5): A 1 death (一般); B 12 serious injuries and 2,000 万元 (较大); C 2 deaths 待核定 (no
grade yet); D 1 serious injury and a loss 待核定 (一般, provisional); the drill 5 deaths (较大, not counted).
Tasks: A two to 市住建局 signed in 10 and 30 minutes; B one to 市应急局 signed in 95 minutes and the
综合协调组's assignment signed in 5; D one to 市应急局 never signed; the drill's and the outside incident's
don't count. Reminders and deliveries: see ``reminders``.
"""

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from command.dashboard import stats, stats_times
from command.dashboard.tables import safe_text

REASON = "测试：按预案研判决定"
FIRST, LAST = date(2024, 12, 1), date(2025, 1, 31)
QUERY = {"from": "2024-12-01", "to": "2025-01-31"}
URL = "/command/statistics/"
XLSX = "/command/statistics/export.xlsx"
CSV = "/command/statistics/export.csv"
EVIL = "=1+2 恶意热力公司"
AREA = "+测试供热服务区"


def at(y, m, d, hour=0, minute=0):
    return timezone.make_aware(datetime(y, m, d, hour, minute))


@pytest.fixture
def period():
    return stats.period(FIRST, LAST)


@pytest.fixture
def known(make_incident, people):
    """The data set of the module's docstring; returns the incidents by letter."""
    from incidents.models import Incident
    from orgchart.models import County, ServiceArea, Unit

    county = {c.code: c for c in County.objects.all()}
    demo_1 = Unit.objects.get(code="demo-heat-1")
    evil = Unit.objects.create(
        code="test-evil",
        name=EVIL,
        kind="enterprise",
        parent=Unit.objects.get(code="heating_companies"),
        company_type="heating",
    )
    area = ServiceArea.objects.create(code="test-area", name=AREA, heated_area_m2=1_000_000)
    area.counties.set(County.objects.all())  # it must cover the incidents' counties (附件4(1), reading)

    def incident(reported, *, moves=(), outage=None, **fields):
        """moves: (move, minutes after the report, actor, level); outage: (h before report, h or None)."""
        inc = make_incident(reported_at=reported, occurred_at=reported - timedelta(hours=1), **fields)
        for move, minutes, actor, level in moves:
            when = reported + timedelta(minutes=minutes)
            if move == "start_assessment":
                inc.start_assessment(actor, now=when)
            elif move == "end_response":
                Incident.objects.filter(pk=inc.pk).update(hazards_controlled=True)
                inc.refresh_from_db()
                inc.end_response(actor, reason=REASON, now=when)
            else:
                getattr(inc, move)(actor, level=level, reason=REASON, now=when)
        if outage:
            before, hours = outage
            started = reported - timedelta(hours=before)
            Incident.objects.filter(pk=inc.pk).update(
                outage_started_at=started,
                restored_at=started + timedelta(hours=hours) if hours is not None else None,
            )
        inc.refresh_from_db()
        return inc

    office, director, commander = people.office, people.director, people.commander
    data = {
        "A": incident(
            at(2024, 12, 10, 9),
            county=county["yanhu"],
            company=demo_1,
            deaths=1,
            moves=[
                ("start_assessment", 10, office, None),
                ("activate", 40, director, 4),
                ("change_level", 100, director, 3),
                ("end_response", 600, director, None),
            ],
            outage=(1, 30),
        ),
        "B": incident(
            at(2024, 12, 20, 14),
            category="equipment_failure",
            county=county["yongji"],
            service_area=area,
            company=evil,
            serious_injuries=12,
            direct_loss_yuan=Decimal("20000000"),
            moves=[
                ("start_assessment", 30, office, None),
                ("activate", 90, director, 3),
                ("change_level", 180, commander, 2),
                ("change_level", 1200, commander, 3),
                ("end_response", 1800, director, None),
            ],
            outage=(0, 12),
        ),
        "C": incident(
            at(2025, 1, 5, 8),
            county=county["yanhu"],
            deaths=2,
            deaths_pending=True,
            moves=[("start_assessment", 5, office, None)],
            outage=(2, None),
        ),
        "D": incident(
            at(2025, 1, 20, 23, 30),
            category="extreme_cold",
            county=county["kaifaqu"],
            company=demo_1,
            serious_injuries=1,
            direct_loss_yuan=Decimal("5000000"),
            direct_loss_pending=True,
            moves=[
                ("start_assessment", 65, office, None),
                ("activate", 120, director, 4),
                ("end_response", 300, director, None),
            ],
            outage=(3, 5),
        ),
        "E": incident(
            at(2025, 1, 10, 10),
            county=county["yanhu"],
            is_drill=True,
            deaths=5,
            moves=[("start_assessment", 1, office, None), ("activate", 2, director, 3)],
            outage=(1, 100),
        ),
        "before": incident(
            at(2024, 11, 30, 23),
            category="other",
            county=county["hejin"],
            moves=[("start_assessment", 1, office, None), ("activate", 3, director, 4)],
            outage=(1, 50),
        ),
        "after": incident(at(2025, 2, 1, 0, 30), category="other", county=county["hejin"]),
    }
    return data


@pytest.fixture
def tasks(known):
    """The tasks of the module's docstring."""
    from command.models import Assignment
    from orgchart.models import Unit, WorkingGroup

    housing = Unit.objects.get(code="housing")
    emergency = Unit.objects.get(code="emergency")
    coordination = WorkingGroup.objects.get(code="coordination")

    def task(letter, minutes, *, unit=None, group=None, kind="task"):
        inc = known[letter]
        created = inc.reported_at + timedelta(hours=1)
        return Assignment.objects.create(
            incident=inc,
            kind=kind,
            unit=unit,
            group=group,
            title="测试任务",
            duties="测试",
            clause="附件2",
            level=inc.level or 4,
            created_at=created,
            signed_at=created + timedelta(minutes=minutes) if minutes is not None else None,
            state="signed" if minutes is not None else "pending",
        )

    task("A", 10, unit=housing)
    task("A", 30, unit=housing)
    task("B", 95, unit=emergency)
    task("B", 5, group=coordination, kind="assignment")
    task("D", None, unit=emergency)
    task("E", 1, unit=housing)  # the drill
    task("before", 500, unit=housing)  # outside the period


@pytest.fixture
def reminders(known, people):
    """Reminders: A task_unsigned sent (in-app and SMS sent to office); B task_unsigned sent (in-app sent,
    SMS failed, email pending to director); C report_unassessed cancelled and hours_24 scheduled; a
    level_request about no incident due in the period, sent in-app to commander; one due after it; the
    drill's calldown sent in-app to office."""
    from command.models import Delivery, Reminder

    def reminder(kind, letter, state, due, step="s"):
        inc = known.get(letter)
        return Reminder.objects.create(
            kind=kind,
            subject=f"test:{letter}",
            step=step,
            incident=inc,
            due_at=due,
            state=state,
            title="测试提醒",
            sent_at=due if state == "sent" else None,
        )

    def deliver(r, user, channel, state):
        Delivery.objects.create(
            reminder=r, recipient=user, channel=channel, key=f"r{r.pk}-{user.pk}-{channel}", state=state
        )

    a = reminder("task_unsigned", "A", "sent", at(2024, 12, 10, 11))
    deliver(a, people.office, "in_app", "sent")
    deliver(a, people.office, "sms", "sent")
    b = reminder("task_unsigned", "B", "sent", at(2024, 12, 20, 16))
    deliver(b, people.director, "in_app", "sent")
    deliver(b, people.director, "sms", "failed")
    deliver(b, people.director, "email", "pending")
    reminder("report_unassessed", "C", "cancelled", at(2025, 1, 5, 9))
    reminder("hours_24", "C", "scheduled", at(2025, 1, 6, 6))
    loose = reminder("level_request", None, "sent", at(2025, 1, 15, 12))
    deliver(loose, people.commander, "in_app", "sent")
    reminder("level_request", None, "sent", at(2025, 2, 2, 12), step="late")
    drill = reminder("calldown", "E", "sent", at(2025, 1, 10, 11))
    deliver(drill, people.office, "in_app", "sent")


def counts(rows, key):
    return {str(r[key]): (r["n"], r["responses"], r["long_outages"]) for r in rows}


# ---- the selectors ----------------------------------------------------------------------------------


def test_incidents_per_year_with_drills_counted_apart(known, period):
    assert stats.by_year(*period) == [
        {"year": 2024, "n": 2, "responses": 2, "long_outages": 1, "drills": 0},
        {"year": 2025, "n": 2, "responses": 1, "long_outages": 1, "drills": 1},  # C: not restored, > 24 h
    ]


def test_incidents_per_category_county_area_and_company(known, period):
    cats = {
        r["category"]: (r["n"], r["responses"], r["long_outages"]) for r in stats.category_counts(*period)
    }
    assert cats == {
        "heat_source_pipeline": (2, 1, 2),
        "sabotage_fire_disaster": (0, 0, 0),
        "equipment_failure": (1, 1, 0),
        "enterprise_shutdown": (0, 0, 0),
        "supply_shortage": (0, 0, 0),
        "extreme_cold": (1, 1, 0),
        "other": (0, 0, 0),
    }
    counties = {
        str(r["county"]): (r["n"], r["responses"], r["long_outages"]) for r in stats.by_county(*period)
    }
    assert len(counties) == 14 and counties["盐湖区"] == (2, 1, 2)
    assert (
        counties["永济市"] == (1, 1, 0)
        and counties["运城开发区"] == (1, 1, 0)
        and counties["河津市"] == (0, 0, 0)
    )
    areas = counts(stats.by_service_area(*period), "area")
    assert {k: v for k, v in areas.items() if v != (0, 0, 0)} == {
        "运城市城市建成区": (3, 2, 2),
        AREA: (1, 1, 0),
    }
    assert areas["永济市供热管网"] == (0, 0, 0)  # each county's own network is listed (附件4(1), reading)
    companies = stats.by_company(*period)
    assert [(r["name"], r["n"], r["responses"], r["long_outages"]) for r in companies] == [
        ("运城市演示热力有限公司（演示）", 2, 2, 1),
        (EVIL, 1, 1, 0),
        (None, 1, 0, 1),
    ]


def test_levels_used_and_their_adjustments(known, period):
    levels = stats.levels_used(*period)
    rows = {
        int(r["level"]): (r["first"], r["reached"], r["highest"], r["raised_to"], r["lowered_to"])
        for r in levels["levels"]
    }
    assert rows == {1: (0, 0, 0, 0, 0), 2: (0, 1, 1, 1, 0), 3: (1, 2, 1, 1, 1), 4: (2, 2, 1, 0, 0)}
    assert (levels["responded"], levels["adjusted"], levels["raises"], levels["lowers"]) == (3, 2, 2, 1)
    assert [(int(a), int(b), n) for a, b, n in levels["changes"]] == [(2, 3, 1), (3, 2, 1), (4, 3, 1)]


def test_accident_grades_from_the_verified_figures(known, period):
    result = stats.grades(*period)
    rows = {g["grade"].value: g for g in result["grades"]}
    assert [g["grade"].value for g in result["grades"]] == ["extraordinary", "major", "larger", "general"]
    assert rows["larger"] | {"grade": None} == {
        "grade": None,
        "n": 1,
        "provisional": 0,
        "deaths": 0,
        "serious_injuries": 12,
        "direct_loss_yuan": Decimal("20000000"),
    }
    general = rows["general"]
    assert (general["n"], general["provisional"], general["deaths"], general["serious_injuries"]) == (
        2,
        1,
        1,
        1,
    )
    assert general["direct_loss_yuan"] == 0  # D's loss is 待核定: left out
    assert rows["major"]["n"] == rows["extraordinary"]["n"] == 0
    assert result["pending"] == 1  # C: deaths 待核定, no grade yet


def test_the_times_report_assessment_activation_end_and_outage(known, period):
    result = stats_times.response_intervals(*period)
    got = {i["key"]: (i["count"], i["median"], i["mean"], i["max"]) for i in result["intervals"]}
    assert got == {
        "report_to_assessment": (4, 20.0, 27.5, 65.0),  # 5, 10, 30, 65 minutes
        "assessment_to_activation": (3, 55.0, 48.3, 60.0),  # 30, 60, 55
        "report_to_activation": (3, 90.0, 83.3, 120.0),  # 40, 90, 120
        "activation_to_end": (3, 9.3, 13.6, 28.5),  # 9 h 20 min, 28.5 h, 3 h
        "outage": (3, 12.0, 15.7, 30.0),  # 30, 12, 5 hours
    }
    buckets = {i["key"]: [n for _l, n in i["buckets"]] for i in result["intervals"]}
    assert buckets["report_to_assessment"] == [2, 0, 1, 1, 0, 0]
    assert buckets["outage"] == [1, 0, 1, 1, 0, 0]  # 30 h: 24–48, 附件4's side
    assert result["outage"] == {"restored": 3, "unrestored": 1, "hours": 47.0, "long": 1}


def test_reminders_by_kind_and_channel(reminders, period):
    result = stats.reminders_sent(*period)
    kinds = {r["kind"]: (r["sent"], r["cancelled"], r["scheduled"]) for r in result["kinds"]}
    assert kinds["task_unsigned"] == (2, 0, 0)
    assert kinds["report_unassessed"] == (0, 1, 0)
    assert kinds["hours_24"] == (0, 0, 1)
    assert kinds["level_request"] == (1, 0, 0)  # about no incident: by its due time
    assert kinds["calldown"] == (0, 0, 0)  # the drill's
    assert result["kinds"][0]["kind"] == "report_unassessed"  # reminders.KINDS' order
    channels = {
        r["channel"]: (r["total"], r["sent"], r["failed"], r["open"], r["people"]) for r in result["channels"]
    }
    assert channels == {
        "in_app": (3, 3, 0, 0, 3),
        "sms": (2, 1, 1, 0, 2),
        "email": (1, 0, 0, 1, 1),
        "wecom": (0, 0, 0, 0, 0),
    }


def test_how_fast_tasks_were_signed_for(tasks, period):
    result = stats_times.sign_for_speed(*period)
    every = result["all"]
    assert (every["total"], every["signed"], every["unsigned"]) == (5, 4, 1)
    assert (every["median"], every["mean"], every["max"]) == (20.0, 35.0, 95.0)  # 5, 10, 30, 95 minutes
    assert [n for _l, n in every["buckets"]] == [2, 0, 1, 1, 0, 0]
    assert [
        (t["name"], t["kind"], t["total"], t["signed"], t["unsigned"], t["median"], t["max"])
        for t in result["targets"]
    ] == [
        ("市应急局", "unit", 2, 1, 1, 95.0, 95.0),  # the slowest first
        ("市住建局", "unit", 2, 2, 0, 20.0, 30.0),
        ("综合协调组", "group", 1, 1, 0, 5.0, 5.0),
    ]


def test_drills_are_counted_when_asked(known, tasks, reminders, period):
    with_drills = {"include_drills": True}
    years = stats.by_year(*period, **with_drills)
    assert years[1] == {"year": 2025, "n": 3, "responses": 2, "long_outages": 2, "drills": 1}
    levels = {int(r["level"]): r["first"] for r in stats.levels_used(*period, **with_drills)["levels"]}
    assert levels[3] == 2
    assert stats.grades(*period, **with_drills)["grades"][2]["n"] == 2  # 较大: B and the drill
    times = {
        i["key"]: i["count"] for i in stats_times.response_intervals(*period, **with_drills)["intervals"]
    }
    assert times["report_to_assessment"] == 5 and times["outage"] == 4
    assert stats_times.sign_for_speed(*period, **with_drills)["all"]["total"] == 6
    kinds = {r["kind"]: r["sent"] for r in stats.reminders_sent(*period, **with_drills)["kinds"]}
    assert kinds["calldown"] == 1
    # the dashboard's chart selectors take the option too, their default unchanged
    assert (
        dict(stats.by_category(*period))["1.5.1 突发性供热热源重大安全事件、供热管线破裂造成的停热事件"] == 2
    )
    assert (
        dict(stats.by_category(*period, **with_drills))[
            "1.5.1 突发性供热热源重大安全事件、供热管线破裂造成的停热事件"
        ]
        == 3
    )
    assert stats_times.response_stats(*period)["to_assessment_min"]["count"] == 4
    assert stats_times.response_stats(*period, **with_drills)["to_assessment_min"]["count"] == 5


def test_the_period_filters_on_the_time_of_report(known, tasks, period):
    january = stats.period(date(2025, 1, 1), date(2025, 1, 31))
    assert [(y["year"], y["n"]) for y in stats.by_year(*january)] == [(2025, 2)]
    assert stats_times.sign_for_speed(*january)["all"]["total"] == 1  # D's, unsigned
    # the last day is included to its last minute: D was reported at 23:30 on 20 January
    one_day = stats.period(date(2025, 1, 20), date(2025, 1, 20))
    assert stats.by_year(*one_day)[0]["n"] == 1
    # the period's edges: the day before and the day after (30 Nov, 1 Feb) are out
    assert sum(y["n"] for y in stats.by_year(*period)) == 4


# ---- the page ---------------------------------------------------------------------------------------


def tables_of(response):
    return {t.key: t for s in response.context["sections"] for t in s.tables}


def test_the_page_shows_every_table_with_its_clause(client, people, known, tasks, reminders):
    client.force_login(people.office)
    response = client.get(URL, QUERY)
    assert response.status_code == 200
    tables = tables_of(response)
    assert list(tables) == [
        "years",
        "categories",
        "counties",
        "service_areas",
        "companies",
        "levels",
        "level_changes",
        "grades",
        "times",
        "times_min",
        "times_h",
        "outage",
        "reminder_kinds",
        "reminder_channels",
        "sign_for",
        "sign_for_units",
    ]
    assert tables["categories"].clause == "§1.5"
    assert "附件4" in tables["levels"].clause and "§5.3" in tables["levels"].clause
    assert tables["grades"].clause == "附件5"
    assert tables["years"].total == ["合计", 4, 3, 2, 1]
    assert tables["levels"].rows[1].cells == ["Ⅱ级", 0, 1, 1, 1, 0]
    assert tables["grades"].rows[2].cells == ["较大事故", 1, 0, 0, 12, Decimal("2000.00")]
    page = response.content.decode()
    for clause in ("§1.5", "附件5", "§5.3、附件4", "§5.3.5"):
        assert f'<span class="clause small text-secondary">{clause}</span>' in page
    assert re.search(
        r'data-testid="drills-stated">不含演练（§8\.1：演练不计入统计），另有演练 1 起未计入', page
    )
    assert "共接报 4 起事件，其中 3 起启动响应" in page
    assert '<span class="badge level-badge level-2">Ⅱ级</span>' in page
    # the downloads carry the filters
    assert 'href="/command/statistics/export.xlsx?from=2024-12-01&amp;to=2025-01-31"' in page
    assert 'href="/command/statistics/export.csv?from=2024-12-01&amp;to=2025-01-31"' in page
    assert "下载 Excel" in page and "下载 CSV" in page
    assert 'data-yc-chart="' in page and 'data-testid="chart-categories"' in page
    # tables are real tables: column and row headers
    assert '<th scope="col"' in page and '<th scope="row"' in page


def test_drills_on_the_page_with_drills_1(client, people, known):
    client.force_login(people.director)
    response = client.get(URL, {**QUERY, "drills": "1"})
    tables = tables_of(response)
    assert tables["years"].total == ["合计", 5, 4, 3, 1]
    assert tables["years"].columns[-1].label == "其中演练"
    page = response.content.decode()
    assert "已计入演练 1 起" in page and 'id="s-drills" name="drills" value="1" checked' in page
    assert "export.xlsx?from=2024-12-01&amp;to=2025-01-31&amp;drills=1" in page


@pytest.mark.parametrize("value", ["2025-13-40", "昨天"])
def test_a_date_it_cannot_read_says_so_and_keeps_the_default(client, people, value):
    client.force_login(people.office)
    response = client.get(URL, {"from": value})
    page = response.content.decode()
    assert response.status_code == 200
    assert "起始日期格式不正确" in page and 'role="alert"' in page and 'aria-invalid="true"' in page
    default_first = timezone.localdate() - timedelta(days=365)
    assert f'value="{default_first:%Y-%m-%d}"' in page
    # the exports fall back the same way
    assert client.get(CSV, {"from": value}).status_code == 200


def test_a_police_liaison_is_refused(client, people):
    client.force_login(people.police)
    for url in (URL, XLSX, CSV):
        response = client.get(url)
        assert response.status_code == 403
        assert "统计分析供市指挥部及其办公室使用" in response.content.decode()


# ---- the exports ------------------------------------------------------------------------------------


def test_the_xlsx_reads_back(client, people, known, tasks, reminders):
    client.force_login(people.office)
    response = client.get(XLSX, QUERY)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "说明",
        "按年份",
        "按类别",
        "按县区",
        "按服务区域",
        "按企业",
        "响应级别",
        "级别调整",
        "事故等级",
        "响应用时",
        "用时分布（分钟）",
        "用时分布（小时）",
        "停热时长",
        "提醒按类型",
        "提醒按渠道",
        "签收用时",
        "各单位签收",
        "事件明细",
    ]
    about = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True) if row[0]}
    assert about["文号"] == "运政办发〔2021〕68 号"
    assert about["统计时段"].startswith("2024-12-01 至 2025-01-31")
    assert about["演练"].startswith("不含演练")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", about["生成时间"])

    years = book["按年份"]
    assert [c.value for c in years[1]] == ["年份", "事件数", "启动响应", "停热满24小时", "演练（未计入）"]
    assert [[c.value for c in row] for row in years.iter_rows(min_row=2)] == [
        ["2024", 2, 2, 1, 0],
        ["2025", 2, 1, 1, 1],
        ["合计", 4, 3, 2, 1],
    ]
    assert years.freeze_panes == "B2"
    assert years["B2"].number_format == "#,##0" and years["A1"].font.bold
    assert years.column_dimensions["D"].width >= 14  # "停热满24小时": CJK counted double

    cats = book["按类别"]
    assert [c.value for c in cats[1]] == ["类别", "事件数", "启动响应", "停热满24小时", "预案表述"]
    assert [c.value for c in cats[2]][:4] == ["1.5.1 热源事件、管线破裂", 2, 1, 2]
    assert cats["E2"].value.startswith("1.5.1 突发性供热热源重大安全事件")

    grades = book["事故等级"]
    assert [c.value for c in grades[4]] == ["较大事故", 1, 0, 0, 12, 2000]
    assert grades["F4"].number_format == "#,##0"  # 2000 万元 exactly: no decimals invented

    detail = book["事件明细"]  # one row per incident of the period (drills out), oldest first
    assert [c.value for c in detail[1]][:3] == ["事件编号", "事件标题", "县（市、区）"]
    refs = [row[0].value for row in detail.iter_rows(min_row=2)]
    assert refs == [known[k].ref for k in ("A", "B", "C", "D")]
    b = [c.value for c in detail[3]]
    assert b[2] == "永济市" and b[3].startswith("1.5.3") and b[4] == "较大事故"
    assert b[5].startswith("Ⅲ级 2024-12-20 15:30；Ⅱ级 2024-12-20 17:00；Ⅲ级")
    assert (b[6], b[7], b[8], b[9], b[10], b[11]) == (
        "2024-12-20 14:00",
        "2024-12-21 02:00",
        12,
        None,
        12,
        20000000,
    )
    d = [c.value for c in detail[5]]
    assert d[11] == 5000000 and d[12] == "直接经济损失"

    times = book["响应用时"]
    assert [c.value for c in times[2]] == ["接报至启动研判（分钟）", 4, 20, 27.5, 65]
    assert times["C2"].number_format == "#,##0.0"

    units = book["各单位签收"]
    assert [c.value for c in units[2]] == ["市应急局", "单位", 2, 1, 1, 95, 95]

    channels = book["提醒按渠道"]
    assert [c.value for c in channels[3]] == ["短信", 2, 1, 1, 0, 2]

    # formula injection: user text starting with = or + is written as text with an apostrophe
    companies = book["按企业"]
    evil = next(row for row in companies.iter_rows(min_row=2) if EVIL in str(row[0].value))
    assert evil[0].value == "'" + EVIL and evil[0].data_type == "s"
    areas = [row[0].value for row in book["按服务区域"].iter_rows(min_row=2)]
    assert "'" + AREA in areas


def read_csv(response):
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel on Chinese Windows reads UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def sections(rows):
    out, current = [], []
    for row in rows:
        if not row:
            out.append(current)
            current = []
        else:
            current.append(row)
    return [*out, current] if current else out


def test_the_csv_reads_back_one_section_per_table(client, people, known, tasks, reminders):
    client.force_login(people.office)
    response = client.get(CSV, QUERY)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    parts = sections(read_csv(response))
    assert parts[0][0] == ["说明"] and ["文号", "运政办发〔2021〕68 号"] in parts[0]
    by_title = {p[0][0]: p[1:] for p in parts[1:]}
    assert len(by_title) == 16
    assert by_title["按年份"] == [
        ["年份", "事件数", "启动响应", "停热满24小时", "演练（未计入）"],
        ["2024", "2", "2", "1", "0"],
        ["2025", "2", "1", "1", "1"],
        ["合计", "4", "3", "2", "1"],
    ]
    assert by_title["事故等级（附件5）"][3] == ["较大事故", "1", "0", "0", "12", "2000"]
    assert by_title["响应级别（§5.3、附件4）"][4] == ["Ⅳ级", "2", "2", "1", "0", "0"]
    assert by_title["响应用时（§5.1、§5.3、§5.3.6）"][4] == [
        "启动响应至结束响应（小时）",
        "3",
        "9.3",
        "13.6",
        "28.5",
    ]
    # the injection guard
    companies = by_title["按涉事企业（§8.3.3、§8.3.4）"]
    assert ["'" + EVIL, "供热企业", "1", "1", "0"] in companies
    assert ["未填写涉事企业", "", "1", "0", "1"] in companies


def test_the_csv_of_one_table(client, people, known, tasks):
    client.force_login(people.office)
    rows = read_csv(client.get(CSV, {**QUERY, "table": "sign_for_units"}))
    assert rows == [
        ["单位或工作组", "类型", "任务数", "已签收", "未签收", "中位数（分钟）", "最长（分钟）"],
        ["市应急局", "单位", "2", "1", "1", "95.0", "95.0"],
        ["市住建局", "单位", "2", "2", "0", "20.0", "30.0"],
        ["综合协调组", "工作组", "1", "1", "0", "5.0", "5.0"],
    ]
    wrong = client.get(CSV, {**QUERY, "table": "nope"})
    assert wrong.status_code == 400 and "没有名为“nope”的统计表" in wrong.content.decode()


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("市住建局", "市住建局"),
    ],
)
def test_the_formula_guard(value, safe):
    assert safe_text(value) == safe


# ---- cost ---------------------------------------------------------------------------------------------


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_a_constant_number_of_queries_whatever_the_data(
    client, people, make_incident, known, tasks, reminders
):
    from command.models import Assignment, Delivery, Reminder
    from orgchart.models import Unit

    client.force_login(people.office)
    url = f"{URL}?from=2024-12-01&to=2025-01-31"
    small = _queries(client, url)
    small_xlsx = _queries(client, url.replace(URL, XLSX))
    units = list(Unit.objects.filter(kind="government")[:8])
    for i in range(12):
        reported = at(2024, 12, 2 + i, 8 + i % 10)
        inc = make_incident(reported_at=reported, occurred_at=reported - timedelta(hours=1), category="other")
        inc.start_assessment(people.office, now=reported + timedelta(minutes=5 + i))
        inc.activate(
            people.director, level=3 + i % 2, reason=REASON, now=reported + timedelta(minutes=30 + i)
        )
        for j, unit in enumerate(units[: 2 + i % 5]):
            Assignment.objects.create(
                incident=inc,
                kind="task",
                unit=unit,
                title="测试",
                duties="测试",
                clause="附件2",
                level=3,
                created_at=reported,
                signed_at=reported + timedelta(minutes=j * 7 + i),
                state="signed",
            )
        r = Reminder.objects.create(
            kind="no_follow_up", subject=f"more:{i}", step="s", incident=inc, due_at=reported, title="测试"
        )
        Delivery.objects.create(reminder=r, recipient=people.office, channel="in_app", key=f"more-{i}")
    large = _queries(client, url)
    assert len(large) == len(small), "\n".join(large)
    assert len(_queries(client, url.replace(URL, XLSX))) == len(small_xlsx)
    figures = [q for q in large if "incidents_incident" in q or "command_" in q]
    assert len(figures) <= 15, figures


def test_money_is_exact_in_the_page_the_total_and_every_export(client, people, make_incident):
    """DOMAIN §6 "Money is exact" (issue 17 point 9): 123,450 元 is 12.345 万元 (not 12.34), and three
    一般 losses of 123,450 + 491,225 + 492,225 元 add up to 110.69 万元 (rounded one by one: 110.68)."""
    from command.dashboard.statistics_tables import statistics_tables

    losses = ("123450", "491225", "492225")
    made = [
        make_incident(
            reported_at=at(2023, 12, 5 + n, 9),
            occurred_at=at(2023, 12, 5 + n, 8),
            direct_loss_yuan=Decimal(loss),
        )
        for n, loss in enumerate(losses)
    ]
    start, end = stats.period(date(2023, 12, 1), date(2023, 12, 31))
    grades = next(t for s in statistics_tables(start, end) for t in s.tables if t.key == "grades")
    general = next(r for r in grades.rows if r.cells[0] == "一般事故")
    assert general.cells[5] == Decimal("110.69") and grades.total[5] == Decimal("110.69")
    query = {"from": "2023-12-01", "to": "2023-12-31"}
    client.force_login(people.office)
    page = client.get(URL, query).content.decode()
    assert "110.69" in page and "110.68" not in page
    csv_rows = read_csv(client.get(CSV, {**query, "table": "grades"}))
    assert next(r for r in csv_rows if r[0] == "一般事故")[5] == "110.69"
    assert next(r for r in csv_rows if r[0] == "合计")[5] == "110.69"
    book = load_workbook(io.BytesIO(client.get(XLSX, query).content))
    row = next(r for r in book["事故等级"].iter_rows(min_row=2) if r[0].value == "一般事故")
    assert Decimal(str(row[5].value)) == Decimal("110.69") and row[5].number_format == "#,##0.00"
    detail = book["事件明细"]
    assert [r[0].value for r in detail.iter_rows(min_row=2)] == [i.ref for i in made]
    assert [Decimal(str(r[11].value)) for r in detail.iter_rows(min_row=2)] == [Decimal(x) for x in losses]

    # one incident alone: 12.345 万元, every decimal it has
    make_incident(
        reported_at=at(2023, 11, 5, 9), occurred_at=at(2023, 11, 5, 8), direct_loss_yuan=Decimal("123450")
    )
    page = client.get(URL, {"from": "2023-11-01", "to": "2023-11-30"}).content.decode()
    assert "12.345" in page and "12.34<" not in page and "12.35<" not in page


def test_the_incident_sheet_reads_a_constant_number_of_times(make_incident, people):
    from command.dashboard import stats_incidents

    start, end = stats.period(date(2023, 10, 1), date(2023, 10, 31))
    for n in range(3):
        inc = make_incident(reported_at=at(2023, 10, 2 + n, 9), occurred_at=at(2023, 10, 2 + n, 8))
        inc.start_assessment(people.office, now=at(2023, 10, 2 + n, 9, 10))
        inc.activate(people.director, level=4, reason=REASON, now=at(2023, 10, 2 + n, 9, 30))
    with CaptureQueriesContext(connection) as few:
        rows = stats_incidents.incident_rows(start, end)
    assert len(rows) == 3 and rows[0][5] == "Ⅳ级 2023-10-02 09:30"
    for n in range(3):
        make_incident(reported_at=at(2023, 10, 10 + n, 9), occurred_at=at(2023, 10, 10 + n, 8))
    with CaptureQueriesContext(connection) as many:
        rows = stats_incidents.incident_rows(start, end)
    assert len(rows) == 6 and rows[-1][5] == "未启动响应"
    assert len(many) == len(few) <= 3
