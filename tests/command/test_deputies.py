"""附件3 with a deputy (DOMAIN §6 "Acting deputies everywhere"): where a group leader or a unit head is
recorded absent, the unit's designated deputy (AB角) acts — leads the group, signs its tasks, receives its
reminders — for the whole absence, and the holder takes over again on return without losing anything.
The case found: the 市卫健委 head away at activation left 医学救护组 without a leader."""

from datetime import timedelta

import pytest
from django.utils import timezone

from command.assignments import services as tasking
from command.models import ActivatedGroup, Assignment, Notification
from command.reminders.resolver import Resolver
from orgchart.models import Absence, County, Person

pytestmark = pytest.mark.django_db

HEAD, DEPUTY = "demo-health-head", "demo-health-deputy"


def away(username, hours=5):
    now = timezone.now()
    return Absence.objects.create(
        person=Person.objects.get(user__username=username),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=hours),
        reason="测试：外出",
    )


def back(absence):
    absence.ends_at = timezone.now() - timedelta(seconds=1)
    absence.save()


@pytest.fixture
def at_two_head_away(incident_in, django_capture_on_commit_callbacks):
    absence = away(HEAD)
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_in("responding", level=2, county=County.objects.get(code="yongji"))
    return incident, absence


def medical_task(incident):
    return Assignment.objects.get(incident=incident, group__code="medical", unit__isnull=True)


def user_id(username):
    return Person.objects.get(user__username=username).user_id


def test_the_deputy_leads_the_group_signs_its_task_and_is_told(at_two_head_away, fresh):
    incident, _absence = at_two_head_away
    leaders = ActivatedGroup.objects.get(incident=incident, group__code="medical").leaders
    deputy = Person.objects.get(user__username=DEPUTY)
    assert [x["person"] for x in leaders] == [deputy.pk] and "AB角" in leaders[0]["post"]
    task = medical_task(incident)
    assert Notification.objects.filter(
        recipient__username=DEPUTY, url__endswith=f"/tasks/{task.pk}/"
    ).exists()
    assert tasking.Scope(fresh(DEPUTY)).may("sign", task)
    assert not tasking.Scope(fresh(HEAD)).may("sign", task)  # away: no grants
    tasking.task_move(task_id=task.pk, user=fresh(DEPUTY), move="sign")
    task.refresh_from_db()
    assert task.state == "signed"
    assert Resolver(timezone.now()).resolve(f"group:{incident.pk}:{task.group_id}") == {user_id(DEPUTY)}


def test_the_holder_takes_over_on_return_without_losing_anything(at_two_head_away, fresh):
    incident, absence = at_two_head_away
    task = medical_task(incident)
    tasking.task_move(task_id=task.pk, user=fresh(DEPUTY), move="sign")
    back(absence)
    assert tasking.Scope(fresh(HEAD)).may("done", task)
    assert not tasking.Scope(fresh(DEPUTY)).may("done", task)
    with pytest.raises(Assignment.DoesNotExist):  # no longer theirs: not found, as another unit's task
        tasking.task_move(task_id=task.pk, user=fresh(DEPUTY), move="start")
    tasking.task_move(task_id=task.pk, user=fresh(HEAD), move="done")
    task.refresh_from_db()
    assert task.state == "done" and task.signed_at is not None  # the deputy's signature kept
    assert Resolver(timezone.now()).resolve(f"group:{incident.pk}:{task.group_id}") == {user_id(HEAD)}


def test_a_head_who_leaves_after_activation_is_replaced_for_the_absence(
    incident_in, fresh, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_in("responding", level=2, county=County.objects.get(code="yongji"))
    task = medical_task(incident)
    assert tasking.Scope(fresh(HEAD)).may("sign", task)
    absence = away(HEAD)
    assert tasking.Scope(fresh(DEPUTY)).may("sign", task) and not tasking.Scope(fresh(HEAD)).may("sign", task)
    back(absence)
    assert tasking.Scope(fresh(HEAD)).may("sign", task) and not tasking.Scope(fresh(DEPUTY)).may("sign", task)


def test_the_units_own_task_and_reminders_go_to_the_deputy_while_the_head_is_away(at_two_head_away, fresh):
    incident, absence = at_two_head_away
    unit_task = Assignment.objects.get(incident=incident, unit__code="health", group__isnull=True)
    assert tasking.Scope(fresh(DEPUTY)).may("sign", unit_task)
    resolver = Resolver(timezone.now())
    assert resolver.resolve(f"unit_head:{unit_task.unit_id}") == {user_id(DEPUTY)}
    back(absence)
    assert Resolver(timezone.now()).resolve(f"unit_head:{unit_task.unit_id}") == {user_id(HEAD)}
