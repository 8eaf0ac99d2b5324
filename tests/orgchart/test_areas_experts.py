"""The office keeps the service areas (the outage share's denominator) and the expert directory."""

from decimal import Decimal

import pytest

from orgchart.models import County, Expert, OrgChange, ServiceArea

pytestmark = pytest.mark.django_db


def test_office_adds_a_county_service_area_and_it_is_recorded(as_user):
    client = as_user("office")
    yongji = County.objects.get(code="yongji")
    resp = client.post(
        "/org/areas/add/",
        {
            "name": "永济市城北供热管网",
            "heated_area_m2": "2500000",
            "households": "21000",
            "active": "on",
            "counties": [yongji.pk],
        },
    )
    assert resp.status_code == 302
    area = ServiceArea.objects.get(name="永济市城北供热管网")
    assert area.heated_area_m2 == Decimal("2500000") and list(area.counties.all()) == [yongji]
    assert not area.is_default and not area.totals_are_demo
    change = OrgChange.objects.get(model="orgchart.ServiceArea", action="create")
    assert change.changes["counties"] == [None, ["永济市"]]
    assert "永济市城北供热管网" in client.get("/org/areas/").content.decode()


def test_entering_real_totals_clears_the_demo_flag(as_user):
    area = ServiceArea.objects.get(is_default=True)
    assert area.totals_are_demo
    resp = as_user("director").post(
        f"/org/areas/{area.pk}/edit/",
        {
            "name": area.name,
            "heated_area_m2": "35000000",
            "households": "270000",
            "active": "on",
            "counties": list(area.counties.values_list("pk", flat=True)),
        },
    )
    assert resp.status_code == 302
    area.refresh_from_db()
    assert area.heated_area_m2 == Decimal("35000000") and not area.totals_are_demo and area.is_default
    change = OrgChange.objects.get(model="orgchart.ServiceArea", action="update")
    assert {"heated_area_m2", "households", "totals_are_demo"} <= set(change.changes)


@pytest.mark.parametrize(
    ("field", "value"), [("heated_area_m2", "-5"), ("heated_area_m2", "0"), ("name", "")]
)
def test_bad_totals_are_refused_and_nothing_changes(as_user, field, value):
    area = ServiceArea.objects.get(is_default=True)
    data = {
        "name": area.name,
        "heated_area_m2": "35000000",
        "households": "1",
        "active": "on",
        "counties": list(area.counties.values_list("pk", flat=True)),
        field: value,
    }
    resp = as_user("office").post(f"/org/areas/{area.pk}/edit/", data)
    assert resp.status_code == 422
    assert "未保存" in resp.content.decode()
    area.refresh_from_db()
    assert area.heated_area_m2 == Decimal("32000000") and not OrgChange.objects.exists()


def test_office_adds_and_edits_an_expert(as_user):
    client = as_user("office")
    assert (
        client.post(
            "/org/experts/add/",
            {
                "name": "周工（演示外）",
                "field": "热力管网",
                "organisation": "某设计院",
                "phone": "13900000001",
                "active": "on",
            },
        ).status_code
        == 302
    )
    expert = Expert.objects.get(name="周工（演示外）")
    resp = client.post(
        f"/org/experts/{expert.pk}/edit/",
        {"name": expert.name, "field": "热力管网", "organisation": "某设计院", "phone": "abc"},
    )
    assert resp.status_code == 422  # not a phone number
    assert list(OrgChange.objects.values_list("action", flat=True)) == ["create"]
    assert "周工（演示外）" in client.get("/org/groups/experts/").content.decode()


@pytest.mark.parametrize("url", ["/org/areas/add/", "/org/experts/add/"])
def test_only_the_office_may_edit(as_user, url):
    for username in ("police", "commander"):
        client = as_user(username)
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "x"}).status_code == 403
    assert as_user("police").get("/org/areas/").status_code == 200  # everyone may read
    assert "新增区域" not in as_user("police").get("/org/areas/").content.decode()


def test_lists_cost_a_constant_number_of_queries(as_user, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user("office")

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        return len(ctx.captured_queries)

    before = count("/org/areas/"), count("/org/experts/")
    for i in range(10):
        area = ServiceArea.objects.create(code=f"x-{i}", name=f"区域{i}", heated_area_m2=1000)
        area.counties.set(County.objects.all()[:2])
        Expert.objects.create(name=f"专家{i}", field="f", organisation="o", phone="1")
    assert (count("/org/areas/"), count("/org/experts/")) == before


def test_the_date_field_shows_the_stored_date(as_user):
    area = ServiceArea.objects.get(is_default=True)
    html = as_user("office").get(f"/org/areas/{area.pk}/edit/").content.decode()
    assert f'value="{area.totals_as_of:%Y-%m-%d}"' in html  # <input type="date"> needs ISO dates
