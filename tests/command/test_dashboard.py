"""The dashboard (issue 8) over HTTP: what each role lands on, the panels with and without htmx, the
signature polling, totals summed as areas (never shares), drills apart, and a constant query budget."""

import re
from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from command.approvals.services import level_request_submit
from command.dashboard import live, selectors, stats_times
from incidents.models import Incident

HX = {"HX-Request": "true"}


def test_roles_land_where_they_need_to(as_user):
    assert as_user("police").get("/").url == "/command/tasks/"  # a unit liaison: 我的任务
    for role in ("office", "director", "commander", "general"):
        page = as_user(role).get("/").content.decode()
        assert 'data-testid="panel-waiting"' in page and 'data-testid="panel-incidents"' in page, role
    assert as_user("police").get("/?overview=1").status_code == 200


def test_the_overview_shows_active_incidents_and_what_waits_for_me(as_user, firm_two, incident_in, user_of):
    incident = firm_two()  # a firm Ⅱ recommendation, not yet activated
    level_request_submit(incident_id=incident.pk, actor=user_of("office"), to_level=2)
    drill = incident_in("responding", level=3, is_drill=True)
    page = as_user("director").get("/").content.decode()
    assert f'data-testid="dash-incident-{incident.pk}"' in page
    assert 'data-testid="dash-drills"' in page and f'data-testid="dash-incident-{drill.pk}"' not in page
    assert "待我审批 1 件" in page  # the director reports it
    assert "已满24小时" in page  # the 24-hour clock, firm on the elapsed hours


def test_the_overview_ticks_the_elapsed_outage_and_shows_the_estimate_apart(as_user, make_incident):
    """DOMAIN §6 "Hours without heat" (issue 17 point 8): logged 15 minutes ago, estimated at 40 hours,
    the overview says 已停热 0.2 h with "预计超过24小时" and "预计共 40.0 h" apart — never 40 h or ≥24h."""

    now = timezone.now()
    start = now - timedelta(minutes=15)
    incident = make_incident(
        occurred_at=start,
        reported_at=now,
        outage_started_at=start,
        estimated_restoration_at=start + timedelta(hours=40),
    )
    page = as_user("director").get("/?overview=1").content.decode()
    row = page[page.index(f'data-testid="dash-incident-{incident.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "<span data-live-value>0.2</span> h" in row
    assert 'data-kind="estimated"' in row and "预计超过24小时</span>" in row
    assert "预计共 40.0 h" in row and "已满24小时</span>" not in row
    real, _drills = selectors.active_incidents(now=now)
    mine = next(i for i in real if i.pk == incident.pk)
    assert (mine.hours, mine.estimate_total_hours, mine.hours_badge) == (0.2, 40.0, "estimated")


def test_the_hours_badge_follows_the_elapsed_hours_first():
    from fractions import Fraction as F

    from incidents.models import OutageHours

    assert selectors.hours_badge(OutageHours(F(25), F(30), F(5), False, "elapsed")) == "long"
    assert selectors.hours_badge(OutageHours(F(1), F(30), F(29), False, "estimate")) == "estimated"
    assert selectors.hours_badge(OutageHours(F(21), None, None, False, "")) == "near"
    assert selectors.hours_badge(OutageHours(F(21), None, None, True, "")) == ""
    assert selectors.hours_badge(None) == ""


def test_totals_add_areas_not_shares(incident_in):
    a = incident_in("responding", level=4, affected_area_m2=1_000_000, affected_households=5_000)
    b = incident_in("responding", level=3, affected_area_m2=2_500_000, affected_households=12_000)
    real, _drills = selectors.active_incidents()
    assert {a.pk, b.pk} <= {i.pk for i in real}
    t = selectors.totals(Incident.objects.filter(pk__in=(a.pk, b.pk)))  # the demo set may have its own
    assert t["area_m2"] == 3_500_000 and t["households"] == 17_000
    assert (t["area_wan"], t["households_wan"]) == (350.0, 1.7)
    assert dict((int(lv), n) for lv, n in t["by_level"]) == {1: 0, 2: 0, 3: 1, 4: 1}


def test_the_map_colours_each_county_by_its_highest_level(incident_in):
    from orgchart.models import County

    mine = {
        incident_in("responding", level=3, county=County.objects.get(code="yanhu")).pk,
        incident_in("responding", level=2, county=County.objects.get(code="kaifaqu")).pk,  # within 盐湖区
        incident_in("responding", level=4, county=County.objects.get(code="yongji")).pk,
    }
    by_name = {c["name"]: c for c in selectors.county_map(Incident.objects.filter(pk__in=mine))}
    assert by_name["盐湖区"]["level"] == 2 and by_name["盐湖区"]["count"] == 2
    assert by_name["永济市"]["level"] == 4
    assert len(by_name) == 13  # the 13 counties and districts on the map


def test_panels_with_and_without_htmx_and_204_when_unchanged(
    as_user, incident_in, django_capture_on_commit_callbacks
):
    client = as_user("office")
    for part in ("waiting", "incidents", "totals", "map", "tasks", "events"):
        html = client.get(f"/?part={part}", headers=HX).content.decode()
        assert html.lstrip().startswith(f'<section id="panel-{part}"') and "<html" not in html, part
        sig = re.search(r'data-sig="(\w+)"', html).group(1)
        assert client.get(f"/?part={part}&sig={sig}", headers=HX).status_code == 204, part
    assert "<html" in client.get("/?part=map").content.decode()  # without htmx: the whole page
    html = client.get("/?part=incidents", headers=HX).content.decode()
    sig = re.search(r'data-sig="(\w+)"', html).group(1)
    with django_capture_on_commit_callbacks(execute=True):  # the commit bumps the dashboard's version
        incident_in("responding", level=4)
    assert client.get(f"/?part=incidents&sig={sig}", headers=HX).status_code == 200


def test_wall_screen_and_charts(as_user, incident_in):
    incident_in("responding", level=2)
    client = as_user("commander")
    wall = client.get("/wall/").content.decode()
    assert 'class="wall"' in wall and 'data-testid="wall-clock"' in wall and "app-navbar" not in wall
    charts = client.get("/command/charts/").content.decode()
    assert 'data-testid="chart-category"' in charts and 'data-testid="times"' in charts


def test_response_times(incident_in):
    incident = incident_in("responding", level=3)
    times = stats_times.response_stats(
        timezone.now() - timedelta(days=2), timezone.now() + timedelta(minutes=1)
    )
    assert times["to_assessment_min"]["count"] >= 1 and times["to_activation_min"]["count"] >= 1
    assert incident.pk


def _queries(client, url, **kw):
    client.get(url, **kw)
    cache.delete(live.KEY)  # a new version: the shared panels are read again, not taken from the cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **kw).status_code == 200
    return len(ctx.captured_queries)


def test_the_overview_runs_a_constant_number_of_queries(
    as_user, incident_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident_in("responding", level=2)
    client = as_user("director")
    urls = ["/", "/wall/", "/command/charts/"] + [f"/?part={p}" for p in ("incidents", "tasks", "events")]
    before = {u: _queries(client, u, headers=HX if "part" in u else {}) for u in urls}
    with django_capture_on_commit_callbacks(execute=True):
        for level in (2, 3, 4, 3):
            incident_in("responding", level=level)
        incident_in("assessing")
        incident_in("archived")
    after = {u: _queries(client, u, headers=HX if "part" in u else {}) for u in urls}
    assert after == before


def test_the_wall_cuts_its_lists_and_counts_the_rest(
    as_user, incident_in, monkeypatch, django_capture_on_commit_callbacks
):
    from command.dashboard import panels

    monkeypatch.setitem(panels.LIMITS, "wall", {"incidents": 2, "events": 3, "groups": 1, "units": 1})
    with django_capture_on_commit_callbacks(execute=True):  # activation issues the tasks on commit
        incident_in("responding", level=2)
        incident_in("responding", level=3)
        incident_in("responding", level=4)
        incident_in("assessing")
    real, _drills = selectors.active_incidents()  # Ⅱ first … 研判中 last (and the demo set's, if any)
    shown, hidden = real[:2], real[2:]
    assert hidden[-1].state == "assessing"
    client = as_user("director")
    wall = client.get("/wall/").content.decode()
    assert all(f'data-testid="dash-incident-{i.pk}"' in wall for i in shown)
    assert not any(f'data-testid="dash-incident-{i.pk}"' in wall for i in hidden)
    said = "、".join(f"{label} {n}" for label, n in selectors.left_out(shown))
    assert f'data-testid="more-incidents">另有 {len(hidden)} 起：{said}' in wall
    assert wall.count('class="py-1 border-bottom"') == 3  # the latest events, cut to 3
    assert 'data-testid="more-units"' in wall
    # the overview lists all four (its limit is 10) and says nothing of more
    page = client.get("/").content.decode()
    assert all(f'data-testid="dash-incident-{i.pk}"' in page for i in shown + hidden)
    assert 'data-testid="more-incidents"' not in page
    # a panel refreshed by htmx keeps the cut
    part = client.get("/wall/?part=incidents", headers=HX).content.decode()
    assert f"另有 {len(hidden)} 起" in part and part.count('data-testid="dash-incident-') == 2


def test_what_a_cut_list_leaves_out_is_counted_by_level_then_state(incident_in):
    mine = {
        incident_in("responding", level=4).pk,
        incident_in("responding", level=2).pk,
        incident_in("responding", level=4).pk,
        incident_in("reported").pk,
        incident_in("assessing").pk,
    }
    real = [i for i in selectors.active_incidents()[0] if i.pk in mine]
    shown, more = selectors.capped(real, 1)
    assert more == 4 and shown[0].level == 2
    mine_qs = Incident.objects.filter(pk__in=mine)
    assert [(str(label), n) for label, n in selectors.left_out(shown, mine_qs)] == [
        ("Ⅳ级", 2),
        ("已接报", 1),
        ("研判中", 1),
    ]
    assert selectors.capped(real, None) == (real, 0)


def test_the_wall_clock_refreshes_without_reading_the_data(as_user):
    client = as_user("office")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/wall/?part=clock", headers=HX).content.decode()
    assert html.lstrip().startswith('<span id="wall-clock"') and "<html" not in html
    assert timezone.localtime().strftime("%Y-%m-%d") in html
    assert not [q for q in ctx.captured_queries if "incidents_" in q["sql"] or "command_" in q["sql"]]


def test_totals_read_in_wan(as_user, incident_in):
    incident_in("responding", level=3, affected_area_m2=24_733_404, affected_households=9_000)
    t = selectors.totals()  # with the demo set's, if any
    page = as_user("director").get("/").content.decode()
    assert t["area_m2"] >= 24_733_404
    assert f'data-testid="total-area">{t["area_wan"]:.1f}<span class="dash-unit">万</span>' in page
    if t["households"] < 10_000:
        assert f'data-testid="total-households">{t["households"]}<' in page  # under 10,000: as it is
    nothing = selectors.totals(Incident.objects.none())
    assert (nothing["area_wan"], nothing["households_wan"]) == (None, None)
