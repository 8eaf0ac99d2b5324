"""The incident's state machine (DOMAIN.md §5, incidents/lifecycle.py): moves, authority, conditions,
the timeline, and two people acting at once on PostgreSQL."""

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from incidents import lifecycle
from incidents.choices import State
from incidents.lifecycle import MOVES, TransitionError
from incidents.models import FollowUpReport, Incident, TimelineEvent
from orgchart.models import Absence
from tests.support.incidents import settle_aftermath

pytestmark = pytest.mark.django_db

REASON = "测试理由：经研判"


def snapshot(incident):
    """What a refused move must leave alone: the row's state, level and update time, and the timeline."""
    row = Incident.objects.get(pk=incident.pk)
    return (
        row.state,
        row.level,
        row.level_since,
        row.merged_into_id,
        row.updated_at,
        TimelineEvent.objects.filter(incident=row).count(),
    )


def set_figures(incident, **fields):
    Incident.objects.filter(pk=incident.pk).update(**fields)
    incident.refresh_from_db()


def move_kwargs(move, incident):
    """Valid arguments for ``move`` on ``incident`` (responding incidents are at Ⅲ unless said)."""
    if move == "activate":
        return {"level": 3, "reason": REASON}
    if move == "change_level":
        return {"level": 4, "reason": REASON}
    if move in ("close_without_response", "dismiss", "reopen", "end_response"):
        return {"reason": REASON}
    return {}


def do(incident, move, actor, **kwargs):
    return getattr(incident, move)(actor, **kwargs)


# ---- every state × every move ------------------------------------------------------------------

MATRIX = [
    pytest.param(state, move, state in MOVES[move].sources, id=f"{state}-{move}")
    for state in State.values
    for move in MOVES
]


def test_the_matrix_covers_nine_moves_and_eight_states():
    assert len(MOVES) == 9
    assert len(State.values) == 8
    assert len(MATRIX) == 72


@pytest.mark.parametrize(("state", "move", "allowed"), MATRIX)
def test_state_move_matrix(state, move, allowed, incident_in, authorised, people):
    incident = incident_in(state)
    if move == "end_response" and allowed:
        set_figures(incident, hazards_controlled=True)
    kwargs = move_kwargs(move, incident)
    if move == "archive" and state == "aftermath":
        settle_aftermath(incident, people.office)  # the archive gate (§7), tested in tests/aftermath
    if allowed:
        actor = authorised(move, incident, kwargs.get("level"))
    else:
        # Whoever would hold the authority (state checks come first: nobody may make this move now).
        actor = (
            people.director
            if move in ("activate", "change_level", "end_response", "reopen")
            else people.office
        )
    before = snapshot(incident)
    old_level = incident.level

    if not allowed:
        with pytest.raises(TransitionError) as exc:
            do(incident, move, actor, **kwargs)
        assert str(State(state).label) in str(exc.value)
        assert str(MOVES[move].label) in str(exc.value)
        assert snapshot(incident) == before
        return

    do(incident, move, actor, **kwargs)
    incident.refresh_from_db()
    spec = MOVES[move]
    expected_state = state if spec.target is None else spec.target
    # Reopening an incident archived after a response returns it to its aftermath, level kept (issue 9).
    reopen_to_aftermath = move == "reopen" and state == "archived" and old_level is not None
    if reopen_to_aftermath:
        expected_state = "aftermath"
    assert incident.state == expected_state
    # Entering aftermath also issues the §7.1 items: one more (command) event.
    added = 2 if move == "begin_aftermath" else 1
    assert TimelineEvent.objects.filter(incident=incident).count() == before[-1] + added

    expected_level = {
        "activate": 3,
        "change_level": 4,
        "reopen": old_level if reopen_to_aftermath else None,
    }.get(move, old_level)
    assert incident.level == expected_level

    # The timeline event records who, from, to, why and under which clause.
    event = TimelineEvent.objects.filter(incident=incident).exclude(kind="command").latest("id")
    expected_clause = {
        "start_assessment": "§5.1、附件1",
        "activate": "§5.3.2",
        "change_level": "§5.3.5",
        "end_response": "§5.3.6",
        "begin_aftermath": "§7",
        "archive": "§7",
        "close_without_response": "§5.1、附件1",
        "dismiss": "§5.1",
        "reopen": "§5（解读）",
    }[move]
    assert event.actor == actor
    assert event.actor_name == actor.person.name
    assert event.actor_post
    assert event.kind == (TimelineEvent.Kind.LEVEL if move == "change_level" else TimelineEvent.Kind.STATE)
    assert (event.from_state, event.to_state) == (state, expected_state)
    assert (event.from_level, event.to_level) == (old_level, expected_level)
    assert event.reason == kwargs.get("reason", "")
    assert event.clause.startswith(expected_clause)  # + the 附件4 clauses backing a level change
    assert event.data["move"] == move


def test_moves_strip_the_reason_and_record_the_time_given(incident_in, people):
    incident = incident_in("assessing")
    at = timezone.now() - timedelta(minutes=5)
    lifecycle.perform(
        incident.pk, move="activate", actor=people.director, level=4, reason="  现场研判  ", now=at
    )
    incident.refresh_from_db()
    event = incident.timeline.latest("id")
    assert event.reason == "现场研判"
    assert event.at == at
    assert incident.level_since == at
    assert event.summary == "启动Ⅳ级响应"


# ---- authority per position (DOMAIN.md §5 table) -------------------------------------------------

# (setup state, setup level, move, kwargs, user, allowed, clause cited when refused)
AUTHORITY = [
    # start assessment: office staff, office director (§5.1、附件1)
    ("reported", None, "start_assessment", {}, "office", True, ""),
    ("reported", None, "start_assessment", {}, "director", True, ""),
    ("reported", None, "start_assessment", {}, "commander", False, "§5.1"),
    ("reported", None, "start_assessment", {}, "police", False, "§5.1"),
    ("reported", None, "start_assessment", {}, "general", False, "§5.1"),
    # activate Ⅳ, Ⅲ: office director (§5.3.1–2)
    ("assessing", None, "activate", {"level": 4}, "director", True, ""),
    ("assessing", None, "activate", {"level": 4}, "office", False, "§5.3.1"),
    ("assessing", None, "activate", {"level": 4}, "commander", True, ""),  # higher authority (reading)
    ("assessing", None, "activate", {"level": 3}, "director", True, ""),
    ("assessing", None, "activate", {"level": 3}, "office", False, "§5.3.2"),
    ("assessing", None, "activate", {"level": 3}, "commander", True, ""),
    ("assessing", None, "activate", {"level": 3}, "general", True, ""),
    ("assessing", None, "activate", {"level": 3}, "police", False, "§5.3.2"),
    # activate Ⅱ: commander (§5.3.3)
    ("assessing", None, "activate", {"level": 2}, "commander", True, ""),
    ("assessing", None, "activate", {"level": 2}, "director", False, "§5.3.3"),
    ("assessing", None, "activate", {"level": 2}, "office", False, "§5.3.3"),
    ("assessing", None, "activate", {"level": 2}, "general", True, ""),
    # activate Ⅰ: general commander (§5.3.4)
    ("assessing", None, "activate", {"level": 1}, "general", True, ""),
    ("assessing", None, "activate", {"level": 1}, "commander", False, "§5.3.4"),
    ("assessing", None, "activate", {"level": 1}, "director", False, "§5.3.4"),
    # raise: whoever activates the new level (§5.3.5)
    ("responding", 4, "change_level", {"level": 3}, "director", True, ""),
    ("responding", 4, "change_level", {"level": 3}, "commander", True, ""),
    ("responding", 3, "change_level", {"level": 2}, "commander", True, ""),
    ("responding", 3, "change_level", {"level": 2}, "director", False, "§5.3.3"),
    ("responding", 2, "change_level", {"level": 1}, "general", True, ""),
    ("responding", 2, "change_level", {"level": 1}, "commander", False, "§5.3.4"),
    # lower from Ⅰ or Ⅱ: commander; Ⅲ → Ⅳ: office director (§5.3.5)
    ("responding", 1, "change_level", {"level": 2}, "commander", True, ""),
    ("responding", 1, "change_level", {"level": 2}, "general", True, ""),
    ("responding", 1, "change_level", {"level": 2}, "director", False, "§5.3.5"),
    ("responding", 2, "change_level", {"level": 3}, "commander", True, ""),
    ("responding", 2, "change_level", {"level": 3}, "director", False, "§5.3.5"),
    ("responding", 3, "change_level", {"level": 4}, "director", True, ""),
    ("responding", 3, "change_level", {"level": 4}, "commander", True, ""),
    ("responding", 3, "change_level", {"level": 4}, "general", True, ""),
    ("responding", 3, "change_level", {"level": 4}, "office", False, "§5.3.5"),
    # end Ⅰ or Ⅱ: on-site commander; Ⅲ or Ⅳ: office director (§5.3.6)
    ("responding", 1, "end_response", {}, "commander", True, ""),
    ("responding", 1, "end_response", {}, "general", False, "§5.3.6"),
    ("responding", 1, "end_response", {}, "director", False, "§5.3.6"),
    ("responding", 2, "end_response", {}, "commander", True, ""),
    ("responding", 2, "end_response", {}, "director", False, "§5.3.6"),
    ("responding", 3, "end_response", {}, "director", True, ""),
    ("responding", 3, "end_response", {}, "commander", True, ""),
    ("responding", 4, "end_response", {}, "director", True, ""),
    ("responding", 4, "end_response", {}, "commander", True, ""),
    ("responding", 4, "end_response", {}, "general", True, ""),
    ("responding", 2, "end_response", {}, "general", False, "§5.3.6"),
    ("responding", 4, "end_response", {}, "office", False, "§5.3.6"),
    # reopen: office director only (DOMAIN.md §5)
    ("dismissed", None, "reopen", {}, "director", True, ""),
    ("dismissed", None, "reopen", {}, "office", False, "§5（解读）"),
    ("dismissed", None, "reopen", {}, "commander", False, "§5（解读）"),
]


def _authority_id(case):
    _state, level, move, kwargs, user, allowed, _clause = case
    target = f"{level or ''}to{kwargs['level']}" if "level" in kwargs else (f"at{level}" if level else "")
    return f"{move}{'-' + target if target else ''}-{user}-{'yes' if allowed else 'no'}"


@pytest.mark.parametrize(
    ("state", "level", "move", "kwargs", "user", "allowed", "clause"),
    [pytest.param(*case, id=_authority_id(case)) for case in AUTHORITY],
)
def test_authority_per_position(state, level, move, kwargs, user, allowed, clause, incident_in, people):
    incident = incident_in(state, level=level)
    if move == "end_response":
        set_figures(incident, hazards_controlled=True)
    if move in ("activate", "change_level", "reopen", "end_response"):
        kwargs = {**kwargs, "reason": REASON}  # an activation without a firm 附件4 basis needs one
    actor = people[user]
    before = snapshot(incident)
    if allowed:
        do(incident, move, actor, **kwargs)
        incident.refresh_from_db()
        assert incident.timeline.count() == before[-1] + 1
        if "level" in kwargs:
            assert incident.level == kwargs["level"]
        else:
            assert incident.state != before[0]
        return
    with pytest.raises(PermissionDenied) as exc:
        do(incident, move, actor, **kwargs)
    assert clause in str(exc.value)
    assert snapshot(incident) == before


def test_a_user_without_a_post_may_not_move_anything(incident_in):
    incident = incident_in("reported")
    nobody = get_user_model().objects.create_user("no-post", password="x")
    before = snapshot(incident)
    with pytest.raises(PermissionDenied):
        incident.start_assessment(nobody)
    assert snapshot(incident) == before


# ---- AB角: a deputy acts for an absent holder ------------------------------------------------------


def away(user):
    now = timezone.now()
    return Absence.objects.create(
        person=user.person,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=4),
        reason="出差",
    )


def test_deputy_activates_level_2_for_the_absent_commander(incident_in, people, user_of):
    incident = incident_in("assessing")
    away(people.commander)
    deputy = user_of("demo-deputy-secretary-general")
    incident.activate(deputy, level=2, reason=REASON)
    incident.refresh_from_db()
    assert (incident.state, incident.level) == ("responding", 2)
    event = incident.timeline.latest("id")
    assert event.actor == deputy
    assert event.actor_name == "钱立群（演示）"
    assert "代理" in event.actor_post
    assert people.commander.person.name in event.actor_post  # 张振华（演示）
    assert event.data["acting_for"] == [people.commander.person.name]
    assert event.clause == "§5.3.3、附件4 Ⅱ(4)"  # nothing recommended: the command's judgment


def test_deputy_may_not_act_while_the_commander_is_present(incident_in, user_of):
    incident = incident_in("assessing")
    before = snapshot(incident)
    with pytest.raises(PermissionDenied, match=r"§5\.3\.3"):
        incident.activate(user_of("demo-deputy-secretary-general"), level=2, reason=REASON)
    assert snapshot(incident) == before


def test_the_absent_commander_himself_does_not_act(incident_in, people, user_of):
    """Reading of the code: an absence suspends the holder's own posts (the deputy acts meanwhile)."""
    incident = incident_in("assessing")
    away(people.commander)
    with pytest.raises(PermissionDenied):
        incident.activate(user_of("commander"), level=2, reason=REASON)


def test_deputy_director_activates_level_3_for_the_absent_director(incident_in, people, user_of):
    incident = incident_in("assessing")
    away(people.director)
    deputy = user_of("demo-city_admin-deputy")
    incident.activate(deputy, level=3, reason=REASON)
    event = incident.timeline.latest("id")
    assert "代理" in event.actor_post and people.director.person.name in event.actor_post


# ---- reasons, levels ---------------------------------------------------------------------------------

NEEDS_REASON = [
    ("close_without_response", "assessing", None, "office", {}),
    ("dismiss", "reported", None, "office", {}),
    ("reopen", "dismissed", None, "director", {}),
    ("change_level", "responding", 3, "director", {"level": 4}),
]


@pytest.mark.parametrize("reason", ["", "   ", None], ids=["empty", "blank", "none"])
@pytest.mark.parametrize(
    ("move", "state", "level", "user", "kwargs"), NEEDS_REASON, ids=[c[0] for c in NEEDS_REASON]
)
def test_a_reason_is_required(move, state, level, user, kwargs, reason, incident_in, people):
    assert MOVES[move].needs_reason
    incident = incident_in(state, level=level)
    before = snapshot(incident)
    with pytest.raises(TransitionError, match="须写明理由"):
        do(incident, move, people[user], reason=reason, **kwargs)
    assert snapshot(incident) == before


def test_changing_to_the_same_level_is_refused(incident_in, people):
    incident = incident_in("responding", level=3)
    before = snapshot(incident)
    with pytest.raises(TransitionError, match="相同"):
        incident.change_level(people.director, level=3, reason=REASON)
    assert snapshot(incident) == before


BAD_LEVELS = [5, 0, -1, None, "x", ""]


@pytest.mark.parametrize("bad", BAD_LEVELS, ids=[repr(b) for b in BAD_LEVELS])
@pytest.mark.parametrize("move", ["activate", "change_level"])
def test_an_invalid_level_is_refused(move, bad, incident_in, people):
    incident = incident_in("assessing" if move == "activate" else "responding")
    before = snapshot(incident)
    with pytest.raises(TransitionError, match="响应级别只能是"):
        do(incident, move, people.director, level=bad, reason=REASON)
    assert snapshot(incident) == before


def test_a_fractional_level_is_refused(incident_in, people):
    incident = incident_in("assessing")
    before = snapshot(incident)
    with pytest.raises(TransitionError):
        incident.activate(people.commander, level=2.5, reason=REASON)
    assert snapshot(incident) == before


def test_activation_without_a_recommendation_needs_a_written_reason(incident_in, people):
    incident = incident_in("assessing")  # no outage, no accident, nobody at risk: nothing recommended
    assert incident.recommendation().level is None
    before = snapshot(incident)
    with pytest.raises(TransitionError):
        incident.activate(people.director, level=3, reason="")
    assert snapshot(incident) == before


# ---- §5.3.6: ending a response ----------------------------------------------------------------------

END_CONDITIONS = [
    ("still_trapped", {"still_trapped": 2}, "仍有 2 人被困"),
    ("still_missing", {"still_missing": 1}, "仍有 1 人失联"),
    ("dead_unrecovered", {"dead_unrecovered": 3}, "仍有 3 名遇难人员未救出"),
    (
        "hazards_not_controlled",
        {"hazards_controlled": False},
        "次生、衍生事故的威胁和危害尚未记录为已控制或消除",
    ),
]
ALL_MESSAGES = [m for _c, _f, m in END_CONDITIONS]


@pytest.mark.parametrize(("name", "failing", "message"), END_CONDITIONS, ids=[c[0] for c in END_CONDITIONS])
def test_end_response_refused_while_a_condition_fails(name, failing, message, incident_in, people):
    incident = incident_in("responding", level=3)
    set_figures(incident, **{"hazards_controlled": True, **failing})
    before = snapshot(incident)
    with pytest.raises(TransitionError) as exc:
        incident.end_response(people.director, reason=REASON)
    text = str(exc.value)
    assert "§5.3.6" in text
    assert message in text
    assert [m for m in ALL_MESSAGES if m in text] == [message]  # names that condition only
    assert snapshot(incident) == before


def test_end_response_names_every_failing_condition(incident_in, people):
    incident = incident_in("responding", level=2)
    set_figures(incident, still_trapped=2, still_missing=1, dead_unrecovered=3, hazards_controlled=False)
    with pytest.raises(TransitionError) as exc:
        incident.end_response(people.commander, reason=REASON)
    assert all(m in str(exc.value) for m in ALL_MESSAGES)


def test_end_response_allowed_when_all_conditions_hold(incident_in, people):
    incident = incident_in("responding", level=3)
    set_figures(incident, people_at_risk_peak=5, still_trapped=0, still_missing=0, dead_unrecovered=0)
    set_figures(incident, hazards_controlled=True)
    incident.end_response(people.director, reason="人员全部救出，危害已消除")
    incident.refresh_from_db()
    assert incident.state == "response_ended"
    assert incident.level == 3  # the level it ended at stays on record


# ---- dismiss, merge, reopen ----------------------------------------------------------------------------


def test_dismiss_as_duplicate_sets_merged_into(make_incident, people):
    original = make_incident(title="原事件")
    duplicate = make_incident(title="重复上报")
    duplicate.dismiss(people.office, reason="与原事件重复", merged_into=original)
    duplicate.refresh_from_db()
    assert duplicate.state == "dismissed"
    assert duplicate.merged_into == original
    event = duplicate.timeline.latest("id")
    assert f"#{original.pk}" in event.summary
    assert list(original.duplicates.all()) == [duplicate]


def test_dismiss_merged_into_accepts_a_primary_key(make_incident, people):
    original, duplicate = make_incident(), make_incident()
    duplicate.dismiss(people.office, reason="重复", merged_into=original.pk)
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == original.pk


@pytest.mark.parametrize("as_pk", [False, True], ids=["instance", "pk"])
def test_merging_into_itself_is_refused(as_pk, make_incident, people):
    incident = make_incident()
    before = snapshot(incident)
    with pytest.raises(TransitionError, match="合并到它自己"):
        incident.dismiss(people.office, reason="重复", merged_into=incident.pk if as_pk else incident)
    assert snapshot(incident) == before


def test_merging_into_an_incident_merged_into_this_one_is_refused(make_incident, people):
    a, b = make_incident(title="A"), make_incident(title="B")
    b.dismiss(people.office, reason="与A重复", merged_into=a)
    before = snapshot(a)
    with pytest.raises(TransitionError):
        a.dismiss(people.office, reason="与B重复", merged_into=b)
    assert snapshot(a) == before


def test_reopening_an_archived_response_returns_it_to_aftermath_with_its_level(incident_in, people):
    """Reading of DOMAIN.md §5 (issue 9): the correction of an incident that had a response is made in
    its aftermath (a new revision of the record), so the level stays."""
    incident = incident_in("archived", level=2)
    assert incident.level == 2
    incident.reopen(people.director, reason="调查报告需更正")
    incident.refresh_from_db()
    assert (incident.state, incident.level) == ("aftermath", 2)
    event = incident.timeline.latest("id")
    assert (event.from_state, event.to_state, event.from_level, event.to_level) == (
        "archived",
        "aftermath",
        2,
        2,
    )


def test_reopening_an_archive_without_response_clears_the_level_and_returns_to_assessing(incident_in, people):
    incident = incident_in("handled_without_response")
    incident.archive(people.office)  # its reason alone suffices (issue 9)
    incident.reopen(people.director, reason="发现新的停热区域")
    incident.refresh_from_db()
    assert (incident.state, incident.level, incident.level_since) == ("assessing", None, None)
    event = incident.timeline.latest("id")
    assert (event.from_state, event.to_state) == ("archived", "assessing")


def test_reopening_a_merged_duplicate_clears_merged_into(make_incident, people):
    original, duplicate = make_incident(), make_incident()
    duplicate.dismiss(people.office, reason="重复", merged_into=original)
    duplicate.reopen(people.director, reason="核实后并非重复")
    duplicate.refresh_from_db()
    assert duplicate.state == "assessing"
    assert duplicate.merged_into_id is None


# ---- stale pages: expected_state / expected_level --------------------------------------------------------


def test_stale_expected_state_is_refused(incident_in, people):
    incident = incident_in("assessing")
    before = snapshot(incident)
    with pytest.raises(TransitionError, match="已变为") as exc:
        incident.dismiss(people.office, reason="误报", expected_state=State.REPORTED)
    assert "研判中" in str(exc.value)
    assert snapshot(incident) == before


def test_stale_expected_level_is_refused(incident_in, people):
    incident = incident_in("responding", level=3)
    before = snapshot(incident)
    with pytest.raises(TransitionError, match="已被他人调整"):
        incident.change_level(
            people.director, level=4, reason=REASON, expected_state="responding", expected_level=2
        )
    assert snapshot(incident) == before


def test_matching_expectations_let_the_move_through(incident_in, people):
    incident = incident_in("responding", level=3)
    incident.change_level(
        people.director, level=4, reason=REASON, expected_state="responding", expected_level=3
    )
    incident.refresh_from_db()
    assert incident.level == 4


def test_a_stale_instance_does_not_fool_the_lock(make_incident, people):
    """The move reads the locked row, not the caller's copy."""
    incident = make_incident()
    stale = Incident.objects.get(pk=incident.pk)
    incident.dismiss(people.office, reason="误报")
    with pytest.raises(TransitionError, match="已撤销"):
        stale.start_assessment(people.office)
    assert incident.timeline.filter(data__move="start_assessment").count() == 0


# ---- append-only records ----------------------------------------------------------------------------


@pytest.fixture
def follow_up(make_incident, people):
    from incidents.services import follow_up_add

    incident = make_incident()
    return follow_up_add(
        actor=people.office, incident_id=incident.pk, note="续报：抢修中", data={"deaths": 0}
    )


@pytest.fixture
def event(make_incident):
    return make_incident().timeline.get()


@pytest.mark.parametrize("which", ["event", "follow_up"])
def test_append_only_in_code(which, request):
    row = request.getfixturevalue(which)
    model = type(row)
    field = "note" if model is FollowUpReport else "summary"
    with pytest.raises(PermissionError):
        model.objects.filter(pk=row.pk).update(**{field: "改写"})
    with pytest.raises(PermissionError):
        model.objects.filter(pk=row.pk).delete()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        row.save()
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(
    ("which", "table", "column"),
    [("event", "incidents_timelineevent", "summary"), ("follow_up", "incidents_followupreport", "note")],
)
def test_append_only_in_the_database(which, table, column, request):
    row = request.getfixturevalue(which)
    original = getattr(row, column)
    for sql in (f"UPDATE {table} SET {column} = 'x' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [row.pk])
    assert getattr(type(row).objects.get(pk=row.pk), column) == original


# ---- two people at once, on PostgreSQL with two connections -------------------------------------------


def _in_thread(name, results, barrier, fn):
    def target():
        try:
            barrier.wait(timeout=20)
            results[name] = ("ok", fn())
        except Exception as exc:  # the test inspects it
            results[name] = ("error", exc)
        finally:
            connection.close()

    return threading.Thread(target=target, name=name)


def _user(username):
    return get_user_model().objects.get(username=username)


RACES = {
    # name: (setup state, [(thread name, username, move, kwargs)], message the loser sees, by winner)
    "assess-vs-assess": (
        "reported",
        [("a", "office", "start_assessment", {}), ("b", "director", "start_assessment", {})],
    ),
    "activate-vs-dismiss": (
        "assessing",
        [
            ("a", "director", "activate", {"level": 3, "reason": REASON}),
            ("b", "office", "dismiss", {"reason": "误报"}),
        ],
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("race", list(RACES))
def test_two_people_at_the_same_moment_one_wins(race, incident_in):
    state, contenders = RACES[race]
    incident = incident_in(state)
    pk = incident.pk
    results, barrier = {}, threading.Barrier(len(contenders))
    threads = [
        _in_thread(
            name,
            results,
            barrier,
            lambda username=username, move=move, kwargs=kwargs: lifecycle.perform(
                pk, move=move, actor=_user(username), **kwargs
            ),
        )
        for name, username, move, kwargs in contenders
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)

    outcomes = {name: results[name][0] for name, *_ in contenders}
    assert sorted(outcomes.values()) == ["error", "ok"], results
    winner = next(c for c in contenders if outcomes[c[0]] == "ok")
    loser = next(c for c in contenders if outcomes[c[0]] == "error")
    error = results[loser[0]][1]
    assert isinstance(error, TransitionError), error
    final = Incident.objects.get(pk=pk)
    assert final.state == MOVES[winner[2]].target
    assert str(State(final.state).label) in str(error)  # the state changed under it, and it says so

    events = TimelineEvent.objects.filter(incident_id=pk)
    assert events.filter(data__move=winner[2]).count() == 1  # the same move: still exactly one event
    if loser[2] != winner[2]:
        assert events.filter(data__move=loser[2]).count() == 0


def _blocked_by_me():
    """How many other backends wait for a lock this connection holds (a fresh statistics snapshot)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        return cur.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("holder_does", ["nothing", "dismiss"])
def test_a_move_waits_for_the_row_lock_then_rechecks(holder_does, incident_in):
    incident = incident_in("reported")
    pk = incident.pk
    results, barrier = {}, threading.Barrier(1)
    waiter = _in_thread(
        "waiter",
        results,
        barrier,
        lambda: lifecycle.perform(pk, move="start_assessment", actor=_user("director")),
    )
    try:
        with transaction.atomic():
            Incident.objects.select_for_update().get(pk=pk)
            waiter.start()
            deadline = time.monotonic() + 15
            while _blocked_by_me() == 0:
                assert waiter.is_alive() and time.monotonic() < deadline, f"the move did not wait: {results}"
                time.sleep(0.02)
            assert results == {}  # still waiting for the lock
            if holder_does == "dismiss":
                lifecycle.perform(pk, move="dismiss", actor=_user("office"), reason="误报")
    finally:
        waiter.join(timeout=30)
    assert not waiter.is_alive()

    events = TimelineEvent.objects.filter(incident_id=pk)
    final = Incident.objects.get(pk=pk)
    if holder_does == "nothing":
        assert results["waiter"][0] == "ok", results
        assert final.state == "assessing"
        assert events.filter(data__move="start_assessment").count() == 1
    else:
        outcome, error = results["waiter"]
        assert outcome == "error" and isinstance(error, TransitionError), results
        assert "已撤销" in str(error)
        assert final.state == "dismissed"
        assert events.filter(data__move="start_assessment").count() == 0
        assert events.filter(data__move="dismiss").count() == 1


# ---- the buttons: allowed_moves offers exactly what perform accepts ---------------------------------------


class _Rollback(Exception):
    pass


def _accepted(incident, move, actor, level):
    try:
        with transaction.atomic():
            lifecycle.perform(incident.pk, move=move, actor=actor, level=level, reason=REASON)
            raise _Rollback
    except _Rollback:
        return True
    except (TransitionError, PermissionDenied):
        return False


SITUATIONS = [pytest.param(s, 3, id=f"{s}-3") for s in State.values if s != "responding"] + [
    pytest.param("responding", lv, id=f"responding-{lv}") for lv in (1, 2, 3, 4)
]


@pytest.mark.parametrize(("state", "level"), SITUATIONS)
def test_allowed_moves_offers_exactly_what_perform_accepts(state, level, incident_in, people):
    incident = incident_in(state, level=level)
    set_figures(incident, hazards_controlled=True)
    if state == "aftermath":
        settle_aftermath(incident, people.office)  # else archive is refused by its gate (§7)
    mismatches = {}
    for name, user in people.items():
        offered = {
            (spec.name, lv)
            for spec, levels in lifecycle.allowed_moves(incident, user)
            for lv in levels or [None]
        }
        accepted = {
            (move, lv)
            for move in MOVES
            for lv in ([1, 2, 3, 4] if move in ("activate", "change_level") else [None])
            if _accepted(incident, move, user, lv)
        }
        if offered != accepted:
            mismatches[name] = {"offered only": offered - accepted, "accepted only": accepted - offered}
    assert mismatches == {}


# ---- 附件4 condition (4): a level without a firm recommendation needs a written reason ------------


def _firm_level_3(make_incident, people):
    """40 % of the built-up area without heat for 25 hours: 附件4 Ⅲ(1), firm."""
    from datetime import timedelta

    from django.utils import timezone

    from orgchart.models import ServiceArea

    now = timezone.now()
    total = ServiceArea.objects.get(is_default=True).heated_area_m2
    incident = make_incident(
        occurred_at=now - timedelta(hours=25),
        reported_at=now - timedelta(hours=25),
        outage_started_at=now - timedelta(hours=25),
        affected_area_m2=total * 2 / 5,
    )
    incident.start_assessment(people.office)
    return incident


def test_the_firm_recommendation_needs_no_reason(make_incident, people):
    incident = _firm_level_3(make_incident, people)
    assert incident.recommendation().firm and incident.recommendation().level == 3
    incident.activate(people.director, level=3)
    event = incident.timeline.latest("id")
    assert event.clause == "§5.3.2、附件4 Ⅲ(1)" and event.reason == ""


def test_a_level_below_the_firm_recommendation_is_a_deviation_with_a_reason(make_incident, people):
    from orgchart.permissions import DEVIATION_CLAUSE

    incident = _firm_level_3(make_incident, people)
    with pytest.raises(TransitionError, match="偏离"):
        incident.activate(people.director, level=4)
    incident.refresh_from_db()
    assert incident.state == "assessing"
    incident.activate(people.director, level=4, reason="影响范围已在缩小，按Ⅳ级处置")
    event = incident.timeline.latest("id")
    assert event.clause == f"§5.3.1、{DEVIATION_CLAUSE}"
    assert event.data["deviation"]["recommended"] == 3 and event.data["deviation"]["chosen"] == 4
    assert "偏离附件4确定建议Ⅲ级" in event.summary


def test_the_upper_row_alternative_needs_no_reason(make_incident, people):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    incident = make_incident(
        occurred_at=now - timedelta(hours=25),
        reported_at=now - timedelta(hours=25),
        outage_started_at=now - timedelta(hours=25),
        deaths=1,
    )  # 一般事故 → Ⅳ, alternative Ⅲ
    incident.start_assessment(people.office)
    rec = incident.recommendation()
    assert rec.level == 4 and [a.level for a in rec.alternatives] == [3]
    incident.activate(people.director, level=3)
    assert incident.level == 3


def test_follow_up_refused_on_a_dismissed_incident(make_incident, people):
    from django.core.exceptions import ValidationError

    from incidents.services import follow_up_add

    incident = make_incident()
    incident.dismiss(people.office, reason="误报")
    with pytest.raises(ValidationError, match="不能再续报"):
        follow_up_add(actor=people.office, incident_id=incident.pk, note="补充", data={"deaths": 1})


def test_the_timeline_is_recorded_in_chinese_whatever_the_ui_language(make_incident, people):
    from django.utils import translation

    incident = make_incident()
    with translation.override("en"):
        incident.start_assessment(people.office)
        incident.dismiss(people.office, reason="误报")
    assert list(incident.timeline.order_by("id").values_list("summary", flat=True))[-2:] == [
        "启动研判",
        "撤销（误报或重复）",
    ]
