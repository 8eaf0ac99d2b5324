"""The §7.1 aftermath items (issue 9): issued once when the incident enters aftermath, by either path
(the end-of-response form, or the plain begin_aftermath move), as tasks for the 事发地县级政府 under the
善后工作组; the county government's people sign for them, report progress and complete them with the
response's mechanics; the office closes one that does not apply, with a reason; reminders chase them."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from aftermath import plan, services
from command.assignments import services as tasking
from command.assignments.ending import response_end
from command.common import CommandError
from command.models import ActivatedGroup, Assignment, Notification, Reminder, TaskNote
from command.reminders import delivery, planner
from incidents.models import Incident, TimelineEvent
from orgchart.models import County, Unit
from tests.support.aftermath import close_items, submit_record, unit_user

pytestmark = pytest.mark.django_db

M = timedelta(minutes=1)
LIAISON = "demo-gov-yanhu-liaison"  # 盐湖区人民政府's liaison (orgchart.demo: a liaison for every unit)
HEAD = "demo-gov-yanhu-head"


def items(incident):
    return Assignment.objects.filter(incident=incident, phase="aftermath", clause="§7.1").order_by("id")


def item_events(incident):
    return TimelineEvent.objects.filter(incident=incident, data__has_key="aftermath_items")


def check_six_items(incident, actor):
    government = incident.county.government
    rows = list(items(incident))
    assert len(rows) == 6
    assert [r.title for r in rows] == [str(title) for _code, title, _duties in plan.ITEMS]
    for r, (_code, _title, duties) in zip(rows, plan.ITEMS, strict=True):
        assert r.kind == "task" and r.state == "pending"
        assert r.unit_id == government.pk and r.group.code == "aftermath"
        assert r.duties == plan.ITEM_PREAMBLE + duties
        assert r.level == incident.level and r.created_by == actor
        assert not r.carried_to_aftermath
        assert list(r.notes.values_list("action", flat=True)) == ["issue"]
    event = item_events(incident).get()
    assert sorted(event.data["aftermath_items"]) == [r.pk for r in rows]
    assert "6" in event.summary and government.display_name in event.summary
    assert event.clause == "§7.1、附件3"
    return rows


def test_the_county_government_people_used_here(demo):
    assert (unit_user("gov-yanhu"), unit_user("gov-yanhu", "unit_head")) == (LIAISON, HEAD)


# ---- issued once, by either path ----------------------------------------------------------------


def test_begin_aftermath_issues_the_six_items_once(incident_in, people):
    incident = incident_in("response_ended")
    assert not items(incident).exists()
    incident.begin_aftermath(people.office)
    rows = check_six_items(incident, people.office)

    # Again (a retry, a second receiver): nothing new, no second event.
    before = TimelineEvent.objects.filter(incident=incident).count()
    assert services.create_items(incident, people.office) == []
    assert list(items(incident)) == rows
    assert TimelineEvent.objects.filter(incident=incident).count() == before
    assert TaskNote.objects.filter(task__incident=incident).count() == 6


def test_the_end_of_response_form_issues_them_and_carries_the_open_task(incident_in, people, fresh):
    incident = incident_in("responding", level=3)
    police = Unit.objects.get(code="public_security")
    carried = tasking.task_issue(
        incident_id=incident.pk, user=fresh("office"), title="维持现场秩序", text="", unit_id=police.pk
    )
    closed = tasking.task_issue(
        incident_id=incident.pk, user=fresh("office"), title="疏导交通", text="", unit_id=police.pk
    )
    Incident.objects.filter(pk=incident.pk).update(hazards_controlled=True)

    response_end(
        incident_id=incident.pk, user=fresh("director"), decisions={carried.pk: "carry", closed.pk: "close"}
    )
    incident.refresh_from_db()
    assert incident.state == "aftermath" and incident.level == 3
    check_six_items(incident, people.director)
    carried.refresh_from_db()
    closed.refresh_from_db()
    assert (carried.state, carried.carried_to_aftermath, carried.phase) == ("pending", True, "response")
    assert closed.state == "closed"
    # The carried task is not one of the §7.1 items, and is still open for the archive gate.
    assert carried not in items(incident)
    assert Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES).count() == 7


def test_an_incident_in_another_county_gives_the_items_to_that_government(incident_in, people):
    county = County.objects.get(code="yongji")
    incident = incident_in("aftermath", county=county)
    assert {t.unit_id for t in items(incident)} == {county.government_id}
    assert Unit.objects.get(pk=county.government_id).code == "gov-yongji"


def test_the_county_government_people_are_told(incident_in, people, django_capture_on_commit_callbacks):
    incident = incident_in("response_ended")
    with django_capture_on_commit_callbacks(execute=True):
        incident.begin_aftermath(people.office)
    told = Notification.objects.filter(kind="task", incident=incident)
    assert told.filter(recipient__username=LIAISON).count() == 6
    assert told.filter(recipient__username=HEAD).count() == 6
    assert not told.filter(recipient__username="police").exists()


# ---- the response's mechanics -------------------------------------------------------------------


def test_the_county_liaison_signs_reports_progress_and_completes(incident_in, fresh):
    incident = incident_in("aftermath")
    first, second = list(items(incident))[:2]

    with pytest.raises(PermissionDenied):  # signing is the unit's
        tasking.task_move(task_id=first.pk, user=fresh("office"), move="sign")
    assert Assignment.objects.get(pk=first.pk).state == "pending"

    tasking.task_move(task_id=first.pk, user=fresh(LIAISON), move="sign", expected_state="pending")
    first.refresh_from_db()
    assert first.state == "signed" and first.signed_at and first.signed_by_name
    tasking.task_progress(task_id=first.pk, user=fresh(LIAISON), text="已安置受影响居民 12 户")
    first.refresh_from_db()
    assert first.state == "in_progress"
    tasking.task_move(task_id=first.pk, user=fresh(LIAISON), move="done")
    first.refresh_from_db()
    assert first.state == "done" and first.done_at and first.done_by_name == first.signed_by_name
    assert list(first.notes.values_list("action", flat=True)) == ["issue", "sign", "progress", "done"]
    assert TimelineEvent.objects.filter(incident=incident, data__task=first.pk).count() == 3

    # A progress note on an item not yet signed for signs and starts it (the unit obviously has it).
    tasking.task_progress(task_id=second.pk, user=fresh(HEAD), text="已开始统计医疗费用")
    second.refresh_from_db()
    assert second.state == "in_progress" and second.signed_at


def test_another_unit_does_not_see_the_items(incident_in, fresh):
    incident = incident_in("aftermath")
    task = items(incident).first()
    for username in ("police", unit_user("gov-yongji")):
        with pytest.raises(Assignment.DoesNotExist):
            tasking.task_move(task_id=task.pk, user=fresh(username), move="sign")
    assert Assignment.objects.get(pk=task.pk).state == "pending"
    assert list(Assignment.objects.get(pk=task.pk).notes.values_list("action", flat=True)) == ["issue"]


def test_the_office_issues_a_further_aftermath_task(incident_in, fresh):
    incident = incident_in("aftermath")
    government = incident.county.government
    task = tasking.task_issue(
        incident_id=incident.pk,
        user=fresh("office"),
        title="统计供热补偿",
        text="按户统计",
        unit_id=government.pk,
    )
    assert (task.phase, task.clause) == ("aftermath", "§7.1")
    assert items(incident).count() == 7


# ---- not applicable ------------------------------------------------------------------------------


def test_an_item_that_does_not_apply_is_closed_with_a_reason(incident_in, fresh):
    incident = incident_in("aftermath")
    medical = items(incident).get(title=str(plan.ITEMS[1][1]))
    events = TimelineEvent.objects.filter(incident=incident).count()

    for reason in ("", "   "):
        with pytest.raises(CommandError, match="理由"):
            services.item_not_applicable(task_id=medical.pk, user=fresh("office"), reason=reason)
    with pytest.raises(PermissionDenied):  # closing is the command's, not the unit's
        services.item_not_applicable(task_id=medical.pk, user=fresh(LIAISON), reason="无人员受伤")
    medical.refresh_from_db()
    assert medical.state == "pending"
    assert TimelineEvent.objects.filter(incident=incident).count() == events

    services.item_not_applicable(task_id=medical.pk, user=fresh("office"), reason="无人员受伤")
    medical.refresh_from_db()
    assert medical.state == "closed"
    note = medical.notes.order_by("-id").first()
    assert (note.action, note.text) == ("close", "不适用：无人员受伤")
    event = TimelineEvent.objects.filter(incident=incident, data__task=medical.pk).get()
    assert event.reason == "不适用：无人员受伤"
    with pytest.raises(CommandError, match="不能“关闭”"):  # already closed
        services.item_not_applicable(task_id=medical.pk, user=fresh("office"), reason="无人员受伤")


# ---- reminders -----------------------------------------------------------------------------------


def test_reminders_chase_the_open_items_and_stop_when_signed(incident_in, fresh):
    incident = incident_in("aftermath")
    rows = list(items(incident))
    t0 = max(t.updated_at for t in rows)
    planner.plan_reminders(t0)
    planned = Reminder.objects.filter(kind="task_unsigned", incident=incident, state="scheduled")
    assert planned.count() == 6 * 3  # liaison, leader, office for each item
    liaison_rows = planned.filter(step="liaison")
    assert {r.recipients[0] for r in liaison_rows} == {f"liaison:{incident.county.government_id}"}
    assert {r.subject.split(":")[1] for r in liaison_rows} == {str(t.pk) for t in rows}

    planner.plan_reminders(t0 + 31 * M)
    delivery.deliver(t0 + 31 * M)
    note = Notification.objects.filter(recipient__username=LIAISON, kind="reminder").get()
    assert "尚未签收" in note.title or "尚未签收" in note.body

    tasking.task_move(task_id=rows[0].pk, user=fresh(LIAISON), move="sign")
    planner.plan_reminders(t0 + 32 * M)
    first = Reminder.objects.filter(kind="task_unsigned", subject__startswith=f"task:{rows[0].pk}:")
    assert set(first.values_list("step", "state")) == {
        ("liaison", "sent"),
        ("leader", "cancelled"),
        ("office", "cancelled"),
    }
    assert (
        Reminder.objects.filter(kind="task_unsigned", incident=incident, state="scheduled").count() == 5 * 2
    )


def test_an_item_with_a_due_time_reminds_when_overdue(incident_in, fresh):
    incident = incident_in("aftermath")
    due = timezone.now() + timedelta(days=3)
    task = tasking.task_issue(
        incident_id=incident.pk,
        user=fresh("office"),
        title="赔偿方案",
        text="",
        unit_id=incident.county.government_id,
        due_at=due,
    )
    planner.plan_reminders(timezone.now())
    row = Reminder.objects.get(kind="task_overdue", subject__startswith=f"task:{task.pk}:")
    assert row.state == "scheduled" and row.due_at >= due


def test_no_reminders_once_archived(incident_in, people):
    incident = incident_in("aftermath")
    t0 = max(t.updated_at for t in items(incident))
    planner.plan_reminders(t0)
    assert Reminder.objects.filter(incident=incident, state="scheduled").exists()
    settle = [t.pk for t in items(incident)]
    close_items(incident, people.office)
    submit_record(incident, "summary", people.office)
    incident.archive(people.office)
    planner.plan_reminders(t0 + 31 * M)
    delivery.deliver(t0 + 31 * M)  # (the demo set's own incidents may have reminders due)
    assert not Reminder.objects.filter(incident=incident, state="scheduled").exists()
    assert not Reminder.objects.filter(incident=incident, state="sent").exists()
    assert not Notification.objects.filter(incident=incident, kind="reminder").exists()
    assert Assignment.objects.filter(pk__in=settle, state="closed").count() == 6


def test_the_leader_step_reaches_the_aftermath_group_leader_at_level_two(
    incident_in, people, django_capture_on_commit_callbacks
):
    # At Ⅱ the eight groups are activated (§5.3.3), the 善后工作组 led by the county government's head.
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_in("responding", level=2)
    assert ActivatedGroup.objects.filter(incident=incident, group__code="aftermath").exists()
    Incident.objects.filter(pk=incident.pk).update(hazards_controlled=True)
    incident.end_response(people.commander, reason="测试")
    incident.begin_aftermath(people.office)
    t0 = max(t.updated_at for t in items(incident))
    planner.plan_reminders(t0 + 61 * M)
    delivery.deliver(t0 + 61 * M)
    leader = [
        r
        for r in Reminder.objects.filter(kind="task_unsigned", incident=incident, step="leader")
        if int(r.subject.split(":")[1]) in {t.pk for t in items(incident)}
    ]
    assert len(leader) == 6 and all(r.state == "sent" for r in leader)
    assert Notification.objects.filter(recipient__username=HEAD, kind="reminder").exists()


def test_the_leader_step_reaches_the_aftermath_group_leader_at_level_three(incident_in):
    incident = incident_in("aftermath", level=3)
    t0 = max(t.updated_at for t in items(incident))
    planner.plan_reminders(t0 + 61 * M)
    delivery.deliver(t0 + 61 * M)
    leader = Reminder.objects.filter(kind="task_unsigned", incident=incident, step="leader")
    assert leader.count() == 6 and all(r.state == "sent" for r in leader)
    assert Notification.objects.filter(recipient__username=HEAD, kind="reminder").exists()
