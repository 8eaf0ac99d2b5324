"""The office's editing pages: who may open them, what a save does, htmx and plain requests, and a
constant number of SQL queries on the roster editor and the change log."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orgchart import services
from orgchart.models import (
    Absence,
    Appointment,
    DutyShift,
    GroupMembership,
    OrgChange,
    Person,
    Position,
    Unit,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
YEAR, MONTH = 2031, 2  # no demo roster there; 28 days


@pytest.fixture
def police_person(demo):
    return Person.objects.get(user__username="police")


def get_urls():
    police = Person.objects.get(user__username="police")
    today = timezone.localdate()
    return [
        reverse("orgchart:unit_edit", args=["public_security"]),
        reverse("orgchart:company_add", args=["heating_companies"]),
        reverse("orgchart:person_add"),
        reverse("orgchart:person_edit", args=[police.pk]),
        reverse("orgchart:group_members", args=["logistics"]),
        reverse("orgchart:roster_edit", args=[today.year, today.month]),
        reverse("orgchart:changes"),
    ]


def post_urls():
    police = Person.objects.get(user__username="police")
    a = Appointment.objects.filter(person=police).first()
    return [
        reverse("orgchart:appointment_add", args=[police.pk]),
        reverse("orgchart:appointment_remove", args=[police.pk, a.pk]),
        reverse("orgchart:absence_add", args=[police.pk]),
        reverse("orgchart:roster_edit", args=[YEAR, MONTH]),
        reverse("orgchart:group_members", args=["logistics"]),
        reverse("orgchart:unit_edit", args=["public_security"]),
    ]


# ---- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["police", "commander"])
def test_others_get_403_on_every_edit_page(as_user, username):
    client = as_user(username)
    for url in get_urls():
        assert client.get(url).status_code == 403, url
        assert client.get(url, **HX).status_code == 403, url
    for url in post_urls():
        assert client.post(url, {"action": "add", "duty_phone": "0359-1"}).status_code == 403, url
    assert not OrgChange.objects.exists()
    assert Appointment.objects.filter(person__user__username="police").exists()


@pytest.mark.parametrize("username", ["office", "director"])
def test_the_office_opens_every_edit_page(as_user, username):
    client = as_user(username)
    for url in get_urls():
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert "<html" in resp.content.decode()


def test_edit_pages_need_a_login(client, demo):
    for url in get_urls():
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/login/"), url


def test_the_403_carries_the_plans_reason(rf, demo, user_of):
    from django.core.exceptions import PermissionDenied

    from orgchart import views_edit

    request = rf.get("/")
    request.user = user_of("police")
    with pytest.raises(PermissionDenied) as e:
        views_edit.changes(request)
    assert (
        str(e.value)
        == "按预案附件2（市指挥部办公室承担日常工作），“维护组织体系、人员、工作组成员”须由办公室工作人员、办公室主任进行。"
    )


# ---- units and companies -------------------------------------------------------------------------


def test_unit_edit_shows_the_plans_text_read_only(as_user):
    html = as_user("office").get(reverse("orgchart:unit_edit", args=["public_security"])).content.decode()
    assert "负责维护事故现场治安" in html and '<span class="clause">附件2</span>' in html
    assert 'name="duty_phone"' in html and 'name="current_name"' in html
    assert 'name="name"' not in html and 'name="duties"' not in html


def test_unit_edit_saves_records_and_redirects_with_a_message(as_user):
    client = as_user("office")
    url = reverse("orgchart:unit_edit", args=["public_security"])
    resp = client.post(
        url, {"current_name": "", "duty_phone": "0359-2088110", "address": "盐湖区（演示）", "active": "on"}
    )
    assert resp.status_code == 302 and resp["Location"] == reverse("orgchart:unit", args=["public_security"])
    assert Unit.objects.get(code="public_security").duty_phone == "0359-2088110"
    change = OrgChange.objects.get()
    assert change.actor.username == "office" and set(change.changes) == {"duty_phone", "address"}
    page = client.get(resp["Location"]).content.decode()
    assert "已保存“市公安局”的修改，已记入变更记录。" in page


def test_unit_edit_with_a_bad_phone_shows_the_error_and_saves_nothing(as_user):
    unit = Unit.objects.get(code="public_security")
    resp = as_user("office").post(
        reverse("orgchart:unit_edit", args=[unit.code]),
        {"duty_phone": "call me", "address": "", "current_name": "", "active": "on"},
    )
    assert resp.status_code == 422
    assert "电话号码只能包含数字" in resp.content.decode()
    assert Unit.objects.get(pk=unit.pk).duty_phone == unit.duty_phone and not OrgChange.objects.exists()


def test_unit_edit_without_changes_records_nothing(as_user):
    unit = Unit.objects.get(code="public_security")
    resp = as_user("office").post(
        reverse("orgchart:unit_edit", args=[unit.code]),
        {"duty_phone": unit.duty_phone, "address": unit.address, "current_name": "", "active": "on"},
        follow=True,
    )
    assert "没有修改。" in resp.content.decode() and not OrgChange.objects.exists()


def test_company_add_under_a_category(as_user):
    client = as_user("director")
    resp = client.post(
        reverse("orgchart:company_add", args=["water_companies"]),
        {"name": "示例第三水务（演示）", "company_type": "water", "duty_phone": "", "address": ""},
    )
    company = Unit.objects.get(name="示例第三水务（演示）")
    assert resp.status_code == 302 and resp["Location"] == reverse("orgchart:unit", args=[company.code])
    assert company.parent.code == "water_companies" and company.company_type == "water"
    assert OrgChange.objects.get().action == "create"


def test_company_add_refuses_a_wrong_type_and_non_categories(as_user):
    client = as_user("office")
    resp = client.post(
        reverse("orgchart:company_add", args=["water_companies"]),
        {"name": "某热力（演示）", "company_type": "heating"},
    )
    assert resp.status_code == 422 and "选择一个有效的选项" in resp.content.decode()
    assert client.get(reverse("orgchart:company_add", args=["public_security"])).status_code == 404
    html = client.get(reverse("orgchart:company_add", args=["heating_companies"])).content.decode()
    assert 'value="heat_source"' in html and 'value="water"' not in html
    assert not OrgChange.objects.exists()


# ---- people --------------------------------------------------------------------------------------


def test_person_add_then_edit(as_user):
    client = as_user("office")
    health = Unit.objects.get(code="health")
    resp = client.post(
        reverse("orgchart:person_add"),
        {
            "username": "health-duty",
            "name": "卫健值班（演示）",
            "title": "科员",
            "unit": health.pk,
            "organisation": "",
            "mobile": "13900002222",
            "office_phone": "0359-2000000",
            "channels": ["sms", "phone"],
            "active": "on",
        },
    )
    person = Person.objects.get(user__username="health-duty")
    assert resp.status_code == 302 and resp["Location"] == reverse("orgchart:person_edit", args=[person.pk])
    assert person.channels == ["sms", "phone"] and person.unit == health
    resp = client.post(
        resp["Location"],
        {
            "name": "卫健值班（演示）",
            "title": "副科长",
            "unit": health.pk,
            "mobile": "13900002222",
            "office_phone": "0359-2000000",
            "channels": ["sms"],
            "active": "on",
        },
    )
    assert resp.status_code == 302 and resp["Location"] == reverse("orgchart:person", args=[person.pk])
    update = OrgChange.objects.order_by("-id").first()
    assert update.changes == {"title": ["科员", "副科长"], "channels": [["短信", "电话"], ["短信"]]}


def test_person_add_shows_chinese_errors_and_saves_nothing(as_user):
    users = get_user_model().objects.count()
    resp = as_user("office").post(
        reverse("orgchart:person_add"),
        {"username": "office", "name": "", "mobile": "12345", "unit": "", "organisation": ""},
    )
    html = resp.content.decode()
    assert resp.status_code == 422
    for text in ("用户名“office”已被使用", "手机号须为以1开头的11位数字", "请选择所在的成员单位"):
        assert text in html, text
    assert get_user_model().objects.count() == users and not OrgChange.objects.exists()


def test_person_edit_page_has_no_username_field(as_user, police_person):
    html = as_user("office").get(reverse("orgchart:person_edit", args=[police_person.pk])).content.decode()
    assert 'name="username"' not in html and 'id="appointments"' in html and 'id="absences"' in html


def test_appointment_add_with_htmx_returns_the_section(as_user, police_person):
    client = as_user("office")
    health = Unit.objects.get(code="health")
    liaison = Position.objects.get(code="unit_liaison")
    resp = client.post(
        reverse("orgchart:appointment_add", args=[police_person.pk]),
        {"position": liaison.pk, "unit": health.pk, "role": "deputy"},
        **HX,
    )
    html = resp.content.decode()
    assert resp.status_code == 200 and "<html" not in html and html.lstrip().startswith("<section")
    assert 'id="appointments"' in html and "已添加任职" in html and "市卫健委" in html
    assert Appointment.objects.filter(person=police_person, unit=health, role="deputy").exists()
    assert OrgChange.objects.get().model == "orgchart.Appointment"


def test_appointment_add_without_htmx_redirects(as_user, police_person):
    resp = as_user("office").post(
        reverse("orgchart:appointment_add", args=[police_person.pk]),
        {"position": Position.objects.get(code="office_staff").pk, "role": "holder"},
    )
    assert resp.status_code == 302
    assert resp["Location"] == reverse("orgchart:person_edit", args=[police_person.pk]) + "#appointments"


def test_appointment_add_scope_error(as_user, police_person):
    client = as_user("office")
    url = reverse("orgchart:appointment_add", args=[police_person.pk])
    data = {"position": Position.objects.get(code="unit_liaison").pk, "role": "holder"}
    resp = client.post(url, data, **HX)
    assert resp.status_code == 422 and "<html" not in resp.content.decode()
    assert "“成员单位联络员”按单位任职：请选择单位。" in resp.content.decode()
    resp = client.post(url, data)
    assert resp.status_code == 422 and "<html" in resp.content.decode()
    assert "“成员单位联络员”按单位任职：请选择单位。" in resp.content.decode()
    assert not OrgChange.objects.exists()


def test_appointment_remove_htmx_and_plain(as_user, police_person):
    client = as_user("office")
    a = Appointment.objects.get(person=police_person, position__code="unit_liaison")
    resp = client.post(reverse("orgchart:appointment_remove", args=[police_person.pk, a.pk]), **HX)
    assert resp.status_code == 200 and "已撤销任职" in resp.content.decode()
    assert not Appointment.objects.filter(pk=a.pk).exists()
    b = services.appointment_add(
        actor=get_user_model().objects.get(username="office"),
        person=police_person,
        position=Position.objects.get(code="office_staff"),
    )
    resp = client.post(reverse("orgchart:appointment_remove", args=[police_person.pk, b.pk]))
    assert resp.status_code == 302 and not Appointment.objects.filter(pk=b.pk).exists()
    assert OrgChange.objects.filter(action="delete").count() == 2
    # another person's appointment cannot be removed through this person's URL
    other = Appointment.objects.exclude(person=police_person).first()
    assert (
        client.post(reverse("orgchart:appointment_remove", args=[police_person.pk, other.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("orgchart:appointment_remove", args=[police_person.pk, other.pk])).status_code
        == 405
    )


def test_absence_add_htmx(as_user, police_person):
    client = as_user("office")
    url = reverse("orgchart:absence_add", args=[police_person.pk])
    start = timezone.localtime() + timedelta(days=1)
    bad = {"starts_at": f"{start:%Y-%m-%dT%H:%M}", "ends_at": f"{start - timedelta(hours=2):%Y-%m-%dT%H:%M}"}
    resp = client.post(url, bad, **HX)
    assert resp.status_code == 422 and "结束时间必须晚于开始时间。" in resp.content.decode()
    assert not Absence.objects.exists()
    good = {
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "ends_at": f"{start + timedelta(days=3):%Y-%m-%dT%H:%M}",
        "reason": "出差",
    }
    resp = client.post(url, good, **HX)
    assert (
        resp.status_code == 200
        and "出差" in resp.content.decode()
        and 'id="absences"' in resp.content.decode()
    )
    absence = Absence.objects.get(person=police_person)
    resp = client.post(reverse("orgchart:absence_remove", args=[police_person.pk, absence.pk]))
    assert resp.status_code == 302 and not Absence.objects.exists()
    assert list(OrgChange.objects.order_by("id").values_list("action", flat=True)) == ["create", "delete"]


# ---- working-group members -----------------------------------------------------------------------


def test_group_members_page_marks_plan_members(as_user):
    html = as_user("office").get(reverse("orgchart:group_members", args=["public_order"])).content.decode()
    assert "市公安局" in html and "预案规定" in html and '<span class="clause">附件3</span>' in html
    assert 'name="membership"' not in html  # no remove button for the plan's members


def test_group_members_add_and_remove_with_htmx(as_user):
    client = as_user("office")
    url = reverse("orgchart:group_members", args=["public_order"])
    fire = Unit.objects.get(code="fire_rescue")
    resp = client.post(url, {"action": "add", "unit": fire.pk}, **HX)
    html = resp.content.decode()
    assert (
        resp.status_code == 200 and "<html" not in html and "市消防救援支队" in html and "办公室增补" in html
    )
    m = GroupMembership.objects.get(group__code="public_order", unit=fire)
    resp = client.post(url, {"action": "remove", "membership": m.pk}, **HX)
    assert resp.status_code == 200 and "已从社会稳定组删除成员单位" in resp.content.decode()
    assert not GroupMembership.objects.filter(pk=m.pk).exists()
    assert OrgChange.objects.count() == 2


def test_group_members_refuses_to_remove_a_plan_member(as_user):
    client = as_user("office")
    url = reverse("orgchart:group_members", args=["public_order"])
    m = GroupMembership.objects.get(group__code="public_order", unit__code="public_security")
    resp = client.post(url, {"action": "remove", "membership": m.pk}, **HX)
    assert resp.status_code == 422
    assert (
        "预案规定的成员单位不能删除；如需调整请在具体事件中由现场指挥长调整（附件3）" in resp.content.decode()
    )
    assert GroupMembership.objects.filter(pk=m.pk).exists() and not OrgChange.objects.exists()


def test_group_members_add_without_htmx_redirects_with_a_message(as_user):
    client = as_user("director")
    url = reverse("orgchart:group_members", args=["public_order"])
    resp = client.post(url, {"action": "add", "unit": Unit.objects.get(code="health").pk})
    assert resp.status_code == 302 and resp["Location"] == url
    assert "已为社会稳定组增加成员单位“市卫健委”。" in client.get(url).content.decode()


# ---- duty roster ---------------------------------------------------------------------------------


def roster_post(officer, leader, **over):
    data = {}
    for d in services.month_days(YEAR, MONTH):
        for kind in DutyShift.Kind.values:
            data[f"{d:%Y-%m-%d}-{kind}-duty_officer"] = officer.pk if officer else ""
            data[f"{d:%Y-%m-%d}-{kind}-duty_leader"] = leader.pk if leader else ""
    data.update(over)
    return data


@pytest.fixture
def roster_people(demo):
    officers = list(Person.objects.filter(appointments__position__code="duty_officer").order_by("pk"))
    leader = Person.objects.filter(appointments__position__code="duty_leader").order_by("pk").first()
    return officers, leader


def test_roster_month_save_and_edit_one_row(as_user, roster_people):
    (officer, other, *_), leader = roster_people
    client = as_user("office")
    url = reverse("orgchart:roster_edit", args=[YEAR, MONTH])
    html = client.get(url).content.decode()
    assert html.count('<select name="2031-02-') == 2 * 2 * 28 and "08:00" in html and "次日" in html
    resp = client.post(url, roster_post(officer, leader))
    assert resp.status_code == 302 and resp["Location"] == reverse("orgchart:duty") + "?month=2031-02"
    assert DutyShift.objects.filter(date__year=YEAR, date__month=MONTH).count() == 2 * 28
    assert OrgChange.objects.count() == 1
    # the page is prefilled with the saved shifts
    html = client.get(url).content.decode()
    assert html.count(f'<option value="{officer.pk}" selected>') == 56
    resp = client.post(url, roster_post(officer, leader, **{"2031-02-14-day-duty_officer": other.pk}))
    assert resp.status_code == 302
    assert DutyShift.objects.filter(date__year=YEAR, date__month=MONTH, duty_officer=other).count() == 1
    change = OrgChange.objects.order_by("-id").first()
    assert OrgChange.objects.count() == 2 and change.changes == {
        "2031-02-14 白班·值班员": [officer.name, other.name]
    }


def test_roster_refuses_someone_outside_the_choices(as_user, roster_people, police_person):
    (officer, *_), leader = roster_people
    resp = as_user("office").post(
        reverse("orgchart:roster_edit", args=[YEAR, MONTH]),
        roster_post(officer, leader, **{"2031-02-03-night-duty_leader": police_person.pk}),
    )
    assert resp.status_code == 422 and "2月3日 夜班 带班领导" in resp.content.decode()
    assert not DutyShift.objects.filter(date__year=YEAR).exists() and not OrgChange.objects.exists()


def test_roster_copy_previous_month_prefills(as_user, roster_people):
    (officer, *_), leader = roster_people
    client = as_user("office")
    client.post(reverse("orgchart:roster_edit", args=[YEAR, MONTH]), roster_post(officer, leader))
    html = client.get(reverse("orgchart:roster_edit", args=[YEAR, 3]) + "?copy=prev").content.decode()
    assert "已按2031年2月同日的排班预填" in html
    assert html.count(f'<option value="{officer.pk}" selected>') == 56  # March 1–28; 29–31 stay empty
    assert not DutyShift.objects.filter(date__year=YEAR, date__month=3).exists()


def test_roster_bad_month_is_404(as_user):
    assert as_user("office").get("/org/duty/2031-13/edit/").status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_roster_page_queries_do_not_grow_with_the_data(as_user, roster_people):
    (officer, *_), leader = roster_people
    client = as_user("office")
    url = reverse("orgchart:roster_edit", args=[YEAR, MONTH])
    empty = _queries(client, url)
    client.post(url, roster_post(officer, leader))
    office = get_user_model().objects.get(username="office")
    duty_officer = Position.objects.get(code="duty_officer")
    for n in range(15):  # many more candidates
        p = services.person_create(
            actor=office,
            data={
                "username": f"extra-{n}",
                "name": f"值班{n}（演示）",
                "organisation": "市城市管理局（演示）",
            },
        )
        Appointment.objects.create(person=p, position=duty_officer)
    full = _queries(client, url)
    assert full == empty, (empty, full)
    assert full <= 12


def test_change_log_queries_do_not_grow_and_it_paginates(as_user):
    client = as_user("office")
    office = get_user_model().objects.get(username="office")
    url = reverse("orgchart:changes")
    unit = Unit.objects.get(code="public_security")
    for n in range(3):
        services.unit_update(actor=office, unit=unit, data={"duty_phone": f"0359-100000{n}"})
    few = _queries(client, url)
    for n in range(120):
        services.unit_update(actor=office, unit=unit, data={"duty_phone": f"0359-20{n:05d}"})
    many = _queries(client, url)
    assert few == many, (few, many)
    html = client.get(url).content.decode()
    assert html.count('data-testid="change-entry"') == 50 and "第 1 / 3 页" in html
    # newest first
    assert html.index("<ins>0359-2000119</ins>") < html.index("<ins>0359-2000118</ins>")
    assert client.get(url + "?page=3").content.decode().count('data-testid="change-entry"') == 23


def test_change_log_filters_by_model_and_answers_htmx_with_the_partial(as_user, police_person):
    client = as_user("office")
    office = get_user_model().objects.get(username="office")
    services.unit_update(
        actor=office, unit=Unit.objects.get(code="health"), data={"duty_phone": "0359-1200000"}
    )
    services.person_update(actor=office, person=police_person, data={"mobile": "13911112222"})
    html = client.get(reverse("orgchart:changes") + "?model=orgchart.Person").content.decode()
    assert (
        html.count('data-testid="change-entry"') == 1 and "13911112222" in html and "0359-1200000" not in html
    )
    assert "王文静（演示）" in html and "手机" in html
    resp = client.get(reverse("orgchart:changes") + "?model=orgchart.Unit", **HX)
    part = resp.content.decode()
    assert resp.status_code == 200 and "<html" not in part and 'id="change-log"' in part
    assert part.count('data-testid="change-entry"') == 1 and "0359-1200000" in part


def test_admin_edits_are_recorded_too(client, demo):
    admin_user = get_user_model().objects.create_superuser("root", password="x-very-long-password-1")
    client.force_login(admin_user)
    unit = Unit.objects.get(code="health")
    url = reverse("admin:orgchart_unit_change", args=[unit.pk])
    assert client.get(url).status_code == 200
    resp = client.post(
        url,
        {
            "current_name": "",
            "duty_phone": "0359-9999999",
            "address": "",
            "active": "on",
            "companies-TOTAL_FORMS": "0",
            "companies-INITIAL_FORMS": "0",
            "companies-MIN_NUM_FORMS": "0",
            "companies-MAX_NUM_FORMS": "1000",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    change = OrgChange.objects.get()
    assert change.actor == admin_user and change.changes["duty_phone"][1] == "0359-9999999"
    assert change.summary.endswith("（管理后台）")
    assert client.get(reverse("admin:orgchart_orgchange_change", args=[change.pk])).status_code == 200
    assert client.post(reverse("admin:orgchart_orgchange_delete", args=[change.pk])).status_code == 403
    assert OrgChange.objects.count() == 1
