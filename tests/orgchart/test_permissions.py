"""The permission layer answers from positions and deputies (DOMAIN.md §5), never from is_staff."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from orgchart.models import Absence, Appointment, Person, Unit
from orgchart.permissions import RULES, authority_for, can, require

pytestmark = pytest.mark.django_db

ACTIONS = [
    "incident.report",
    "incident.assess",
    "level.draft",
    "level.activate.4",
    "level.activate.3",
    "level.report.2",
    "level.activate.2",
    "level.propose.1",
    "level.activate.1",
    "level.lower.from_1_2",
    "level.lower.3_to_4",
    "response.end.1_2",
    "response.end.3_4",
    "orgchart.edit",
    "roster.edit",
]
# Who may do each action without a unit scope, per DOMAIN.md §5 (the demo accounts).
EXPECTED = {
    "office": {"incident.report", "incident.assess", "level.draft", "orgchart.edit", "roster.edit"},
    "director": {
        "incident.report",
        "incident.assess",
        "level.draft",
        "level.activate.4",
        "level.activate.3",
        "level.report.2",
        "level.lower.3_to_4",
        "response.end.3_4",
        "orgchart.edit",
        "roster.edit",
    },
    # A higher authority may do what a lower one may (§2、§5.3, reading): decisions only.
    "commander": {
        "level.activate.4",
        "level.activate.3",
        "level.activate.2",
        "level.propose.1",
        "level.lower.from_1_2",
        "level.lower.3_to_4",
        "response.end.1_2",
        "response.end.3_4",
    },
    "general": {
        "level.activate.4",
        "level.activate.3",
        "level.activate.2",
        "level.activate.1",
        "level.lower.from_1_2",
        "level.lower.3_to_4",
        "response.end.3_4",
    },
    "police": {"incident.report"},
}


class Concerns:
    """An object that concerns some units (an incident, a task) as later apps will pass one."""

    def __init__(self, *units):
        self.units = units

    def permission_unit_ids(self):
        return [u.pk for u in self.units]


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_post_may_do_what_the_plan_says(demo, user_of, username):
    user = user_of(username)
    allowed = {a for a in ACTIONS if can(user, a)}
    assert allowed == EXPECTED[username]


def test_refusal_cites_the_clause_and_the_post(demo, user_of):
    decision = can(user_of("office"), "level.activate.2")
    assert not decision
    assert decision.reason == "按预案§5.3.3，“启动Ⅱ级响应”须由指挥长、总指挥进行。"
    with pytest.raises(PermissionDenied, match=r"§5\.3\.3"):
        require(user_of("office"), "level.activate.2")
    assert require(user_of("commander"), "level.activate.2").via == "指挥长"


def test_superuser_and_staff_flags_grant_nothing(demo, user_of):
    user = user_of("police")
    user.is_staff = user.is_superuser = True
    user.save()
    assert not can(user_of("police"), "level.activate.1")


def test_user_without_a_person_may_do_nothing(db, django_user_model):
    user = django_user_model.objects.create_user("stranger", password="x" * 12)
    assert not any(can(user, a) for a in RULES)


def test_deputy_acts_only_while_every_holder_is_away(demo, user_of):
    commander = Person.objects.get(user__username="commander")
    deputy = user_of("demo-deputy-secretary-general")
    assert not can(deputy, "level.activate.2")
    now = timezone.now()
    Absence.objects.create(
        person=commander, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=3), reason="出差"
    )
    decision = can(user_of("demo-deputy-secretary-general"), "level.activate.2")
    assert decision and decision.acting_for == ("张振华（演示）",) and decision.via == "指挥长"
    assert not can(user_of("commander"), "level.activate.2")  # away: he does not act himself
    later = now + timedelta(hours=4)  # the absence is over
    assert not authority_for(user_of("demo-deputy-secretary-general"), at=later).decide("level.activate.2")
    assert authority_for(user_of("commander"), at=later).decide("level.activate.2")


def test_deputy_acts_for_a_vacant_post(demo, user_of):
    Appointment.objects.filter(position__code="general_commander", role="holder").delete()
    decision = can(user_of("demo-deputy-general"), "level.activate.1")
    assert decision and decision.acting_for == ()


def test_absent_deputy_does_not_act(demo, user_of):
    now = timezone.now()
    for username in ("commander", "demo-deputy-secretary-general"):
        Absence.objects.create(
            person=Person.objects.get(user__username=username),
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=1),
        )
    assert not can(user_of("demo-deputy-secretary-general"), "level.activate.2")


def test_unit_scoped_rules_only_for_the_units_concerned(demo, user_of):
    police, fire = Unit.objects.get(code="public_security"), Unit.objects.get(code="fire_rescue")
    liaison = user_of("police")
    assert can(liaison, "task.sign", Concerns(police))
    assert can(liaison, "task.sign", Concerns(fire, police))
    refused = can(liaison, "task.sign", Concerns(fire))
    assert not refused and "仅限本单位" in refused.reason
    assert not can(liaison, "task.sign")  # no object: no unit to match
    assert not can(user_of("office"), "task.sign", Concerns(police))


def test_inactive_person_may_do_nothing(demo, user_of):
    Person.objects.filter(user__username="director").update(active=False)
    assert not can(user_of("director"), "level.activate.4")


def test_unknown_action_is_a_programming_error(demo, user_of):
    with pytest.raises(KeyError):
        can(user_of("office"), "level.activate.5")


def test_answers_cost_a_constant_number_of_queries(demo, user_of, django_assert_max_num_queries):
    user = user_of("demo-deputy-secretary-general")
    with django_assert_max_num_queries(
        5
    ):  # person, appointments, absence, deputy posts' holders and absences
        authority_for(user)
    with django_assert_max_num_queries(1):  # cached on the request's user; position names for the reason
        for action in RULES:
            can(user, action, Concerns())


def test_every_rule_cites_a_clause():
    for rule in RULES.values():
        assert rule.clause and rule.label and rule.positions
