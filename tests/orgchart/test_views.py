"""The org-chart pages, for each demo role: what they show, and a constant number of SQL queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgchart.models import Appointment, Person, Position, Unit, UnitKind

pytestmark = pytest.mark.django_db

ROLES = ["office", "director", "commander", "general", "police"]
PAGES = [
    "/org/",
    "/org/units/public_security/",
    "/org/units/heating_companies/",
    "/org/units/gov-yanhu/",
    "/org/groups/public_order/",
    "/org/groups/experts/",
    "/org/duty/",
    "/org/search/?q=公安",
    "/org/contacts/",
    "/org/authority/",
    "/",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_opens_for_every_role(as_user, role):
    client = as_user(role)
    for url in PAGES:
        resp = client.get(url, follow=True)  # "/" takes a unit liaison to 我的任务
        assert resp.status_code == 200, (url, resp.status_code)
    person = Person.objects.get(user__username="commander")
    assert client.get(f"/org/people/{person.pk}/").status_code == 200


def test_pages_need_a_login(client, demo):
    for url in PAGES:
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/login/"), url


def test_unknown_unit_or_group_is_404(as_user):
    client = as_user("police")
    assert client.get("/org/units/nope/").status_code == 404
    assert client.get("/org/groups/nope/").status_code == 404
    assert client.get("/org/people/999999/").status_code == 404


def test_chart_shows_the_command_structure(as_user):
    html = as_user("police").get("/org/").content.decode()
    for text in (
        "市应急救援总指挥部",
        "运城市城市基础公用事业应急工作指挥部",
        "市政府分管城市管理工作的副市长",
        "市消防救援支队主要负责人",
        "附件2列为副指挥长，§2.1未列",
        "市指挥部办公室",
        "现场指挥部",
        "综合协调组",
        "善后工作组",
        "运城开发区管委会",
        "张振华（演示）",
        "国家金融监督管理总局运城监管分局",
    ):
        assert text in html, text
    assert html.count('class="group-card"') == 8


def test_unit_page_shows_duties_groups_and_people(as_user):
    html = as_user("police").get("/org/units/public_security/").content.decode()
    assert (
        "负责维护事故现场治安，做好周边道路交通管制和疏导，确定伤亡和失踪人员身份，对事故遇难人员遗体进行鉴定。"
        in html
    )
    assert "社会稳定组" in html and "分管负责人" in html
    assert "刘晓军（演示）" in html  # the police liaison
    assert "附件2" in html


def test_company_page_carries_its_category_duties(as_user):
    html = as_user("police").get("/org/units/demo-heat-source/").content.decode()
    assert "负责制定本企业供热事故应急预案" in html and "热源单位" in html and "演示" in html


def test_group_page_shows_who_leads_it(as_user):
    html = as_user("police").get("/org/groups/public_order/").content.decode()
    leader = Appointment.objects.get(position__code="unit_deputy_head", unit__code="public_security").person
    assert "市公安局分管负责人。" in html and leader.name in html
    county_led = as_user("police").get("/org/groups/logistics/").content.decode()
    assert "事发地县级政府主要负责人，按事件发生地确定。" in county_led
    experts = as_user("police").get("/org/groups/experts/").content.decode()
    assert "专家主要任务" in experts and "供热管网" in experts


def test_duty_page_shows_who_is_on_duty_now(as_user):
    from orgchart.selectors import on_duty

    shift = on_duty()
    html = as_user("police").get("/org/duty/").content.decode()
    assert shift.duty_officer.name in html and shift.duty_leader.name in html
    assert "解读" in html


def test_search_by_name_full_page_and_htmx_partial(as_user):
    client = as_user("police")
    full = client.get("/org/search/", {"q": "刘晓军"})
    assert "<html" in full.content.decode() and "刘晓军（演示）" in full.content.decode()
    partial = client.get("/org/search/", {"q": "消防"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body and "市消防救援支队" in body
    none = client.get("/org/search/", {"q": "不存在的名字"}, headers={"HX-Request": "true"})
    assert "没有找到" in none.content.decode()


def test_edit_links_only_for_the_office(as_user):
    assert "编辑联系方式" not in as_user("police").get("/org/units/public_security/").content.decode()
    assert "编辑联系方式" in as_user("office").get("/org/units/public_security/").content.decode()


def test_contact_sheet_lists_every_unit_with_its_duty_phone(as_user):
    html = as_user("police").get("/org/contacts/").content.decode()
    for unit in Unit.objects.exclude(kind=UnitKind.ENTERPRISE_CATEGORY):
        assert unit.name in html and unit.duty_phone in html


def _grow(n):
    """More people, companies and posts, to show the query count does not depend on data size."""
    from django.contrib.auth import get_user_model

    category = Unit.objects.get(code="heating_companies")
    liaison = Position.objects.get(code="unit_liaison")
    for i in range(n):
        unit = Unit.objects.create(
            code=f"grow-{i}",
            name=f"扩充企业{i}",
            kind=UnitKind.ENTERPRISE,
            parent=category,
            company_type="heating",
        )
        user = get_user_model().objects.create(username=f"grow-{i}")
        person = Person.objects.create(user=user, name=f"扩充人员{i}", unit=unit)
        Appointment.objects.create(person=person, position=liaison, unit=unit)


@pytest.mark.parametrize("url", PAGES)
def test_query_count_is_constant(as_user, url):
    client = as_user("office")

    def count():
        from django.core.cache import cache

        from command.dashboard import live

        cache.delete(live.KEY)  # the home page's panels are cached per version: count them read afresh
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    count()  # warm-up: per-process memos (post names) and the health report's 15-second cache
    small = count()
    _grow(15)
    assert count() == small, url


def test_org_pages_in_english(as_user):
    client = as_user("police")
    client.post("/i18n/setlang/", {"language": "en", "next": "/org/"})
    html = client.get("/org/").content.decode()
    assert '<html lang="en">' in html and "Emergency command structure" in html and "Member units" in html
    assert "应急指挥体系" not in html
    # The plan's own text (names, duties) stays as the plan states it.
    assert "市公安局" in html
