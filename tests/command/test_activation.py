"""What an activated level sets up (§5.3, 附件1, 附件3): idempotent, raising adds only what is missing;
the on-site HQ, the eight groups with the county government resolved from the incident, assignments
carrying 附件3/附件2 duties, the checklist, and the call to the scene."""

import pytest
from django.core.exceptions import PermissionDenied

from command.common import CommandError
from command.models import (
    ActivatedGroup,
    Assignment,
    CallDown,
    ChecklistItem,
    GroupUnit,
    LevelSetup,
    Notification,
    OnsiteHQ,
    OnsiteMember,
)
from command.response.activation import group_unit_add, groups_activate, response_setup
from incidents.models import TimelineEvent
from orgchart.models import County, Unit
from orgchart.plan_2021 import GROUP_BY_CODE, UNIT_BY_CODE
from tests.support.incidents import REASON

ROWS = (LevelSetup, OnsiteHQ, OnsiteMember, ActivatedGroup, Assignment, ChecklistItem, CallDown)


def counts(incident):
    return {m.__name__: m.objects.filter(incident=incident).count() for m in ROWS} | {
        "GroupUnit": GroupUnit.objects.filter(activated_group__incident=incident).count(),
        "events": TimelineEvent.objects.filter(incident=incident).count(),
        "notes": Notification.objects.filter(incident=incident).count(),
    }


@pytest.fixture
def at_two(incident_in, django_capture_on_commit_callbacks):
    def make(**fields):
        fields.setdefault("county", County.objects.get(code="yongji"))
        with django_capture_on_commit_callbacks(execute=True):
            return incident_in("responding", level=2, **fields)

    return make


def test_level_2_sets_up_the_onsite_hq_groups_checklist_and_call(at_two):
    incident = at_two()
    assert OnsiteHQ.objects.filter(incident=incident, command_taken_at__isnull=True).exists()
    members = {
        (m.person.user.username if m.person.user_id else m.person.name, m.role)
        for m in OnsiteMember.objects.filter(incident=incident).select_related("person__user")
    }
    assert ("commander", "commander") in members
    assert ("demo-deputy-secretary-general", "deputy") in members
    assert ("director", "deputy") in members  # 市城市管理局主要负责人 (the demo director holds it)
    assert sum(1 for _u, role in members if role == "deputy") == 5  # §2.2's five deputies

    groups = ActivatedGroup.objects.filter(incident=incident).select_related("group")
    assert sorted(g.group.code for g in groups) == sorted(GROUP_BY_CODE)
    gov = County.objects.get(code="yongji").government
    for g in groups:
        units = set(GroupUnit.objects.filter(activated_group=g).values_list("unit__code", flat=True))
        plan = GROUP_BY_CODE[g.group.code]
        for code in plan["member_units"]:
            if not UNIT_BY_CODE[code].get("is_category"):
                assert code in units, (g.group.code, code)
        assert (gov.code in units) == plan["includes_county"], g.group.code  # 事发地县级政府: 永济市人民政府
    logistics = groups.get(group__code="logistics")
    assert any(gov.name in leader["post"] for leader in logistics.leaders)  # 组长：事发地县级政府主要负责人

    # one assignment per group (附件3 duties) and per unit concerned (附件2 duties)
    group_assignments = Assignment.objects.filter(incident=incident, unit__isnull=True)
    assert group_assignments.count() == 8
    rescue = group_assignments.get(group__code="rescue")
    assert rescue.duties == GROUP_BY_CODE["rescue"]["duties"] and rescue.clause == "附件3"
    police = Assignment.objects.get(incident=incident, unit__code="public_security")
    assert police.duties == UNIT_BY_CODE["public_security"]["duties"] and "附件2" in police.clause
    unit_ids = set(
        GroupUnit.objects.filter(activated_group__incident=incident).values_list("unit_id", flat=True)
    )
    assert (
        set(
            Assignment.objects.filter(incident=incident, group__isnull=True).values_list("unit_id", flat=True)
        )
        == unit_ids
    )

    assert list(ChecklistItem.objects.filter(incident=incident).values_list("code", flat=True)) == [
        f"5.3.3-{i}" for i in range(1, 9)
    ]
    # the call: commander, deputies, heads of the units in the groups (§5.3.3(1))
    called = CallDown.objects.filter(incident=incident)
    assert called.filter(role="commander", person__user__username="commander").exists()
    assert called.filter(role="deputy").count() == 5
    police_head = (
        Unit.objects.get(code="public_security")
        .appointments.get(position__code="unit_head", role="holder")
        .person
    )
    assert called.filter(person=police_head, role="unit_head").exists()
    assert called.filter(person__unit=gov).exists()
    assert all(len(c.token) >= 40 for c in called)
    assert (
        Notification.objects.filter(
            kind="calldown", recipient__username="commander", incident=incident
        ).count()
        == 1
    )
    event = TimelineEvent.objects.get(incident=incident, kind="command", summary__contains="成立现场指挥部")
    assert "8个工作组" in event.summary and "§5.3.3(1)" in event.clause


def test_setup_is_idempotent(at_two, django_capture_on_commit_callbacks):
    incident = at_two()
    before = counts(incident)
    with django_capture_on_commit_callbacks(execute=True):
        response_setup(incident.pk)
        response_setup(incident.pk)
    assert counts(incident) == before


def test_raising_3_to_2_adds_what_2_needs_and_keeps_what_3_had(
    incident_in, fresh, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_in("responding", level=3)
    assert list(ChecklistItem.objects.filter(incident=incident).values_list("code", flat=True)) == [
        f"5.3.2-{i}" for i in range(1, 6)
    ]
    assert not OnsiteHQ.objects.filter(incident=incident).exists()
    assert not CallDown.objects.filter(incident=incident).exists()  # the office picks the team at Ⅲ
    with django_capture_on_commit_callbacks(execute=True):
        groups_activate(
            incident_id=incident.pk, actor=fresh("office"), group_codes=["rescue", "public_order"]
        )
    rescue_before = Assignment.objects.get(incident=incident, group__code="rescue")
    item = ChecklistItem.objects.get(incident=incident, code="5.3.2-1")
    from command.response.services import checklist_mark

    checklist_mark(item_id=item.pk, actor=fresh("office"), done=True)

    with django_capture_on_commit_callbacks(execute=True):
        incident.change_level(fresh("commander"), level=2, reason="事态扩大")
    codes = list(ChecklistItem.objects.filter(incident=incident).values_list("code", flat=True))
    assert codes == [f"5.3.2-{i}" for i in range(1, 6)] + [
        f"5.3.3-{i}" for i in range(1, 9)
    ]  # in clause order
    assert ChecklistItem.objects.get(pk=item.pk).done_at is not None  # kept, with its tick
    assert ActivatedGroup.objects.filter(incident=incident).count() == 8
    assert (
        Assignment.objects.filter(incident=incident, group__code="rescue").get() == rescue_before
    )  # not duplicated
    assert OnsiteHQ.objects.filter(incident=incident).exists()
    assert LevelSetup.objects.filter(incident=incident).count() == 2
    before = counts(incident)
    with django_capture_on_commit_callbacks(execute=True):
        response_setup(incident.pk)
    assert counts(incident) == before


def test_level_1_adds_5_3_4(incident_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_in("responding", level=1)
    codes = set(ChecklistItem.objects.filter(incident=incident).values_list("code", flat=True))
    assert {"5.3.4-1", "5.3.4-2", "5.3.4-3", "5.3.3-8"} <= codes and len(codes) == 11


def test_lowering_sets_up_nothing_new(at_two, fresh, django_capture_on_commit_callbacks):
    incident = at_two()
    before = counts(incident)
    with django_capture_on_commit_callbacks(execute=True):
        incident.change_level(fresh("commander"), level=3, reason="已基本控制")
    after = counts(incident)
    assert after.pop("events") == before.pop("events") + 1  # the level change itself
    assert after == before


def test_the_incident_company_joins_logistics(at_two):
    company = Unit.objects.get(code="demo-heat-1")
    incident = at_two(company=company)
    assert GroupUnit.objects.filter(
        activated_group__incident=incident, activated_group__group__code="logistics", unit=company
    ).exists()
    assert Assignment.objects.filter(incident=incident, unit=company).exists()
    other = Unit.objects.get(code="demo-heat-2")
    assert not GroupUnit.objects.filter(activated_group__incident=incident, unit=other).exists()


def test_not_responding_means_nothing_to_set_up(incident_in):
    incident = incident_in("assessing")
    assert response_setup(incident.pk) is None
    assert counts(incident)["LevelSetup"] == 0


def test_office_activates_groups_at_3(incident_in, fresh):
    incident = incident_in("responding", level=3)
    with pytest.raises(PermissionDenied):
        groups_activate(incident_id=incident.pk, actor=fresh("police"), group_codes=["rescue"])
    with pytest.raises(CommandError):
        groups_activate(incident_id=incident.pk, actor=fresh("office"), group_codes=["nope"])
    groups_activate(incident_id=incident.pk, actor=fresh("office"), group_codes=["medical"])
    assert Assignment.objects.filter(incident=incident, group__code="medical").count() == 1
    assert Assignment.objects.filter(incident=incident, unit__code="health").exists()
    with pytest.raises(CommandError, match="均已启用"):
        groups_activate(incident_id=incident.pk, actor=fresh("office"), group_codes=["medical"])


def test_the_onsite_commander_adds_a_unit_to_a_group(at_two, fresh):
    incident = at_two()
    water = Unit.objects.get(code="demo-water-1")
    with pytest.raises(PermissionDenied):
        group_unit_add(
            incident_id=incident.pk, actor=fresh("office"), group_code="logistics", unit_id=water.pk
        )
    group_unit_add(
        incident_id=incident.pk, actor=fresh("commander"), group_code="logistics", unit_id=water.pk
    )
    link = GroupUnit.objects.get(activated_group__incident=incident, unit=water)
    assert not link.from_plan
    assert Assignment.objects.filter(incident=incident, unit=water).count() == 1
    with pytest.raises(CommandError, match="已在"):
        group_unit_add(
            incident_id=incident.pk, actor=fresh("commander"), group_code="logistics", unit_id=water.pk
        )


def test_activation_retries_in_celery_when_it_fails(
    incident_in, fresh, monkeypatch, django_capture_on_commit_callbacks
):
    """A failing setup after commit does not undo the decision; a Celery task is queued to retry."""
    from command import tasks
    from command.response import activation

    queued = []
    monkeypatch.setattr(
        activation, "response_setup", lambda pk: (_ for _ in ()).throw(RuntimeError("db hiccup"))
    )
    monkeypatch.setattr(tasks.response_setup_task, "apply_async", lambda args, countdown: queued.append(args))
    incident = incident_in("assessing")
    with django_capture_on_commit_callbacks(execute=True):
        incident.activate(fresh("director"), level=3, reason=REASON)
    assert incident.state == "responding" and queued == [[incident.pk]]


def test_units_in_the_activated_groups_are_on_the_incident(
    incident_in, fresh, django_capture_on_commit_callbacks
):
    """DOMAIN.md §5: 续报 by any unit on the incident — the police liaison may once 市公安局 works on it."""
    from orgchart.permissions import can

    incident = incident_in("assessing")
    assert not can(fresh("police"), "incident.follow_up_unit", incident)
    with django_capture_on_commit_callbacks(execute=True):
        incident.activate(fresh("commander"), level=2, reason=REASON)
    from incidents.models import Incident

    incident = Incident.objects.get(pk=incident.pk)
    assert can(fresh("police"), "incident.follow_up_unit", incident)
    assert Unit.objects.get(code="public_security").pk in incident.permission_unit_ids()


# ---- 事发地县级政府's own assignment (DOMAIN §6: the plan's words, cited; never empty) -----------------


@pytest.mark.parametrize("county", ["yongji", "yanhu"])
def test_the_county_governments_assignment_carries_the_plans_words(county, at_two):
    from command.response.emergency_plan import COUNTY_GOVERNMENT_DUTIES

    incident = at_two(county=County.objects.get(code=county))
    gov = County.objects.get(code=county).government
    task = Assignment.objects.get(incident=incident, unit=gov, group__isnull=True)
    assert task.clause == "§5.2、§6.3、§7.1"
    for clause, text in COUNTY_GOVERNMENT_DUTIES:
        assert f"{clause}：{text}" in task.duties
    assert "立即启动相应的应急响应" in task.duties and "对应急保障工作总负责，统筹协调" in task.duties
    assert "善后处置工作由事发地政府负责组织" in task.duties


def test_no_unit_assignment_has_an_empty_duty_text(at_two):
    incident = at_two()
    assert not Assignment.objects.filter(incident=incident, duties="").exists()


# ---- 应急保障组's "各供水企业、各供热企业等有关单位" (附件3; DOMAIN §6 reading) ------------------------------


def _logistics_units(incident):
    return set(
        GroupUnit.objects.filter(
            activated_group__incident=incident, activated_group__group__code="logistics"
        ).values_list("unit__code", flat=True)
    )


@pytest.mark.parametrize(
    ("county", "company", "water"),
    [
        ("yanhu", "demo-heat-2", "demo-water-1"),
        ("kaifaqu", "demo-heat-1", "demo-water-2"),
        ("yongji", None, None),
    ],
)
def test_the_own_company_and_the_serving_water_company_are_assigned(county, company, water, at_two):
    fields = {"county": County.objects.get(code=county)}
    if company:
        fields["company"] = Unit.objects.get(code=company)
    incident = at_two(**fields)
    units = _logistics_units(incident)
    companies = {c for c in units if c.startswith("demo-")}
    assert companies == {c for c in (company, water) if c}  # nobody else by default
    for code in companies:
        task = Assignment.objects.get(incident=incident, unit__code=code)
        assert task.duties and "附件2" in task.clause


def test_other_companies_are_offered_and_added_in_one_click(at_two, client, user_of):
    from command.response.companies import company_add, company_offers

    incident = at_two(county=County.objects.get(code="yanhu"), company=Unit.objects.get(code="demo-heat-2"))
    offered = {u.code for u in company_offers(incident)}
    assert offered == {"demo-heat-1", "demo-heat-source", "demo-water-2"}
    client.force_login(user_of("office"))
    html = client.get(f"/command/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="company-offer-demo-water-2"' in html and "解读" in html
    other = Unit.objects.get(code="demo-water-2")
    resp = client.post(f"/command/incidents/{incident.pk}/groups/companies/", {"unit": other.pk})
    assert resp.status_code == 302
    assert "demo-water-2" in _logistics_units(incident)
    task = Assignment.objects.get(incident=incident, unit=other)
    assert task.duties == "负责处理因停水影响供热运行的供水抢修、恢复工作。"
    assert TimelineEvent.objects.filter(incident=incident, summary__contains="应急保障组加入").exists()
    before = counts(incident)
    with pytest.raises(CommandError, match="尚未加入应急保障组"):  # twice: refused, nothing changes
        company_add(incident_id=incident.pk, actor=user_of("office"), unit_id=other.pk)
    with pytest.raises(CommandError):  # not a company
        company_add(
            incident_id=incident.pk,
            actor=user_of("office"),
            unit_id=Unit.objects.get(code="public_security").pk,
        )
    with pytest.raises(PermissionDenied):
        company_add(
            incident_id=incident.pk, actor=user_of("police"), unit_id=Unit.objects.get(code="demo-heat-1").pk
        )
    assert counts(incident) == before
