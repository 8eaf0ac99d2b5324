"""orgchart.services: every write is audited (one OrgChange with the right diff), a no-op writes
nothing, bad input changes nothing, the actor's authority is checked, rows are locked."""

import threading
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
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
    WorkingGroup,
)
from orgchart.permissions import OFFICE, can

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(demo, user_of):
    return user_of("office")


@pytest.fixture
def police_unit(demo):
    return Unit.objects.get(code="public_security")


def only_change():
    """The one OrgChange the test wrote (the demo data writes none)."""
    changes = list(OrgChange.objects.all())
    assert len(changes) == 1, changes
    return changes[0]


def updates(ctx, table):
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(f'UPDATE "{table}"')]


# ---- unit_update --------------------------------------------------------------------------------


def test_unit_update_records_one_change_with_the_diff(office, police_unit):
    old_phone = police_unit.duty_phone
    with CaptureQueriesContext(connection) as ctx:
        services.unit_update(
            actor=office,
            unit=police_unit,
            data={
                "duty_phone": "0359-2088110",
                "address": "运城市盐湖区（演示）",
                "current_name": "",
                "active": True,
            },
        )
    police_unit.refresh_from_db()
    assert police_unit.duty_phone == "0359-2088110" and police_unit.address == "运城市盐湖区（演示）"
    change = only_change()
    assert (change.actor, change.action, change.model, change.object_id) == (
        office,
        "update",
        "orgchart.Unit",
        str(police_unit.pk),
    )
    assert change.object_repr == "市公安局"
    assert change.changes == {
        "duty_phone": [old_phone, "0359-2088110"],
        "address": ["", "运城市盐湖区（演示）"],
    }
    assert change.summary == "修改单位“市公安局”：值班电话、地址"
    # saved with update_fields: only the changed columns are written, the row was locked first
    [sql] = updates(ctx, "orgchart_unit")
    assert '"duty_phone"' in sql and '"address"' in sql and '"name"' not in sql and '"duties"' not in sql
    assert any("FOR UPDATE" in q["sql"] and "orgchart_unit" in q["sql"] for q in ctx.captured_queries)


def test_unit_update_without_a_difference_writes_nothing(office, police_unit):
    with CaptureQueriesContext(connection) as ctx:
        services.unit_update(
            actor=office,
            unit=police_unit,
            data={"duty_phone": police_unit.duty_phone, "address": police_unit.address},
        )
    assert not updates(ctx, "orgchart_unit")
    assert not OrgChange.objects.exists()


def test_unit_update_records_a_deactivation_as_booleans(office, police_unit):
    services.unit_update(actor=office, unit=police_unit, data={"active": False})
    assert only_change().changes == {"active": [True, False]}


def test_unit_update_refuses_the_plans_text(office, police_unit):
    with pytest.raises(ValidationError) as e:
        services.unit_update(actor=office, unit=police_unit, data={"name": "公安局", "duty_phone": "0359-1"})
    assert "不能修改" in " ".join(e.value.messages)
    police_unit.refresh_from_db()
    assert police_unit.name == "市公安局" and police_unit.duty_phone != "0359-1"
    assert not OrgChange.objects.exists()


@pytest.mark.parametrize("username", ["police", "commander"])
def test_services_check_the_actors_authority(user_of, police_unit, username):
    with pytest.raises(PermissionDenied) as e:
        services.unit_update(actor=user_of(username), unit=police_unit, data={"duty_phone": "0359-2088110"})
    assert "维护组织体系" in str(e.value)
    with pytest.raises(PermissionDenied):
        services.roster_month_save(actor=user_of(username), year=2031, month=1, rows=[])
    assert not OrgChange.objects.exists()


def test_unit_update_diffs_against_the_locked_row_not_a_stale_instance(office, police_unit):
    stale = Unit.objects.get(pk=police_unit.pk)
    Unit.objects.filter(pk=police_unit.pk).update(duty_phone="0359-1111111")  # someone else saved meanwhile
    services.unit_update(actor=office, unit=stale, data={"duty_phone": "0359-2222222"})
    assert only_change().changes == {"duty_phone": ["0359-1111111", "0359-2222222"]}


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_of_one_unit_are_serialised(demo, user_of):
    """A second writer waits for the first one's row lock, then records the first one's value as old."""
    office, director = user_of("office"), user_of("director")
    unit = Unit.objects.get(code="public_security")
    done = threading.Event()
    errors = []

    def second_writer():
        try:
            services.unit_update(actor=director, unit=unit, data={"duty_phone": "0359-7777777"})
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            done.set()
            connection.close()

    with transaction.atomic():
        Unit.objects.select_for_update().get(pk=unit.pk)
        Unit.objects.filter(pk=unit.pk).update(duty_phone="0359-6666666")
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not done.wait(timeout=1.5), "the second writer did not wait for the row lock"
    thread.join(timeout=15)
    assert done.is_set() and not errors
    change = OrgChange.objects.get()
    assert change.actor == director
    assert change.changes == {"duty_phone": ["0359-6666666", "0359-7777777"]}
    assert Unit.objects.get(pk=unit.pk).duty_phone == "0359-7777777"
    assert office  # both office posts may edit; only one change each way is recorded


# ---- company_create -----------------------------------------------------------------------------


def test_company_create_numbers_codes_and_records(office):
    heating = Unit.objects.get(code="heating_companies")
    a = services.company_create(
        actor=office,
        category=heating,
        data={
            "name": "示例第二热源厂（演示）",
            "company_type": "heat_source",
            "duty_phone": "0359-6000001",
            "address": "",
        },
    )
    b = services.company_create(
        actor=office, category=heating, data={"name": "示例热力公司（演示）", "company_type": "heating"}
    )
    assert (a.code, b.code) == ("company-1", "company-2")
    assert a.parent == heating and a.kind == "enterprise" and a.plan_duties == heating.duties
    first = OrgChange.objects.order_by("id").first()
    assert (first.action, first.model, first.object_id) == ("create", "orgchart.Unit", str(a.pk))
    assert first.changes == {
        "code": [None, "company-1"],
        "parent": [None, "各供热企业"],
        "name": [None, "示例第二热源厂（演示）"],
        "company_type": [None, "热源单位"],
        "duty_phone": [None, "0359-6000001"],
    }
    assert first.summary == "在“各供热企业”下新增企业“示例第二热源厂（演示）”（热源单位）"
    assert OrgChange.objects.count() == 2


@pytest.mark.parametrize(
    ("category", "data", "message"),
    [
        (
            "water_companies",
            {"name": "某热力（演示）", "company_type": "heating"},
            "企业类型只能是：供水企业",
        ),
        (
            "heating_companies",
            {"name": "某水务（演示）", "company_type": "water"},
            "企业类型只能是：供热企业、热源单位",
        ),
        (
            "public_security",
            {"name": "某公司（演示）", "company_type": "heating"},
            "只能在“各供热企业”或“各供水企业”下",
        ),
        (
            "heating_companies",
            {"name": "运城市演示热力有限公司（演示）", "company_type": "heating"},
            "已有名为",
        ),
        ("heating_companies", {"name": " ", "company_type": "heating"}, "请填写企业名称"),
    ],
)
def test_company_create_refuses_bad_input_and_changes_nothing(office, category, data, message):
    before = Unit.objects.count()
    with pytest.raises(ValidationError) as e:
        services.company_create(actor=office, category=Unit.objects.get(code=category), data=data)
    assert message in " ".join(e.value.messages)
    assert Unit.objects.count() == before and not OrgChange.objects.exists()


# ---- people -------------------------------------------------------------------------------------


def person_data(**over):
    return {
        "username": "new-liaison",
        "name": "新联络员（演示）",
        "title": "科员",
        "unit": Unit.objects.get(code="health"),
        "organisation": "",
        "mobile": "13900001111",
        "office_phone": "",
        "channels": ["sms", "in_app"],
        "active": True,
        **over,
    }


def test_person_create_makes_a_user_without_password_and_records(office):
    p = services.person_create(actor=office, data=person_data())
    assert p.user.username == "new-liaison" and not p.user.has_usable_password()
    assert p.user.first_name == "新联络员（演示）"
    assert p.channels == ["in_app", "sms"]  # stored in the Channel order
    change = only_change()
    assert (change.action, change.model, change.object_id) == ("create", "orgchart.Person", str(p.pk))
    assert change.changes == {
        "username": [None, "new-liaison"],
        "name": [None, "新联络员（演示）"],
        "title": [None, "科员"],
        "unit": [None, "市卫健委"],
        "mobile": [None, "13900001111"],
        "channels": [None, ["站内消息", "短信"]],
        "active": [None, True],
    }


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"mobile": "2390000111"}, "mobile", "手机号须为以1开头的11位数字"),
        ({"mobile": "139000011112"}, "mobile", "手机号须为以1开头的11位数字"),
        ({"username": "OFFICE"}, "username", "已被使用"),
        ({"unit": None, "organisation": ""}, "unit", "请选择所在的成员单位"),
        ({"organisation": "某单位"}, "organisation", "不要再填写"),
        ({"unit": "heating_companies"}, "unit", "企业类别"),
        ({"name": ""}, "name", "请填写姓名"),
    ],
)
def test_person_create_refuses_bad_input_and_changes_nothing(office, over, field, message):
    if over.get("unit") == "heating_companies":
        over["unit"] = Unit.objects.get(code="heating_companies")
    users, people = get_user_model().objects.count(), Person.objects.count()
    with pytest.raises(ValidationError) as e:
        services.person_create(actor=office, data=person_data(**over))
    assert message in " ".join(e.value.message_dict[field])
    assert get_user_model().objects.count() == users and Person.objects.count() == people
    assert not OrgChange.objects.exists()


def test_person_update_records_the_diff_and_renames_the_user(office):
    p = Person.objects.get(user__username="police")
    services.person_update(
        actor=office,
        person=p,
        data={
            "name": "刘晓军（演示）",
            "mobile": "13912345678",
            "channels": ["phone", "sms", "in_app"],
            "title": p.title,
        },
    )
    change = only_change()
    assert change.changes == {
        "mobile": [p.mobile, "13912345678"],
        "channels": [["站内消息", "短信", "电子邮件"], ["站内消息", "短信", "电话"]],
    }
    services.person_update(actor=office, person=p, data={"name": "刘晓明（演示）"})
    assert get_user_model().objects.get(username="police").first_name == "刘晓明（演示）"
    assert OrgChange.objects.count() == 2


def test_person_update_without_a_difference_writes_nothing(office):
    p = Person.objects.get(user__username="police")
    data = {f: getattr(p, f) for f in services.PERSON_FIELDS}
    with CaptureQueriesContext(connection) as ctx:
        services.person_update(actor=office, person=p, data=data)
    assert not updates(ctx, "orgchart_person") and not OrgChange.objects.exists()


def test_person_update_refuses_a_bad_mobile(office):
    p = Person.objects.get(user__username="police")
    with pytest.raises(ValidationError):
        services.person_update(actor=office, person=p, data={"mobile": "0359-123"})
    assert Person.objects.get(pk=p.pk).mobile == p.mobile and not OrgChange.objects.exists()


# ---- appointments and absences ------------------------------------------------------------------


def test_appointment_add_records_and_grants_at_once(office, user_of):
    police = Person.objects.get(user__username="police")
    a = services.appointment_add(
        actor=office, person=police, position=Position.objects.get(code="office_staff")
    )
    change = only_change()
    assert (change.action, change.model, change.object_id) == ("create", "orgchart.Appointment", str(a.pk))
    assert change.changes == {
        "person": [None, "刘晓军（演示）"],
        "position": [None, "办公室工作人员"],
        "role": [None, "担任"],
    }
    assert change.summary == "任命“刘晓军（演示）”：办公室工作人员·担任"
    assert can(user_of("police"), "orgchart.edit")


@pytest.mark.parametrize(
    ("position", "unit", "group", "field", "message"),
    [
        ("unit_liaison", None, None, "unit", "按单位任职：请选择单位"),
        ("unit_liaison", "heating_companies", None, "unit", "企业类别"),
        ("unit_head", "health", "rescue", "group", "按单位任职，不选工作组"),
        ("group_leader", None, None, "group", "按工作组任职：请选择工作组"),
        ("group_leader", "health", "rescue", "unit", "按工作组任职，不选单位"),
        ("commander", "health", None, "unit", "不按单位任职"),
        ("commander", None, "rescue", "group", "不按工作组任职"),
    ],
)
def test_appointment_add_checks_the_positions_scope(office, position, unit, group, field, message):
    police = Person.objects.get(user__username="police")
    before = Appointment.objects.count()
    with pytest.raises(ValidationError) as e:
        services.appointment_add(
            actor=office,
            person=police,
            position=Position.objects.get(code=position),
            unit=Unit.objects.get(code=unit) if unit else None,
            group=WorkingGroup.objects.get(code=group) if group else None,
        )
    assert message in " ".join(e.value.message_dict[field])
    assert Appointment.objects.count() == before and not OrgChange.objects.exists()


def test_appointment_add_refuses_a_duplicate(office, police_unit):
    police = Person.objects.get(user__username="police")
    with pytest.raises(ValidationError, match="已有这一任职"):
        services.appointment_add(
            actor=office, person=police, position=Position.objects.get(code="unit_liaison"), unit=police_unit
        )
    assert not OrgChange.objects.exists()


def test_appointment_remove_records_the_old_values(office, police_unit):
    a = Appointment.objects.get(person__user__username="police", position__code="unit_liaison")
    services.appointment_remove(actor=office, appointment=a)
    assert not Appointment.objects.filter(pk=a.pk).exists()
    change = only_change()
    assert (change.action, change.object_id) == ("delete", str(a.pk))
    assert change.changes == {
        "person": ["刘晓军（演示）", None],
        "position": ["成员单位联络员", None],
        "unit": ["市公安局", None],
        "role": ["担任", None],
    }
    with pytest.raises(ValidationError, match="已不存在"):
        services.appointment_remove(actor=office, appointment=a)


def test_the_last_office_holder_cannot_be_removed_or_deactivated(office):
    keep = Appointment.objects.get(person__user__username="office", position__code="office_staff")
    Appointment.objects.filter(position__code__in=OFFICE, role="holder").exclude(pk=keep.pk).delete()
    with pytest.raises(ValidationError, match="最后一名"):
        services.appointment_remove(actor=office, appointment=keep)
    with pytest.raises(ValidationError, match="最后一名"):
        services.person_update(actor=office, person=keep.person, data={"active": False})
    assert Appointment.objects.filter(pk=keep.pk).exists() and Person.objects.get(pk=keep.person_id).active
    assert not OrgChange.objects.exists()


def test_absence_add_records_and_refuses_an_end_before_the_start(office):
    p = Person.objects.get(user__username="director")
    start = timezone.now() + timedelta(days=1)
    for ends in (start, start - timedelta(hours=1)):
        with pytest.raises(ValidationError, match="结束时间必须晚于开始时间"):
            services.absence_add(actor=office, person=p, starts_at=start, ends_at=ends, reason="休假")
    assert not Absence.objects.exists() and not OrgChange.objects.exists()
    ab = services.absence_add(
        actor=office, person=p, starts_at=start, ends_at=start + timedelta(days=2), reason="休假"
    )
    change = only_change()
    assert (change.action, change.model, change.object_id) == ("create", "orgchart.Absence", str(ab.pk))
    assert change.changes["reason"] == [None, "休假"]
    assert change.changes["starts_at"] == [
        None,
        timezone.localtime(start).isoformat(sep=" ", timespec="minutes"),
    ]
    services.absence_remove(actor=office, absence=ab)
    assert not Absence.objects.exists() and OrgChange.objects.filter(action="delete").count() == 1


# ---- working-group members (附件3) ---------------------------------------------------------------


def test_group_member_add_and_remove_an_office_added_member(office):
    group, fire = WorkingGroup.objects.get(code="public_order"), Unit.objects.get(code="fire_rescue")
    m = services.group_member_add(actor=office, group=group, unit=fire)
    assert (
        not m.from_plan
        and m.order > GroupMembership.objects.get(group=group, unit__code="public_security").order
    )
    change = only_change()
    assert change.changes == {
        "group": [None, "社会稳定组"],
        "unit": [None, "市消防救援支队"],
        "from_plan": [None, False],
    }
    with pytest.raises(ValidationError, match="已是社会稳定组的成员单位"):
        services.group_member_add(actor=office, group=group, unit=fire)
    services.group_member_remove(actor=office, membership=m)
    assert not GroupMembership.objects.filter(pk=m.pk).exists()
    assert OrgChange.objects.filter(action="delete", model="orgchart.GroupMembership").count() == 1


def test_a_plan_member_cannot_be_removed(office):
    m = GroupMembership.objects.get(group__code="public_order", unit__code="public_security")
    with pytest.raises(ValidationError) as e:
        services.group_member_remove(actor=office, membership=m)
    assert e.value.messages == ["预案规定的成员单位不能删除；如需调整请在具体事件中由现场指挥长调整（附件3）"]
    assert GroupMembership.objects.filter(pk=m.pk).exists() and not OrgChange.objects.exists()


def test_a_county_government_is_not_a_standing_member(office):
    with pytest.raises(ValidationError, match="事发地县级政府按具体事件确定"):
        services.group_member_add(
            actor=office,
            group=WorkingGroup.objects.get(code="rescue"),
            unit=Unit.objects.get(code="gov-yanhu"),
        )
    assert not OrgChange.objects.exists()


# ---- duty roster --------------------------------------------------------------------------------

YEAR, MONTH = 2031, 2  # a month the demo roster does not reach: 28 days


def month_rows(officer, leader):
    return [
        {"date": d, "kind": k, "duty_officer": officer, "duty_leader": leader}
        for d in services.month_days(YEAR, MONTH)
        for k in DutyShift.Kind.values
    ]


@pytest.fixture
def roster_people(demo):
    officer = Person.objects.filter(appointments__position__code="duty_officer").order_by("pk").first()
    leader = Person.objects.filter(appointments__position__code="duty_leader").order_by("pk").first()
    return officer, leader


def test_roster_month_save_creates_two_shifts_a_day_and_one_change(office, roster_people):
    officer, leader = roster_people
    assert services.roster_month_save(
        actor=office, year=YEAR, month=MONTH, rows=month_rows(officer, leader)
    ) == (56, 0)
    shifts = DutyShift.objects.filter(date__year=YEAR, date__month=MONTH)
    assert shifts.count() == 2 * 28
    night = shifts.get(date=date(YEAR, MONTH, 28), kind="night")
    assert (night.starts_at, night.ends_at) == DutyShift.bounds(date(YEAR, MONTH, 28), "night")
    assert timezone.localtime(night.ends_at).date() == date(YEAR, 3, 1)
    change = only_change()
    assert (change.model, change.object_id, change.object_repr) == (
        "orgchart.DutyShift",
        "2031-02",
        "2031年2月值班表",
    )
    assert change.summary == "编排2031年2月值班表：新建56个班次，修改0个班次"
    assert change.changes["2031-02-01 白班·值班员"] == [None, officer.name]
    assert len(change.changes) == 56 * 2


def test_roster_month_save_edits_one_row(office, roster_people):
    officer, leader = roster_people
    services.roster_month_save(actor=office, year=YEAR, month=MONTH, rows=month_rows(officer, leader))
    other = Person.objects.filter(appointments__position__code="duty_officer").exclude(pk=officer.pk).first()
    rows = month_rows(officer, leader)
    rows[9]["duty_officer"] = other  # 2031-02-05 夜班
    with CaptureQueriesContext(connection) as ctx:
        assert services.roster_month_save(actor=office, year=YEAR, month=MONTH, rows=rows) == (0, 1)
    changed = DutyShift.objects.get(date=date(YEAR, MONTH, 5), kind="night")
    assert changed.duty_officer == other
    assert DutyShift.objects.filter(date__year=YEAR, date__month=MONTH, duty_officer=officer).count() == 55
    assert len(updates(ctx, "orgchart_dutyshift")) == 1
    change = OrgChange.objects.order_by("-id").first()
    assert OrgChange.objects.count() == 2
    assert change.changes == {"2031-02-05 夜班·值班员": [officer.name, other.name]}
    assert change.summary == "编排2031年2月值班表：新建0个班次，修改1个班次"
    # saving the same month again changes nothing
    assert services.roster_month_save(actor=office, year=YEAR, month=MONTH, rows=rows) == (0, 0)
    assert OrgChange.objects.count() == 2


def test_roster_rows_naming_nobody_create_nothing(office):
    assert services.roster_month_save(actor=office, year=YEAR, month=MONTH, rows=month_rows(None, None)) == (
        0,
        0,
    )
    assert not DutyShift.objects.filter(date__year=YEAR).exists() and not OrgChange.objects.exists()


def test_roster_refuses_people_without_the_post_and_changes_nothing(office, roster_people):
    officer, leader = roster_people
    police = Person.objects.get(user__username="police")
    rows = month_rows(officer, leader)
    rows[3]["duty_leader"] = police
    with pytest.raises(ValidationError) as e:
        services.roster_month_save(actor=office, year=YEAR, month=MONTH, rows=rows)
    assert e.value.messages == ["2031-02-02 夜班：刘晓军（演示）不是带班领导。"]
    assert not DutyShift.objects.filter(date__year=YEAR).exists() and not OrgChange.objects.exists()


def test_roster_refuses_a_day_outside_the_month(office, roster_people):
    rows = [{"date": date(YEAR, 3, 1), "kind": "day", "duty_officer": roster_people[0], "duty_leader": None}]
    with pytest.raises(ValidationError, match="不在2031年2月内"):
        services.roster_month_save(actor=office, year=YEAR, month=MONTH, rows=rows)
    assert not DutyShift.objects.filter(date__year=YEAR).exists()


def test_roster_copy_pattern_repeats_the_previous_month(office, roster_people):
    officer, leader = roster_people
    services.roster_month_save(actor=office, year=YEAR, month=MONTH, rows=month_rows(officer, leader))
    pattern = services.roster_copy_pattern(year=YEAR, month=3)
    assert pattern[(date(YEAR, 3, 1), "day")] == (officer.pk, leader.pk)
    assert (date(YEAR, 3, 29), "day") not in pattern  # February has no 29th in 2031


# ---- OrgChange is append-only -------------------------------------------------------------------


def test_org_change_cannot_be_updated_or_deleted(office, police_unit):
    services.unit_update(actor=office, unit=police_unit, data={"duty_phone": "0359-2088110"})
    change = only_change()
    change.summary = "篡改"
    with pytest.raises(PermissionError):
        change.save()
    with pytest.raises(PermissionError):
        change.delete()
    assert OrgChange.objects.get().summary == "修改单位“市公安局”：值班电话"


def test_admin_offers_no_way_to_change_the_log(rf, office):
    from django.contrib import admin

    from orgchart.admin import OrgChangeAdmin

    request = rf.get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    model_admin = OrgChangeAdmin(OrgChange, admin.site)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.get_actions(request) == {}
    assert isinstance(admin.site._registry[OrgChange], OrgChangeAdmin)


def test_person_update_judges_unit_and_organisation_together(office):
    p = Person.objects.get(user__username="commander")  # organisation 运城市人民政府, no unit
    services.person_update(actor=office, person=p, data={"unit": None})  # no change, still valid
    with pytest.raises(ValidationError, match="不要再填写"):
        services.person_update(actor=office, person=p, data={"unit": Unit.objects.get(code="city_admin")})
    services.person_update(
        actor=office, person=p, data={"unit": Unit.objects.get(code="city_admin"), "organisation": ""}
    )
    assert only_change().changes == {"unit": [None, "市城市管理局"], "organisation": ["运城市人民政府", ""]}
