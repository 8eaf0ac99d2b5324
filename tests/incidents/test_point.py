"""地图位置 (issue 8): the optional point of an incident, clicked on the map or typed on the report form.

Both or neither, within Yuncheng, numbers; a valid point is saved through the report view and shown on
the incident page; the database refuses what the form would (incident_point_in_yuncheng). The map itself
(clicking, the marker) is in test_browser_map_pick.py."""

import html
import json
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from incidents.models import Incident
from tests.support.forms import NEW, VALIDATE, refused, report_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, demo, user_of):
    client.force_login(user_of("office"))
    return client


def test_valid_point_is_saved_and_shown_on_the_incident_page(office):
    resp = office.post(NEW, report_data(lon="111.012345", lat="35.023456"))
    assert resp.status_code == 302, resp.content.decode()[:2000]
    incident = Incident.objects.get()
    assert (incident.lon, incident.lat) == (Decimal("111.012345"), Decimal("35.023456"))
    page = office.get(incident.get_absolute_url()).content.decode()
    assert "地图位置" in page
    assert "经度 111.012345，纬度 35.023456" in page


def test_no_point_is_fine(office):
    resp = office.post(NEW, report_data(lon="", lat=""))
    assert resp.status_code == 302
    incident = Incident.objects.get()
    assert (incident.lon, incident.lat) == (None, None)
    assert 'data-testid="map-point"' not in office.get(incident.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("lon", "lat", "field"),
    [("111.0", "", "lat"), ("", "35.0", "lon")],
    ids=["lon-only", "lat-only"],
)
def test_point_needs_both_or_neither(office, lon, lat, field):
    refused(office, report_data(lon=lon, lat=lat), field, "地图位置须同时填写经度和纬度，或都不填。")


@pytest.mark.parametrize(
    ("lon", "lat"),
    [("116.397", "39.909"), ("109.9", "35.0"), ("111.0", "36.1"), ("112.31", "35.0"), ("111.0", "34.39")],
    ids=["beijing", "west", "north", "east", "south"],
)
def test_point_outside_yuncheng_is_refused(office, lon, lat):
    refused(office, report_data(lon=lon, lat=lat), "lon", "不在运城市范围内")


@pytest.mark.parametrize(
    ("lon", "lat", "field", "text"),
    [("东经111度", "35.0", "lon", "经度须为数字"), ("111.0", "north", "lat", "纬度须为数字")],
)
def test_point_must_be_numbers(office, lon, lat, field, text):
    refused(office, report_data(lon=lon, lat=lat), field, text)


def test_form_carries_the_pick_map_and_its_scripts(office):
    page = office.get(NEW).content.decode()
    match = re.search(r"data-yc-map='([^']*)'", page)
    assert match, "the report form has a map to click on"
    cfg = json.loads(html.unescape(match.group(1)))
    assert cfg["map"] == "运城"
    assert cfg["pick"]["lon"] == "id_lon" and cfg["pick"]["lat"] == "id_lat"
    assert cfg["pick"]["county"] == "id_county" and cfg["pick"]["clear"] == "map-clear"
    assert 'id="map-clear"' in page and "清除位置" in page
    assert "可在地图上点选事发位置（可不填；无离线地址解析，仅为示意位置）" in page
    for script in ("echarts.min.js", "shan1_xi1_yun4_cheng2.js", "dashboard-common.js", "dashboard-map.js"):
        assert script in page, script
    assert page.index("dashboard-common.js") < page.index("dashboard-map.js")
    assert "//cdn" not in page and "https://" not in page.split("<body", 1)[1].split("<footer", 1)[0]
    assert 'id="id_lon"' in page and 'id="id_lat"' in page


def test_live_validation_keeps_the_drawn_map(office):
    """The htmx partial carries the map with hx-preserve and the same id: htmx keeps the drawn one."""
    resp = office.post(VALIDATE, report_data(lon="111.0", lat="35.0"), HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    part = resp.content.decode()
    assert re.search(r'<div id="report-map"[^>]*hx-preserve', part)
    assert 'value="111.0"' in part and 'value="35.0"' in part


def test_database_refuses_a_point_outside_yuncheng(make_incident):
    incident = make_incident(lon=Decimal("111.0"), lat=Decimal("35.0"))
    with pytest.raises(IntegrityError, match="incident_point_in_yuncheng"), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(lon=Decimal("120.0"))
    with pytest.raises(IntegrityError, match="incident_point_in_yuncheng"), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(lat=Decimal("34.0"))
    incident.refresh_from_db()
    assert (incident.lon, incident.lat) == (Decimal("111.0"), Decimal("35.0"))


def test_database_refuses_half_a_point(make_incident):
    incident = make_incident(lon=Decimal("111.0"), lat=Decimal("35.0"))
    with pytest.raises(IntegrityError, match="incident_point_in_yuncheng"), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(lat=None)
