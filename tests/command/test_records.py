"""Call-down confirmations (§5.3.3(1)), the checklist, leaders' instructions (§5.3.3(7)(8)) and the
on-site HQ's added members (§2.1): who may record what, and that each change is on the timeline."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from command.common import CommandError
from command.models import CallDown, ChecklistItem, Instruction, OnsiteHQ, OnsiteMember
from command.response.calldowns import calldown_add, calldown_confirm
from command.response.services import checklist_mark, instruction_add, instruction_update, onsite_member_add
from incidents.models import TimelineEvent
from orgchart.models import Expert, Person


@pytest.fixture
def at_two(incident_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return incident_in("responding", level=2)


def test_received_then_arrived_from_the_link(at_two):
    cd = CallDown.objects.get(
        incident=at_two, role="deputy", person__user__username="demo-deputy-secretary-general"
    )
    calldown_confirm(token=cd.token, what="received")
    cd.refresh_from_db()
    assert cd.received_at and not cd.arrived_at and cd.received_recorded_by == "本人通过链接确认"
    calldown_confirm(token=cd.token, what="arrived")
    cd.refresh_from_db()
    assert cd.arrived_at >= cd.received_at
    calldown_confirm(token=cd.token, what="arrived")  # a second tap changes nothing
    assert TimelineEvent.objects.filter(incident=at_two, data__calldown=cd.pk).count() == 2


def test_a_forwarded_link_confirmed_by_someone_else_says_who(at_two, fresh):
    """Issue 16 point 8: the link forwarded to a colleague who is logged in records that colleague."""
    cd = CallDown.objects.get(
        incident=at_two, role="deputy", person__user__username="demo-deputy-secretary-general"
    )
    calldown_confirm(token=cd.token, what="arrived", user=fresh("police"))
    cd.refresh_from_db()
    assert cd.arrived_recorded_by.startswith("由") and cd.arrived_recorded_by.endswith(
        "代为确认（转发的链接）"
    )
    assert "本人" not in cd.arrived_recorded_by
    event = TimelineEvent.objects.filter(incident=at_two, data__calldown=cd.pk).get()
    assert "代为确认" in event.summary and event.actor == fresh("police")


def test_arriving_implies_received(at_two):
    cd = CallDown.objects.filter(incident=at_two, role="unit_head").first()
    calldown_confirm(token=cd.token, what="arrived")
    cd.refresh_from_db()
    assert cd.received_at == cd.arrived_at


def test_the_commanders_arrival_is_when_he_takes_command(at_two, fresh):
    cd = CallDown.objects.get(incident=at_two, role="commander")
    calldown_confirm(calldown_id=cd.pk, what="arrived", user=fresh("commander"))
    hq = OnsiteHQ.objects.get(incident=at_two)
    assert hq.command_taken_at and hq.command_taken_by.user.username == "commander"
    assert TimelineEvent.objects.filter(
        incident=at_two, clause="§5.3.3(2)", summary__contains="接管指挥权"
    ).exists()


def test_only_the_person_or_the_office_confirms(at_two, fresh):
    cd = CallDown.objects.get(incident=at_two, role="commander")
    with pytest.raises(PermissionDenied):
        calldown_confirm(calldown_id=cd.pk, what="received", user=fresh("police"))
    with pytest.raises(PermissionDenied):
        calldown_confirm(calldown_id=cd.pk, what="received", recorded_by=fresh("police"))
    calldown_confirm(calldown_id=cd.pk, what="received", recorded_by=fresh("office"))
    cd.refresh_from_db()
    assert cd.received_recorded_by == "王文静（演示）代为登记"
    with pytest.raises(CommandError):
        calldown_confirm(calldown_id=cd.pk, what="left")
    with pytest.raises(CommandError, match="失效"):
        calldown_confirm(token="not-a-token", what="received")


def test_no_confirmation_after_the_response(at_two, fresh):
    at_two.still_trapped = at_two.still_missing = at_two.dead_unrecovered = 0
    at_two.hazards_controlled = True
    at_two.save()
    at_two.end_response(fresh("commander"), reason="结束")
    cd = CallDown.objects.filter(incident=at_two).first()
    with pytest.raises(CommandError, match="不在响应中"):
        calldown_confirm(token=cd.token, what="received")


def test_the_office_sends_a_team_and_experts_at_3(incident_in, fresh, django_capture_on_commit_callbacks):
    incident = incident_in("responding", level=3)
    staff = Person.objects.get(user__username="demo-duty-officer-1")
    experts = list(Expert.objects.order_by("pk")[:2])
    with pytest.raises(PermissionDenied):
        calldown_add(incident_id=incident.pk, actor=fresh("police"), person_ids=[staff.pk])
    with pytest.raises(CommandError, match="至少"):
        calldown_add(incident_id=incident.pk, actor=fresh("office"))
    with django_capture_on_commit_callbacks(execute=True):
        created = calldown_add(
            incident_id=incident.pk,
            actor=fresh("office"),
            person_ids=[staff.pk],
            expert_ids=[e.pk for e in experts],
        )
    assert len(created) == 3
    assert {c.role for c in created} == {"team", "expert"}
    assert all("附件1" in c.clause for c in created)
    # again: nobody is called twice
    again = calldown_add(incident_id=incident.pk, actor=fresh("office"), person_ids=[staff.pk])
    assert again == [] and CallDown.objects.filter(incident=incident).count() == 3
    assert staff.user.notifications.filter(kind="calldown").count() == 1


def test_checklist_ticks_are_recorded(at_two, fresh):
    item = ChecklistItem.objects.get(incident=at_two, code="5.3.3-5")
    with pytest.raises(PermissionDenied):
        checklist_mark(item_id=item.pk, actor=fresh("police"), done=True)
    checklist_mark(item_id=item.pk, actor=fresh("office"), done=True, note="公安已到场维持秩序")
    item.refresh_from_db()
    assert item.done_at and item.done_by_name == "王文静（演示）" and item.note == "公安已到场维持秩序"
    checklist_mark(item_id=item.pk, actor=fresh("office"), done=False)
    item.refresh_from_db()
    assert item.done_at is None
    assert TimelineEvent.objects.filter(incident=at_two, data__checklist="5.3.3-5").count() == 2


def test_instructions_from_given_to_reported_back(at_two, fresh):
    now = timezone.now()
    with pytest.raises(CommandError):
        instruction_add(
            incident_id=at_two.pk,
            actor=fresh("office"),
            source="province_leader",
            given_by="",
            given_at=now,
            text="x",
        )
    with pytest.raises(CommandError, match="晚于"):
        instruction_add(
            incident_id=at_two.pk,
            actor=fresh("office"),
            source="province_leader",
            given_by="省领导",
            given_at=now + timedelta(hours=2),
            text="x",
        )
    with pytest.raises(PermissionDenied):
        instruction_add(
            incident_id=at_two.pk,
            actor=fresh("police"),
            source="province_leader",
            given_by="省领导",
            given_at=now,
            text="x",
        )
    item = instruction_add(
        incident_id=at_two.pk,
        actor=fresh("office"),
        source="province_leader",
        given_by="省政府分管副省长（演示）",
        given_at=now - timedelta(minutes=20),
        text="全力做好群众安置，尽快恢复供热。",
    )
    assert item.is_open and item.clause == "§5.3.3(8)"
    with pytest.raises(CommandError, match="先填写落实情况"):
        instruction_update(instruction_id=item.pk, actor=fresh("office"), reported_back=True)
    instruction_update(
        instruction_id=item.pk,
        actor=fresh("office"),
        action_taken="已开放3处临时取暖点",
        action_by="盐湖区政府",
    )
    item.refresh_from_db()
    assert item.is_open and item.action_by == "盐湖区政府"
    instruction_update(instruction_id=item.pk, actor=fresh("director"), reported_back=True)
    item.refresh_from_db()
    assert not item.is_open and item.reported_back_by == "李建国（演示）"
    with pytest.raises(CommandError, match="办结"):
        instruction_update(instruction_id=item.pk, actor=fresh("office"), action_taken="再改")
    team = instruction_add(
        incident_id=at_two.pk,
        actor=fresh("office"),
        source="province_team",
        given_by="省工作组",
        given_at=now,
        text="加强监测",
    )
    assert team.clause == "§5.3.3(7)"
    assert TimelineEvent.objects.filter(incident=at_two, data__instruction=item.pk).count() == 3
    assert Instruction.objects.filter(incident=at_two, reported_back_at__isnull=True).count() == 1


def test_the_commander_adds_an_onsite_member(at_two, fresh, django_capture_on_commit_callbacks):
    person = Person.objects.get(user__username="demo-transport-deputy")
    with pytest.raises(PermissionDenied):
        onsite_member_add(incident_id=at_two.pk, actor=fresh("office"), person_id=person.pk)
    with django_capture_on_commit_callbacks(execute=True):
        onsite_member_add(incident_id=at_two.pk, actor=fresh("commander"), person_id=person.pk)
    assert OnsiteMember.objects.filter(incident=at_two, person=person, role="member", clause="§2.1").exists()
    assert CallDown.objects.filter(incident=at_two, person=person).exists()
    with pytest.raises(CommandError, match="已是"):
        onsite_member_add(incident_id=at_two.pk, actor=fresh("commander"), person_id=person.pk)


def test_no_onsite_hq_below_level_2(incident_in, fresh):
    incident = incident_in("responding", level=3)
    person = Person.objects.get(user__username="demo-transport-deputy")
    with pytest.raises(CommandError, match=r"§5\.3\.3"):
        onsite_member_add(incident_id=incident.pk, actor=fresh("commander"), person_id=person.pk)
