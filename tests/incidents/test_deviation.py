"""DOMAIN §6 rulings on who decides (附件4, §5.3): declining or settling below a FIRM 附件4 recommendation
is a deviation that only the authority for the recommended level may decide, with a written reason,
recorded on the timeline; office staff never. A higher authority may do what a lower one may (never the
reverse). Ending Ⅰ/Ⅱ belongs to the on-site commander recorded for the incident, else the commander."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from command.approvals.services import level_request_act, level_request_submit
from command.models import LevelRequest, OnsiteHQ
from incidents import lifecycle
from incidents.lifecycle import TransitionError
from incidents.models import TimelineEvent
from orgchart.models import Person, ServiceArea
from orgchart.permissions import DEVIATION_CLAUSE, RULES, can

pytestmark = pytest.mark.django_db
REASON = "测试：已恢复，经会商不启动"


def fresh(username):
    return get_user_model().objects.select_related("person").get(username=username)


def firm(make_incident, level):
    """An assessing incident with a firm 附件4 recommendation of ``level`` (outage share, 30 h)."""
    total = ServiceArea.objects.get(is_default=True).heated_area_m2
    share = {1: Decimal(1), 2: Decimal("0.6"), 3: Decimal("0.4"), 4: Decimal("0.1")}[level]
    now = timezone.now()
    incident = make_incident(
        occurred_at=now - timedelta(hours=30),
        reported_at=now - timedelta(hours=30),
        outage_started_at=now - timedelta(hours=30),
        affected_area_m2=int(total * share),
    )
    incident.start_assessment(fresh("office"))
    rec = incident.recommendation()
    assert rec.firm and rec.level == level
    return incident


def count(incident):
    return TimelineEvent.objects.filter(incident=incident).count()


# Who may decide a deviation from a firm recommendation of each level.
DECIDERS = {1: {"general"}, 2: {"commander", "general"}, 3: {"director", "commander", "general"}}
DECIDERS[4] = DECIDERS[3]


@pytest.mark.parametrize("level", [1, 2, 3, 4])
@pytest.mark.parametrize("username", ["office", "director", "commander", "general"])
def test_closing_without_response_below_a_firm_recommendation(level, username, make_incident):
    incident = firm(make_incident, level)
    before = count(incident)
    if username not in DECIDERS[level]:
        with pytest.raises(PermissionDenied) as exc:
            lifecycle.perform(
                incident.pk, move="close_without_response", actor=fresh(username), reason=REASON
            )
        assert "附件4" in str(exc.value)
        incident.refresh_from_db()
        assert incident.state == "assessing" and count(incident) == before
        assert not [
            m
            for m, _lv in lifecycle.allowed_moves(incident, fresh(username))
            if m.name == "close_without_response"
        ]
        return
    with pytest.raises(TransitionError, match="须写明理由"):
        lifecycle.perform(incident.pk, move="close_without_response", actor=fresh(username), reason="  ")
    lifecycle.perform(incident.pk, move="close_without_response", actor=fresh(username), reason=REASON)
    incident.refresh_from_db()
    assert incident.state == "handled_without_response"
    event = incident.timeline.latest("id")
    assert event.data["deviation"] == {
        "recommended": level,
        "chosen": None,
        "clauses": event.data["deviation"]["clauses"],
    }
    assert DEVIATION_CLAUSE in event.clause and event.reason == REASON
    assert "偏离附件4确定建议" in event.summary


def test_office_staff_may_close_a_provisional_or_lapsed_one(make_incident):
    incident = make_incident()  # nothing recommended
    incident.start_assessment(fresh("office"))
    lifecycle.perform(incident.pk, move="close_without_response", actor=fresh("office"), reason=REASON)
    incident.refresh_from_db()
    assert incident.state == "handled_without_response"
    assert "deviation" not in incident.timeline.latest("id").data


@pytest.mark.parametrize(
    ("level", "chosen", "refused", "allowed"),
    [
        (1, 4, ["director", "commander"], "general"),
        (1, 2, ["commander"], "general"),
        (2, 3, ["director"], "commander"),
        (2, 4, ["director"], "general"),
        (3, 4, [], "director"),
    ],
)
def test_settling_below_a_firm_recommendation(level, chosen, refused, allowed, make_incident):
    incident = firm(make_incident, level)
    for username in refused:
        with pytest.raises(PermissionDenied):
            incident.activate(fresh(username), level=chosen, reason=REASON)
        assert chosen not in dict(
            (m.name, lv) for m, lv in lifecycle.allowed_moves(incident, fresh(username))
        ).get("activate", [])
    with pytest.raises(TransitionError, match="偏离"):
        incident.activate(fresh(allowed), level=chosen, reason="")
    incident.activate(fresh(allowed), level=chosen, reason="测试：影响已在缩小")
    assert incident.level == chosen
    event = incident.timeline.latest("id")
    assert event.data["deviation"]["recommended"] == level and event.data["deviation"]["chosen"] == chosen
    assert DEVIATION_CLAUSE in event.clause


def test_activating_at_or_above_the_recommendation_is_no_deviation(make_incident):
    incident = firm(make_incident, 3)
    incident.activate(fresh("commander"), level=2, reason="测试：按附件4第4项从高启动")
    assert "deviation" not in incident.timeline.latest("id").data


def test_a_request_below_a_firm_recommendation_goes_to_its_authority(make_incident):
    """Office staff draft Ⅳ on a firm Ⅰ: the chain is Ⅰ's (report → propose → decide by the general
    commander), and the office director cannot decide it."""
    incident = firm(make_incident, 1)
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=4, reason=REASON)
    assert r.steps == ["report", "propose", "decide"] and r.route.decide_action == "deviation.1"
    r = level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0)
    r = level_request_act(request_id=r.pk, actor=fresh("commander"), expected_stage=1)
    with pytest.raises(PermissionDenied):
        level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=2)
    r = level_request_act(request_id=r.pk, actor=fresh("general"), expected_stage=2)
    assert r.status == LevelRequest.Status.APPROVED
    incident.refresh_from_db()
    assert incident.level == 4
    assert incident.timeline.filter(data__deviation__recommended=1).exists()


def test_no_deviation_rule_names_office_staff():
    for level in (1, 2, 3, 4):
        rule = RULES[f"deviation.{level}"]
        assert "office_staff" not in rule.positions and rule.reading and "附件4" in rule.clause
        assert "DOMAIN" not in rule.clause


def test_never_the_reverse():
    """A lower post never gains a higher post's decision."""
    assert "office_director" not in RULES["level.activate.2"].positions
    assert "office_director" not in RULES["level.activate.1"].positions
    assert "commander" not in RULES["level.activate.1"].positions
    assert "office_director" not in RULES["level.lower.from_1_2"].positions
    assert "general_commander" not in RULES["response.end.1_2"].positions


@pytest.mark.parametrize("level", [1, 2])
def test_ending_1_2_belongs_to_the_onsite_commander_recorded(level, incident_in, people):
    incident = incident_in("responding", level=level, hazards_controlled=True)
    # none recorded yet: the commander (a standing on-site appointment alone is not enough)
    assert can(fresh("commander"), "response.end.1_2", incident)
    assert not can(fresh("general"), "response.end.1_2", incident)
    assert not can(fresh("director"), "response.end.1_2", incident)
    onsite = Person.objects.get(user__username="demo-deputy-secretary-general")
    hq, _created = OnsiteHQ.objects.get_or_create(incident=incident)
    hq.command_taken_at, hq.command_taken_by = timezone.now(), onsite
    hq.save()
    incident = type(incident).objects.get(pk=incident.pk)
    decision = can(fresh("commander"), "response.end.1_2", incident)
    assert not decision and onsite.name in decision.reason
    assert can(fresh("demo-deputy-secretary-general"), "response.end.1_2", incident)
    with pytest.raises(PermissionDenied):
        lifecycle.perform(incident.pk, move="end_response", actor=fresh("commander"))
    lifecycle.perform(incident.pk, move="end_response", actor=fresh("demo-deputy-secretary-general"))
    incident.refresh_from_db()
    assert incident.state == "response_ended"


def test_the_deviation_is_in_the_documents(make_incident):
    from documents.builders import build_record

    incident = firm(make_incident, 1)
    lifecycle.perform(incident.pk, move="close_without_response", actor=fresh("general"), reason=REASON)
    record = build_record(incident.pk)
    deviation = [e for e in record["events"] if "deviation" in (e.data or {})]
    assert len(deviation) == 1
    assert "偏离附件4确定建议Ⅰ级" in deviation[0].summary and deviation[0].reason == REASON
    assert DEVIATION_CLAUSE in deviation[0].clause


def test_an_approval_waits_for_the_named_authority_not_every_higher_one(incident_in):
    from command.common import users_who_can

    incident = incident_in("assessing")
    assert {u.username for u in users_who_can("level.activate.4", incident)} == {"director"}
    responding = incident_in("responding", level=2)
    assert {u.username for u in users_who_can("response.end.1_2", responding)} == {"commander"}
    onsite = Person.objects.get(user__username="demo-deputy-secretary-general")
    OnsiteHQ.objects.update_or_create(
        incident=responding, defaults={"command_taken_at": timezone.now(), "command_taken_by": onsite}
    )
    responding = type(responding).objects.get(pk=responding.pk)
    assert {u.username for u in users_who_can("response.end.1_2", responding)} == {
        "demo-deputy-secretary-general"
    }
