"""Level-change requests along the plan's chain (DOMAIN.md §5; §5.3.3, §5.3.4): end to end for Ⅱ and Ⅰ,
rejection, withdrawal, a decision taken by phone, stale and duplicate requests, and two approvers at
the same moment."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from command.approvals.selectors import pending_for, phone_decisions_to_confirm
from command.approvals.services import (
    level_request_act,
    level_request_submit,
    level_request_withdraw,
    phone_decision_confirm,
)
from command.common import CommandError
from command.models import (
    ActivatedGroup,
    ChecklistItem,
    LevelRequest,
    LevelRequestStep,
    Notification,
    OnsiteHQ,
)
from incidents.models import Incident, TimelineEvent
from tests.support.incidents import REASON


def _reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def test_level_2_along_the_chain_office_director_commander(
    firm_two, fresh, django_capture_on_commit_callbacks
):
    incident = firm_two()
    with django_capture_on_commit_callbacks(execute=True):
        r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    assert (r.kind, r.steps, r.stage, r.status) == ("activate", ["report", "decide"], 0, "open")
    assert not r.judgment and r.reason == ""  # the firm 附件4 recommendation: no reason needed
    assert r.recommendation["level"] == 2 and r.recommendation["firm"] is True
    assert "附件4 Ⅱ(1)" in r.recommendation["clauses"]
    # the director is asked; the commander not yet
    assert [x.pk for x in pending_for(fresh("director"))] == [r.pk]
    assert pending_for(fresh("commander")) == []
    assert Notification.objects.filter(recipient__username="director", kind="approval").exists()
    with pytest.raises(PermissionDenied):  # not the commander's turn yet
        level_request_act(request_id=r.pk, actor=fresh("commander"), expected_stage=0)

    with django_capture_on_commit_callbacks(execute=True):
        level_request_act(
            request_id=r.pk, actor=fresh("director"), expected_stage=0, note="情况属实，建议启动Ⅱ级"
        )
    r = _reload(r)
    assert (r.stage, r.status, r.current_step) == (1, "open", "decide")
    assert [x.pk for x in pending_for(fresh("commander"))] == [r.pk]
    assert _reload(incident).state == "assessing"

    with django_capture_on_commit_callbacks(execute=True):
        level_request_act(request_id=r.pk, actor=fresh("commander"), expected_stage=1)
    r, incident = _reload(r), _reload(incident)
    assert r.status == "approved" and r.closed_at
    assert (incident.state, incident.level) == ("responding", 2)
    assert [s.outcome for s in r.history.all()] == ["submitted", "forwarded", "approved"]
    assert [s.actor_post for s in r.history.all()] == ["办公室工作人员", "办公室主任", "指挥长"]
    event = TimelineEvent.objects.get(incident=incident, data__move="activate")
    assert event.actor.username == "commander" and event.data["level_request"] == r.pk
    assert "§5.3.3" in event.clause and "附件4 Ⅱ(1)" in event.clause
    # the activation ran after commit
    assert OnsiteHQ.objects.filter(incident=incident).exists()
    assert ActivatedGroup.objects.filter(incident=incident).count() == 8
    assert Notification.objects.filter(recipient__username="office", kind="request_outcome").exists()
    assert not Notification.objects.filter(recipient__username="commander", kind="request_outcome").exists()


def test_level_1_commander_proposes_general_decides(firm_two, fresh, django_capture_on_commit_callbacks):
    incident = firm_two()
    r = level_request_submit(
        incident_id=incident.pk, actor=fresh("office"), to_level=1, reason="事态扩大，超出市级处置能力"
    )
    assert r.steps == ["report", "propose", "decide"] and r.judgment  # Ⅰ is not the recommendation
    level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0)
    with pytest.raises(PermissionDenied):
        level_request_act(request_id=r.pk, actor=fresh("general"), expected_stage=1)  # the commander proposes
    level_request_act(request_id=r.pk, actor=fresh("commander"), expected_stage=1, note="建议总指挥启动Ⅰ级")
    assert [x.pk for x in pending_for(fresh("general"))] == [r.pk]
    with django_capture_on_commit_callbacks(execute=True):
        level_request_act(request_id=r.pk, actor=fresh("general"), expected_stage=2)
    incident = _reload(incident)
    assert (incident.state, incident.level) == ("responding", 1)
    assert [s.step for s in _reload(r).history.all()] == ["draft", "report", "propose", "decide"]
    codes = set(ChecklistItem.objects.filter(incident=incident).values_list("code", flat=True))
    assert {f"5.3.3-{i}" for i in range(1, 9)} | {"5.3.4-1", "5.3.4-2", "5.3.4-3"} == codes


def test_the_commander_proposes_level_1_himself(firm_two, fresh):
    incident = firm_two()
    r = level_request_submit(
        incident_id=incident.pk, actor=fresh("commander"), to_level=1, reason="超出市级能力"
    )
    assert (r.stage, r.current_step) == (2, "decide")
    assert r.history.get().step == "propose"


def test_an_authority_acts_directly(firm_two, fresh):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("commander"), to_level=2)
    assert r.status == "approved" and [s.outcome for s in r.history.all()] == ["submitted", "approved"]
    assert (_reload(incident).state, _reload(incident).level) == ("responding", 2)


def test_a_level_off_the_recommendation_needs_a_written_reason(firm_two, fresh):
    incident = firm_two()
    with pytest.raises(CommandError, match="附件4第4项"):
        level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=3)
    assert not LevelRequest.objects.filter(incident=incident).exists()
    r = level_request_submit(
        incident_id=incident.pk, actor=fresh("office"), to_level=3, reason="现场已基本控制"
    )
    assert r.judgment and r.reason == "现场已基本控制"


def test_raising_and_lowering_need_a_reason(incident_in, fresh):
    incident = incident_in("responding", level=3)
    for to in (2, 4):
        with pytest.raises(CommandError, match="须写明理由"):
            level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=to)


def test_rejecting_leaves_the_incident_and_tells_the_proposer(
    firm_two, fresh, django_capture_on_commit_callbacks
):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    with pytest.raises(CommandError, match="理由"):
        level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0, approve=False)
    assert _reload(r).status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        level_request_act(
            request_id=r.pk,
            actor=fresh("director"),
            expected_stage=0,
            approve=False,
            note="供热已部分恢复，继续观察",
        )
    r, after = _reload(r), _reload(incident)
    assert (r.status, r.outcome_note) == ("rejected", "供热已部分恢复，继续观察")
    assert (after.state, after.level, after.updated_at) == (
        incident.state,
        incident.level,
        incident.updated_at,
    )
    note = Notification.objects.get(recipient__username="office", kind="request_outcome")
    assert "供热已部分恢复，继续观察" in note.title and note.url.endswith(f"/command/requests/{r.pk}/")
    # a rejected request is closed: another can now be made
    level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)


def test_a_second_open_request_is_refused(firm_two, fresh):
    incident = firm_two()
    first = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    with pytest.raises(CommandError, match=f"#{first.pk}"):
        level_request_submit(incident_id=incident.pk, actor=fresh("director"), to_level=2)
    assert LevelRequest.objects.filter(incident=incident).count() == 1


def test_acting_on_a_stale_request_is_refused(firm_two, fresh):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0)
    with pytest.raises(CommandError, match="下一环节"):  # the page still showed stage 0
        level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0)
    level_request_act(request_id=r.pk, actor=fresh("commander"), expected_stage=1)
    with pytest.raises(CommandError, match=r"已由.*批准，无需再办理"):
        level_request_act(request_id=r.pk, actor=fresh("commander"), expected_stage=1)


def test_a_move_made_elsewhere_supersedes_the_open_request(firm_two, fresh):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    incident.activate(
        fresh("commander"), level=3, reason=REASON
    )  # below the firm Ⅱ: the commander (Ⅱ's authority) decides directly on the incident page
    r = _reload(r)
    assert r.status == "superseded" and "Ⅲ级" in r.outcome_note
    assert r.history.last().outcome == LevelRequestStep.Outcome.SUPERSEDED
    with pytest.raises(CommandError, match="已失效"):
        level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0)


def test_withdrawing(firm_two, fresh):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    with pytest.raises(PermissionDenied):
        level_request_withdraw(request_id=r.pk, actor=fresh("police"))
    level_request_withdraw(request_id=r.pk, actor=fresh("office"), note="重复")
    assert _reload(r).status == "withdrawn"
    assert TimelineEvent.objects.filter(incident=incident, summary__startswith="撤回请示").exists()


def test_a_decision_taken_by_phone(firm_two, fresh, django_capture_on_commit_callbacks):
    """电话请示，XX同意: recorded by the office with the approver's authority, marked as by phone, shown
    to the approver, who confirms it."""
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0)
    at = timezone.now() - timedelta(minutes=5)
    commander = fresh("commander")
    with pytest.raises(PermissionDenied):  # the approver named must hold the authority
        level_request_act(
            request_id=r.pk,
            actor=fresh("office"),
            expected_stage=1,
            by_phone={"approver": fresh("director"), "at": at},
        )
    with pytest.raises(PermissionDenied):  # only the office records phone decisions
        level_request_act(
            request_id=r.pk,
            actor=fresh("police"),
            expected_stage=1,
            by_phone={"approver": commander, "at": at},
        )
    with pytest.raises(CommandError, match="晚于现在"):
        level_request_act(
            request_id=r.pk,
            actor=fresh("office"),
            expected_stage=1,
            by_phone={"approver": commander, "at": timezone.now() + timedelta(hours=1)},
        )
    with pytest.raises(CommandError, match="接报"):
        level_request_act(
            request_id=r.pk,
            actor=fresh("office"),
            expected_stage=1,
            by_phone={"approver": commander, "at": incident.reported_at - timedelta(hours=1)},
        )
    assert _reload(r).status == "open" and _reload(incident).state == "assessing"

    with django_capture_on_commit_callbacks(execute=True):
        level_request_act(
            request_id=r.pk,
            actor=fresh("office"),
            expected_stage=1,
            note="电话请示，张振华同志同意",
            by_phone={"approver": commander, "at": at},
        )
    incident = _reload(incident)
    assert (incident.state, incident.level) == ("responding", 2)
    step = _reload(r).history.get(outcome="approved")
    assert step.by_phone and step.actor.username == "commander" and step.recorded_by.username == "office"
    assert step.at == at and step.recorded_at > at
    event = TimelineEvent.objects.get(incident=incident, data__move="activate")
    assert event.actor.username == "commander" and event.data["by_phone"] is True
    assert "电话请示" in event.summary and "王文静" in event.summary  # who recorded it
    # the approver is told, sees it and confirms it
    assert Notification.objects.filter(recipient__username="commander", kind="phone_record").count() == 1
    assert [s.pk for s in phone_decisions_to_confirm(fresh("commander"))] == [step.pk]
    with pytest.raises(PermissionDenied):
        phone_decision_confirm(step_id=step.pk, actor=fresh("director"))
    phone_decision_confirm(step_id=step.pk, actor=fresh("commander"))
    assert phone_decisions_to_confirm(fresh("commander")) == []


def test_append_only_history(firm_two, fresh):
    from django.db import DatabaseError, transaction

    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    step = r.history.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE command_levelrequeststep SET note = 'x' WHERE id = %s", [step.pk])


# ---- two approvers at the same moment, two PostgreSQL connections -------------------------------------


def _in_thread(name, results, barrier, fn):
    def target():
        try:
            barrier.wait(timeout=20)
            results[name] = ("ok", fn())
        except Exception as exc:
            results[name] = ("error", exc)
        finally:
            connection.close()

    return threading.Thread(target=target, name=name)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("contest", ["approve-vs-approve", "approve-vs-reject"])
def test_two_decisions_on_one_request_exactly_one_wins(contest, demo, firm_two, fresh):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0)
    # the commander taps on his phone and on his desktop at the same moment
    second = {"approve-vs-approve": True, "approve-vs-reject": False}[contest]
    results, barrier = {}, threading.Barrier(2)
    threads = [
        _in_thread(
            "a",
            results,
            barrier,
            lambda: level_request_act(request_id=r.pk, actor=fresh("commander"), expected_stage=1),
        ),
        _in_thread(
            "b",
            results,
            barrier,
            lambda: level_request_act(
                request_id=r.pk, actor=fresh("commander"), expected_stage=1, approve=second, note="不同意"
            ),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    outcomes = sorted(v[0] for v in results.values())
    assert outcomes == ["error", "ok"], results
    loser = next(v[1] for v in results.values() if v[0] == "error")
    assert isinstance(loser, CommandError) and "已" in str(loser)
    r = LevelRequest.objects.get(pk=r.pk)
    assert r.history.filter(outcome__in=["approved", "rejected"]).count() == 1
    incident = Incident.objects.get(pk=incident.pk)
    if r.status == "approved":
        assert (incident.state, incident.level) == ("responding", 2)
        assert TimelineEvent.objects.filter(incident=incident, data__move="activate").count() == 1
    else:
        assert incident.state == "assessing"


def test_the_second_approver_is_told_who_decided_as_information(firm_two, fresh, client):
    """Issue 17 point 11: two approvers at once — the second is told, as information (not a red error),
    "这件请示已由XX批准，无需再办理。" (no doubled 已, nothing changed)."""
    from django.contrib.messages import constants, get_messages

    from command.common import AlreadyDecided
    from incidents.timeline import actor_name

    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0)
    winner, loser = fresh("commander"), fresh("commander")
    level_request_act(request_id=r.pk, actor=winner, expected_stage=1)
    steps = r.history.count()
    with pytest.raises(AlreadyDecided, match=f"^这件请示已由{actor_name(winner)}批准，无需再办理。$"):
        level_request_act(request_id=r.pk, actor=loser, expected_stage=1)
    client.force_login(loser)
    response = client.post(f"/command/requests/{r.pk}/act/", {"decision": "approve", "stage": "1"})
    shown = [(m.level, m.message) for m in get_messages(response.wsgi_request)]
    assert shown == [(constants.INFO, f"这件请示已由{actor_name(winner)}批准，无需再办理。")]
    assert r.history.count() == steps and _reload(r).status == "approved"
    client.force_login(fresh("office"))
    response = client.post(f"/command/requests/{r.pk}/withdraw/", {"stage": "1"})
    withdraw = [m for m in get_messages(response.wsgi_request) if m.message.startswith("这件请示已由")]
    assert withdraw and {m.level for m in withdraw} == {constants.INFO}


def test_an_absent_holder_decides_by_phone(firm_two, fresh):
    """DOMAIN §6 reading "Phone decisions by an absent holder": absence (leave, travel) is exactly when 电话请示
    is used. The office records the absent commander's decision; it is shown as （外出，电话同意）; his
    deputy may still act in person."""
    from incidents.models import TimelineEvent
    from orgchart.models import Absence, Person

    incident = firm_two()
    commander = fresh("commander")
    now = timezone.now()
    Absence.objects.create(
        person=Person.objects.get(user=commander),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=6),
        reason="测试：出差",
    )
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0)
    with pytest.raises(PermissionDenied):  # away, he cannot act in the system himself
        level_request_act(request_id=r.pk, actor=fresh("commander"), expected_stage=1)
    level_request_act(
        request_id=r.pk,
        actor=fresh("office"),
        expected_stage=1,
        by_phone={"approver": fresh("commander"), "at": now - timedelta(minutes=2)},
    )
    incident.refresh_from_db()
    assert incident.level == 2
    assert TimelineEvent.objects.filter(incident=incident, summary__contains="（外出，电话同意）").exists()
