"""The §7.2 records (issue 9): drafts saved as you go, completeness on submit, a submitted revision
locked, a correction as a new revision with who, when and why (the earlier one still readable), two
people editing or submitting at once, the investigation only where there was an accident and its team
by the grade, who may write, and bad input refused with a field error and nothing saved."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection

from aftermath import plan, services
from aftermath.models import Record, RecordLocked, Revision
from command.common import CommandError
from incidents.models import TimelineEvent
from tests.support.aftermath import full_raw

pytestmark = pytest.mark.django_db


def state_of(incident):
    """What a refused write must leave alone: every revision of every record, and the timeline."""
    revisions = list(
        Revision.objects.filter(record__incident=incident)
        .order_by("record__kind", "number")
        .values_list(
            "record__kind", "number", "status", "content", "reason", "saved_at", "saved_by_id", "submitted_at"
        )
    )
    return (
        Record.objects.filter(incident=incident).count(),
        revisions,
        TimelineEvent.objects.filter(incident=incident).count(),
    )


def save(incident, user, kind="summary", raw=None, **kw):
    return services.save_draft(incident_id=incident.pk, kind=kind, user=user, raw=raw or {}, **kw)


def submit(incident, user, kind="summary", **kw):
    return services.submit(incident_id=incident.pk, kind=kind, user=user, **kw)


# ---- drafts ----------------------------------------------------------------------------------------


def test_a_draft_is_saved_and_saved_again_as_the_same_revision(in_aftermath, fresh):
    incident = in_aftermath()
    events = TimelineEvent.objects.filter(incident=incident).count()
    first = save(incident, fresh("office"), raw={"occurrence": "  管线破裂  ", "handling": ""})
    assert (first.number, first.status, first.reason) == (1, "draft", "")
    assert first.content == {"occurrence": "管线破裂"}  # trimmed; empty fields are left out
    assert first.saved_by_name and first.submitted_at is None

    second = save(incident, fresh("director"), raw={"occurrence": "管线破裂", "handling": "抢修"})
    assert second.pk == first.pk
    row = Revision.objects.get(pk=first.pk)
    assert row.content == {"occurrence": "管线破裂", "handling": "抢修"}
    assert row.saved_by == get_user_model().objects.get(username="director")
    assert row.saved_at > first.saved_at and row.status == "draft"
    assert Revision.objects.filter(record__incident=incident).count() == 1
    record = Record.objects.get(incident=incident)
    assert (record.kind, record.team_level) == ("summary", "")
    # Drafts do not fill the timeline.
    assert TimelineEvent.objects.filter(incident=incident).count() == events


def test_submit_needs_every_required_field_and_changes_nothing_otherwise(in_aftermath, fresh):
    incident = in_aftermath()
    save(incident, fresh("office"), raw={"occurrence": "管线破裂", "handling": "抢修"})
    before = state_of(incident)
    with pytest.raises(CommandError) as exc:
        submit(incident, fresh("office"))
    message = str(exc.value)
    assert "不能提交" in message
    for f in plan.SUMMARY_FIELDS:
        assert (str(f.label) in message) == (f.name in ("lessons", "improvements")), f.name
    assert state_of(incident) == before

    with pytest.raises(CommandError, match="没有待提交的草稿"):  # nothing saved yet for the other kind
        submit(in_aftermath(), fresh("office"))


def test_a_submitted_revision_is_locked(in_aftermath, fresh):
    incident = in_aftermath()
    save(incident, fresh("office"), raw=full_raw("summary"))
    revision = submit(incident, fresh("director"))
    row = Revision.objects.get(pk=revision.pk)
    assert (row.status, row.number) == ("submitted", 1)
    assert row.submitted_at and row.submitted_by_name == fresh("director").person.name
    event = TimelineEvent.objects.filter(incident=incident, data__revision=row.pk).get()
    assert event.summary == "提交办公室总结" and event.clause == "§7.2"
    before = state_of(incident)

    row.content = {"occurrence": "改写"}
    with pytest.raises(RecordLocked):
        row.save()
    row.status = "draft"
    with pytest.raises(RecordLocked):
        row.save(update_fields=["status"])
    with pytest.raises(RecordLocked):
        Revision.objects.get(pk=revision.pk).delete()
    with pytest.raises(CommandError, match="没有待提交的草稿"):
        submit(incident, fresh("office"))
    assert state_of(incident) == before
    assert Revision.objects.get(pk=revision.pk).content == full_raw("summary")


def test_a_draft_may_still_be_deleted(in_aftermath, fresh):
    incident = in_aftermath()
    draft = save(incident, fresh("office"), raw={"occurrence": "管线破裂"})
    draft.delete()
    assert not Revision.objects.filter(pk=draft.pk).exists()


# ---- corrections -----------------------------------------------------------------------------------


def test_a_correction_is_a_new_revision_with_a_reason(in_aftermath, fresh):
    incident = in_aftermath()
    save(incident, fresh("office"), raw=full_raw("summary"))
    v1 = submit(incident, fresh("office"))
    v1_row = Revision.objects.filter(pk=v1.pk).values().get()
    corrected = full_raw("summary", lessons="更正：补充夜间巡线不足的教训")

    before = state_of(incident)
    for reason in ("", "   "):
        with pytest.raises(CommandError) as exc:
            save(incident, fresh("office"), raw=corrected, reason=reason)
        assert "reason" in exc.value.args[0] and "理由" in str(exc.value.args[0]["reason"])
    assert state_of(incident) == before

    v2 = save(incident, fresh("director"), raw=corrected, reason="补充经验教训")
    assert (v2.number, v2.status, v2.reason) == (2, "draft", "补充经验教训")
    assert v2.saved_by_name == fresh("director").person.name and v2.saved_at
    started = TimelineEvent.objects.filter(incident=incident, data__revision=v2.pk).get()
    assert "第2版" in started.summary and started.reason == "补充经验教训"

    # Re-saving the correction draft keeps its number (and still says why).
    again = save(incident, fresh("office"), raw=corrected, reason="补充经验教训（修订）")
    assert again.pk == v2.pk and Revision.objects.get(pk=v2.pk).reason == "补充经验教训（修订）"

    v2 = submit(incident, fresh("office"))
    assert (v2.number, v2.status) == (2, "submitted")
    submitted = TimelineEvent.objects.filter(incident=incident, data__number=2).get()
    assert "更正" in submitted.summary and "第2版" in submitted.summary
    assert submitted.reason == "补充经验教训（修订）"

    # The earlier revision is still there and unchanged.
    assert Revision.objects.filter(pk=v1.pk).values().get() == v1_row
    revisions = Revision.objects.filter(record__incident=incident).order_by("number")
    assert [(r.number, r.status, r.content["lessons"]) for r in revisions] == [
        (1, "submitted", full_raw("summary")["lessons"]),
        (2, "submitted", "更正：补充夜间巡线不足的教训"),
    ]


def test_a_correction_draft_is_not_submitted_without_its_fields(in_aftermath, fresh):
    incident = in_aftermath()
    save(incident, fresh("office"), raw=full_raw("summary"))
    submit(incident, fresh("office"))
    save(incident, fresh("office"), raw={"occurrence": "只改了一项"}, reason="更正发生情况")
    before = state_of(incident)
    with pytest.raises(CommandError, match="尚未填写"):
        submit(incident, fresh("office"))
    assert state_of(incident) == before


# ---- two people at once -----------------------------------------------------------------------------


def test_a_stale_draft_is_not_saved_over_another_persons_save(in_aftermath, fresh):
    incident = in_aftermath()
    # Both open the empty form ("new"); the director saves first.
    save(incident, fresh("director"), raw={"occurrence": "主任写的"}, token="new")
    before = state_of(incident)
    with pytest.raises(CommandError, match="刚被他人保存"):
        save(incident, fresh("office"), raw={"occurrence": "工作人员写的"}, token="new")
    assert state_of(incident) == before

    # Both open the draft; the office saves; the director's page is stale now.
    draft = Revision.objects.get(record__incident=incident)
    seen = services.token_of(draft)
    save(incident, fresh("office"), raw={"occurrence": "工作人员改的"}, token=seen)
    before = state_of(incident)
    with pytest.raises(CommandError, match="刚被他人保存"):
        save(incident, fresh("director"), raw={"occurrence": "主任改的"}, token=seen)
    with pytest.raises(CommandError, match="刚被他人修改"):
        submit(incident, fresh("director"), token=seen)
    assert state_of(incident) == before
    assert Revision.objects.get(record__incident=incident).content == {"occurrence": "工作人员改的"}

    # With the current token, it goes through.
    current = services.token_of(Revision.objects.get(record__incident=incident))
    save(incident, fresh("director"), raw=full_raw("summary"), token=current)
    current = services.token_of(Revision.objects.get(record__incident=incident))
    assert submit(incident, fresh("director"), token=current).status == "submitted"


def test_a_stale_token_does_not_start_a_second_correction(in_aftermath, fresh):
    incident = in_aftermath()
    save(incident, fresh("office"), raw=full_raw("summary"))
    v1 = submit(incident, fresh("office"))
    seen = services.token_of(Revision.objects.get(pk=v1.pk))
    save(incident, fresh("office"), raw=full_raw("summary"), reason="更正一", token=seen)
    before = state_of(incident)
    with pytest.raises(CommandError, match="刚被他人保存"):
        save(
            incident,
            fresh("director"),
            raw=full_raw("summary", lessons="另一处更正"),
            reason="更正二",
            token=seen,
        )
    assert state_of(incident) == before


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


def _race(*fns):
    results, barrier = {}, threading.Barrier(len(fns))
    threads = [_in_thread(i, results, barrier, fn) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return [results[i] for i in range(len(fns))]


@pytest.mark.django_db(transaction=True)
def test_two_people_submitting_at_once_one_wins(in_aftermath, people):
    incident = in_aftermath()
    save(incident, people.office, raw=full_raw("summary"))
    pk = incident.pk
    User = get_user_model()

    def go(username):
        return lambda: services.submit(
            incident_id=pk, kind="summary", user=User.objects.get(username=username)
        )

    results = _race(go("office"), go("director"))
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    error = next(r[1] for r in results if r[0] == "error")
    assert isinstance(error, CommandError) and "没有待提交的草稿" in str(error)
    revision = Revision.objects.get(record__incident_id=pk)
    assert revision.status == "submitted" and revision.number == 1
    assert TimelineEvent.objects.filter(incident_id=pk, data__revision=revision.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_saving_the_first_draft_at_once_one_wins(in_aftermath, people):
    incident = in_aftermath()
    pk = incident.pk
    User = get_user_model()

    def go(username, text):
        return lambda: services.save_draft(
            incident_id=pk,
            kind="summary",
            user=User.objects.get(username=username),
            raw={"occurrence": text},
            token="new",
        )

    results = _race(go("office", "甲"), go("director", "乙"))
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    winner = next(r[1] for r in results if r[0] == "ok")
    error = next(r[1] for r in results if r[0] == "error")
    assert isinstance(error, CommandError) and "刚被他人保存" in str(error)
    assert Record.objects.filter(incident_id=pk).count() == 1
    row = Revision.objects.get(record__incident_id=pk)
    assert row.pk == winner.pk and row.content == winner.content


# ---- the investigation: only with an accident, its team by the grade ---------------------------------


def test_no_investigation_without_an_accident_grade(in_aftermath, fresh):
    incident = in_aftermath()
    assert services.needs_investigation(incident) is False
    before = state_of(incident)
    with pytest.raises(CommandError, match="没有事故等级"):
        save(incident, fresh("office"), kind="investigation", raw=full_raw("investigation"))
    with pytest.raises(CommandError, match="没有事故等级"):
        submit(incident, fresh("office"), kind="investigation")
    with pytest.raises(CommandError, match="没有这种记录"):
        save(incident, fresh("office"), kind="report", raw={})
    assert state_of(incident) == before
    assert not Record.objects.filter(incident=incident).exists()


@pytest.mark.parametrize(
    ("grade", "team"),
    [("general", "county"), ("larger", "city"), ("major", "province"), ("extraordinary", "province")],
)
def test_the_investigating_team_follows_the_grade(grade, team, in_aftermath, fresh):
    incident = in_aftermath(grade)
    assert incident.grade()[0] == grade
    assert services.team_level(incident) == team
    save(incident, fresh("office"), kind="investigation", raw={"outside_ref": "晋安调〔2025〕1号"})
    record = Record.objects.get(incident=incident, kind="investigation")
    assert record.team_level == team
    assert plan.TEAM_LABELS[team]


@pytest.mark.parametrize("grade", ["general", "larger"])
def test_a_city_or_county_investigation_needs_the_full_record(grade, in_aftermath, fresh):
    incident = in_aftermath(grade)
    save(
        incident,
        fresh("office"),
        kind="investigation",
        raw={"outside_ref": "运调〔2025〕1号", "conclusions": "责任事故"},
    )
    before = state_of(incident)
    with pytest.raises(CommandError) as exc:
        submit(incident, fresh("office"), kind="investigation")
    message = str(exc.value)
    for f in plan.INVESTIGATION_FIELDS:
        assert (str(f.label) in message) == f.required, f.name
    assert state_of(incident) == before

    save(incident, fresh("office"), kind="investigation", raw=full_raw("investigation", deaths="1"))
    revision = submit(incident, fresh("office"), kind="investigation")
    assert revision.status == "submitted" and revision.content["deaths"] == 1
    assert revision.content["direct_loss_yuan"] == "0.00"
    assert TimelineEvent.objects.filter(incident=incident, summary="提交调查评估报告").count() == 1


@pytest.mark.parametrize("grade", ["major", "extraordinary"])
def test_above_the_city_only_the_outside_reference_and_conclusions(grade, in_aftermath, fresh):
    incident = in_aftermath(grade)
    save(
        incident, fresh("office"), kind="investigation", raw={"conclusions": "省调查组认定为生产安全责任事故"}
    )
    before = state_of(incident)
    with pytest.raises(CommandError) as exc:
        submit(incident, fresh("office"), kind="investigation")
    message = str(exc.value)
    # Only the reference is missing: the rest is not asked of an outside investigation.
    assert message.rsplit("：", 1)[1] == "上级调查报告文号。"
    assert state_of(incident) == before

    save(
        incident,
        fresh("office"),
        kind="investigation",
        raw={"outside_ref": "晋政调〔2025〕3号", "conclusions": "省调查组认定为生产安全责任事故"},
    )
    revision = submit(incident, fresh("office"), kind="investigation")
    assert revision.status == "submitted"
    assert revision.content == {
        "outside_ref": "晋政调〔2025〕3号",
        "conclusions": "省调查组认定为生产安全责任事故",
    }


# ---- who may write ------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["police", "demo-gov-yanhu-liaison", "commander"])
def test_only_the_office_writes_the_records(username, in_aftermath, fresh):
    incident = in_aftermath("general")
    save(incident, fresh("office"), raw={"occurrence": "办公室写的"})
    before = state_of(incident)
    for kind in ("summary", "investigation"):
        with pytest.raises(PermissionDenied):
            save(incident, fresh(username), kind=kind, raw=full_raw(kind))
        with pytest.raises(PermissionDenied):
            submit(incident, fresh(username), kind=kind)
    assert state_of(incident) == before


def test_the_office_director_writes_too(in_aftermath, fresh):
    incident = in_aftermath()
    save(incident, fresh("director"), raw=full_raw("summary"))
    assert submit(incident, fresh("director")).status == "submitted"


@pytest.mark.parametrize("state", ["responding", "response_ended"])
def test_records_are_written_in_aftermath_only(state, incident_in, fresh):
    incident = incident_in(state)
    with pytest.raises(CommandError, match="后期处置"):
        save(incident, fresh("office"), raw=full_raw("summary"))
    assert not Record.objects.filter(incident=incident).exists()


# ---- bad input -------------------------------------------------------------------------------------------


BAD = [
    ("deaths", "-1"),
    ("deaths", "1.5"),
    ("deaths", "三"),
    ("injuries", "1e3"),
    ("direct_loss_yuan", "abc"),
    ("direct_loss_yuan", "-5"),
    ("direct_loss_yuan", "NaN"),
    ("direct_loss_yuan", "Infinity"),
    ("direct_loss_yuan", "1e20"),
    ("category", "类" * (services.MAX_LINE + 1)),
    ("outside_ref", "号" * (services.MAX_LINE + 1)),
    ("course", "经" * (services.MAX_TEXT + 1)),
]


@pytest.mark.parametrize(("field", "value"), BAD, ids=[f"{f}-{v[:8]}" for f, v in BAD])
def test_bad_input_is_a_field_error_and_nothing_is_saved(field, value, in_aftermath, fresh):
    incident = in_aftermath("general")
    label = str(next(f.label for f in plan.INVESTIGATION_FIELDS if f.name == field))
    before = state_of(incident)
    with pytest.raises(CommandError) as exc:
        save(incident, fresh("office"), kind="investigation", raw=full_raw("investigation", **{field: value}))
    errors = exc.value.args[0]
    assert isinstance(errors, dict) and list(errors) == [field]
    assert label in str(errors[field])
    assert state_of(incident) == before
    assert not Record.objects.filter(incident=incident).exists()


def test_bad_input_leaves_an_existing_draft_alone(in_aftermath, fresh):
    incident = in_aftermath("general")
    save(incident, fresh("office"), kind="investigation", raw={"deaths": "1", "cause": "管线老化"})
    before = state_of(incident)
    with pytest.raises(CommandError):
        save(incident, fresh("office"), kind="investigation", raw={"deaths": "-1", "cause": "改写"})
    assert state_of(incident) == before


def test_numbers_are_stored_typed(in_aftermath, fresh):
    incident = in_aftermath("general")
    revision = save(
        incident,
        fresh("office"),
        kind="investigation",
        raw={"deaths": " 2 ", "injuries": "0", "direct_loss_yuan": "1,234,567.5"},
    )
    assert Revision.objects.get(pk=revision.pk).content == {
        "deaths": 2,
        "injuries": 0,
        "direct_loss_yuan": "1234567.50",
    }


def test_a_superscript_digit_is_a_field_error_not_a_crash(in_aftermath, fresh):
    incident = in_aftermath("general")
    with pytest.raises(CommandError) as exc:
        save(incident, fresh("office"), kind="investigation", raw={"deaths": "²"})
    assert list(exc.value.args[0]) == ["deaths"]
    assert not Record.objects.filter(incident=incident).exists()
