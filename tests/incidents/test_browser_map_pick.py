"""地图位置 in the browser (issue 8): the office clicks in 盐湖区 on the report form's map; the two inputs get
the point (6 decimals, within Yuncheng), the empty county select becomes 盐湖区, a marker shows where; typing
moves the marker, 清除位置 clears both; the live validation swaps the form around the map without losing
it; the saved incident has the point, and the overview's map carries it. On a phone the map is 260 px
high and the page no wider than the screen; without JavaScript the numbers can still be typed.

Screenshots (desktop 1440×900, phone 390×844) land in var/screenshots/report-map-*.png."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import YUNCHENG_BOUNDS, Incident
from tests.support.browser import SCREENSHOTS, axe_violations, describe
from tests.support.incidents import ensure_plan_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEST, SOUTH, EAST, NORTH = (float(v) for v in YUNCHENG_BOUNDS)


def local(value):
    return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"


def pick_map(page):
    el = page.get_by_test_id("pick-map")
    expect(el).to_have_attribute("data-yc-state", "chart")
    expect(el.locator("canvas").first).to_be_visible()
    return el


def pixel_of(page, lon, lat):
    """Where (lon, lat) is drawn, relative to the map element; and the county the map has there."""
    return page.evaluate(
        """([lon, lat]) => {
            const chart = echarts.getInstanceByDom(document.getElementById('report-map'));
            const geo = chart.getModel().getComponent('geo', 0).coordinateSystem;
            const region = geo.getRegionByCoord([lon, lat]);
            const px = chart.convertToPixel({geoIndex: 0}, [lon, lat]);
            return {x: px[0], y: px[1], county: region ? region.name : null};
        }""",
        [lon, lat],
    )


def yanhu_point(page):
    """A point inside 盐湖区: the label point the map file gives the district."""
    return page.evaluate(
        """() => {
            const gj = echarts.getMap('运城').geoJSON || echarts.getMap('运城').geoJson;
            return gj.features.find(f => f.properties.name === '盐湖区').properties.cp;
        }"""
    )


def marker(page):
    """The marker's [lon, lat], or None."""
    return page.evaluate(
        """() => {
            const chart = echarts.getInstanceByDom(document.getElementById('report-map'));
            const s = chart.getOption().series.find(s => s.id === 'yc-pick');
            return s.data.length ? s.data[0].value : null;
        }"""
    )


def click_at(page, lon, lat):
    where = pixel_of(page, lon, lat)
    page.get_by_test_id("pick-map").click(position={"x": where["x"], "y": where["y"]})
    return where


def typed_point(page):
    return float(page.locator("#id_lon").input_value()), float(page.locator("#id_lat").input_value())


def county_text(page):
    return page.evaluate(
        "(() => { const s = document.getElementById('id_county'); return s.selectedOptions[0].text.trim(); })()"
    )


def settle(page):
    """Waits until the live validation is done: no htmx request under way nor started for 800 ms."""
    page.evaluate(
        """() => new Promise((resolve) => {
            const names = ['htmx:beforeRequest', 'htmx:afterSettle'];
            let timer;
            const quiet = () => { clearTimeout(timer); timer = setTimeout(done, 800); };
            const done = () => {
                if (document.querySelector('.htmx-request')) return quiet();
                names.forEach((n) => document.body.removeEventListener(n, quiet));
                resolve();
            };
            names.forEach((n) => document.body.addEventListener(n, quiet));
            quiet();
        })"""
    )


def shoot(screenshot, page, name):
    """The whole page, and the 地图位置 part of it up close."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)
    page.get_by_test_id("map-point").screenshot(path=str(SCREENSHOTS / f"{name}-part.png"))


def test_office_picks_the_point_on_the_map(live_server, sized_page, login, demo, screenshot):
    ensure_plan_version()
    page = login(sized_page("desktop", bypass_csp=True), "office")  # axe is injected
    page.goto(f"{live_server.url}/incidents/new/")
    el = pick_map(page)
    assert el.get_attribute("role") == "img" and "经度" in el.get_attribute("aria-label")
    box = el.bounding_box()
    assert 300 <= box["height"] <= 340, box
    expect(page.get_by_test_id("map-clear")).to_be_visible()
    assert page.locator("#id_county").input_value() == "", "no county chosen yet"
    assert marker(page) is None

    # a click inside 盐湖区: the point in the inputs, the county chosen, the marker there
    cp = yanhu_point(page)
    where = click_at(page, *cp)
    assert where["county"] == "盐湖区"
    expect(page.locator("#id_lon")).not_to_have_value("")
    lon, lat = typed_point(page)
    assert WEST <= lon <= EAST and SOUTH <= lat <= NORTH
    assert abs(lon - cp[0]) < 0.01 and abs(lat - cp[1]) < 0.01, (lon, lat, cp)
    assert re.fullmatch(r"\d+\.\d{6}", page.locator("#id_lon").input_value())
    assert county_text(page) == "盐湖区"
    assert marker(page) == [lon, lat]

    # typing moves the marker; 清除位置 clears both and the marker; a county chosen is left alone
    page.fill("#id_lon", "110.95")
    page.fill("#id_lat", "35.05")
    assert marker(page) == [110.95, 35.05]
    page.get_by_test_id("map-clear").click()
    expect(page.locator("#id_lon")).to_have_value("")
    expect(page.locator("#id_lat")).to_have_value("")
    assert marker(page) is None
    # a click outside every county (the map's corner) sets nothing
    page.get_by_test_id("pick-map").click(position={"x": 3, "y": 3})
    expect(page.locator("#id_lon")).to_have_value("")

    # pick again, then fill in the rest of the report (each change validates the form through htmx)
    click_at(page, *cp)
    picked = typed_point(page)
    start = timezone.now() - timedelta(hours=1)
    page.fill("#id_title", "测试：地图点选的管网泄漏")
    page.locator("input[name=category][value=heat_source_pipeline]").check()
    page.select_option("#id_facility", label="热力站")
    page.fill("#id_description", "解放路与红旗街交叉口一次网管道泄漏。")
    page.fill("#id_occurred_at", local(start))
    page.locator("#id_occurred_at").blur()
    settle(page)
    # the swapped form kept the drawn map (hx-preserve), the point and its marker
    pick_map(page)
    assert typed_point(page) == picked
    assert marker(page) == list(picked)
    assert county_text(page) == "盐湖区"
    shoot(screenshot, page, "report-map-desktop")
    problems = describe("/incidents/new/", axe_violations(page))
    assert not problems, "\n".join(problems)

    page.get_by_test_id("submit-report").click()
    page.wait_for_url(re.compile(r".*/incidents/\d+/$"))
    incident = Incident.objects.get(title="测试：地图点选的管网泄漏")
    assert (incident.lon, incident.lat) == (Decimal(f"{picked[0]:.6f}"), Decimal(f"{picked[1]:.6f}"))
    assert incident.county.name == "盐湖区"
    expect(page.get_by_test_id("map-point")).to_contain_text(f"{picked[0]:.6f}")

    # the overview's map carries the point, and draws it
    page.goto(f"{live_server.url}/")
    dash = page.get_by_test_id("map")
    expect(dash).to_have_attribute("data-yc-state", "chart")
    points = json.loads(dash.get_attribute("data-yc-map"))["points"]
    ours = [p for p in points if p["url"].endswith(f"/incidents/{incident.pk}/")]
    assert len(ours) == 1 and (ours[0]["lon"], ours[0]["lat"]) == picked, points
    drawn = page.evaluate(
        """() => {
            const chart = echarts.getInstanceByDom(document.querySelector('[data-testid=map]'));
            const s = chart.getOption().series.find(s => s.id === 'yc-points');
            return s ? s.data.map(d => d.value) : [];
        }"""
    )
    assert list(picked) in drawn


def test_phone_map_and_typing_without_javascript(live_server, sized_page, login, demo, screenshot):
    ensure_plan_version()
    page = login(sized_page("phone"), "office")
    page.goto(f"{live_server.url}/incidents/new/")
    el = pick_map(page)
    assert 250 <= el.bounding_box()["height"] <= 270
    click_at(page, *yanhu_point(page))
    expect(page.locator("#id_lat")).not_to_have_value("")
    assert county_text(page) == "盐湖区"
    settle(page)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the form is {widths[0]} px wide on a {widths[1]} px phone"
    page.get_by_test_id("map-point").scroll_into_view_if_needed()
    shoot(screenshot, page, "report-map-phone")

    # without JavaScript: no map, no dead 清除位置 button; the numbers typed are saved
    plain = sized_page("phone", js=False, storage_state=page.context.storage_state())
    plain.goto(f"{live_server.url}/incidents/new/")
    expect(plain.get_by_test_id("map-clear")).to_be_hidden()
    start = timezone.now() - timedelta(hours=1)
    plain.fill("#id_title", "测试：手填经纬度")
    plain.locator("input[name=category][value=heat_source_pipeline]").check()
    plain.select_option("#id_facility", label="热力站")
    plain.fill("#id_description", "手机上直接填写的经纬度。")
    plain.select_option("#id_county", label="永济市")
    # the outage share is computed against a service area that covers the county (附件4(1), 解读)
    from orgchart.models import ServiceArea

    area = ServiceArea.objects.filter(counties__code="yongji").order_by("pk").first()
    plain.select_option("#id_service_area", value=str(area.pk))
    plain.fill("#id_occurred_at", local(start))
    plain.fill("#id_lon", "110.447")
    plain.fill("#id_lat", "34.867")
    plain.get_by_test_id("submit-report").click()
    plain.wait_for_url(re.compile(r".*/incidents/\d+/$"))
    incident = Incident.objects.get(title="测试：手填经纬度")
    assert (incident.lon, incident.lat) == (Decimal("110.447"), Decimal("34.867"))
