"""The archive (issue 9, §7): the gate for each path (no accident, an accident, a task carried over from
the response, ended without a response or dismissed, figures still 待核定); read-only after the archive in
the model methods, in the services and over HTTP; the office director reopens with a reason."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from aftermath import services
from aftermath.models import Measure, Record, RecordLocked, Revision
from command.assignments import services as tasking
from command.assignments.ending import response_end
from command.common import CommandError
from command.models import Assignment, Instruction, OnsiteHQ, TaskNote
from command.response.services import instruction_add
from incidents import lifecycle
from incidents import services as incident_services
from incidents.archive import ArchivedError, allow_archive_write
from incidents.lifecycle import TransitionError
from incidents.models import FirstMeasure, FollowUpReport, Incident, TimelineEvent, UpwardReport
from orgchart.models import Unit
from tests.support.aftermath import GRADE_FIGURES, close_items, full_raw, submit_record, tomorrow
from tests.support.incidents import follow_up_data

pytestmark = pytest.mark.django_db

LIAISON = "demo-gov-yanhu-liaison"


def snapshot(incident):
    """Everything a refused write must leave alone."""
    row = Incident.objects.get(pk=incident.pk)
    return (
        row.state,
        row.level,
        row.title,
        row.updated_at,
        row.linked_event_id,
        TimelineEvent.objects.filter(incident=row).count(),
        FollowUpReport.objects.filter(incident=row).count(),
        UpwardReport.objects.filter(incident=row).count(),
        FirstMeasure.objects.filter(incident=row).count(),
        Instruction.objects.filter(incident=row).count(),
        sorted(Assignment.objects.filter(incident=row).values_list("id", "state", "updated_at")),
        TaskNote.objects.filter(task__incident=row).count(),
        sorted(
            Revision.objects.filter(record__incident=row).values_list("id", "status", "content", "saved_at")
        ),
        sorted(Measure.objects.filter(incident=row).values_list("id", "state", "text", "done_note")),
    )


def archive(incident, user):
    return lifecycle.perform(incident.pk, move="archive", actor=user)


def refused(incident, user, *expected, absent=()):
    before = snapshot(incident)
    with pytest.raises(TransitionError) as exc:
        archive(incident, user)
    message = str(exc.value)
    assert message.startswith("不能归档（§7）")
    for text in expected:
        assert text in message, message
    for text in absent:
        assert text not in message, message
    assert snapshot(incident) == before
    return message


def archived_ok(incident, user):
    archive(incident, user)
    incident.refresh_from_db()
    assert incident.state == "archived"
    event = TimelineEvent.objects.filter(incident=incident, data__move="archive").get()
    assert (event.from_state, event.to_state, event.actor) == ("aftermath", "archived", user)
    return incident


# ---- the gate ---------------------------------------------------------------------------------------


def test_no_accident_open_items_then_the_summary_then_archived(in_aftermath, fresh):
    incident = in_aftermath()
    office = fresh("office")
    assert services.archive_blockers(incident) == lifecycle.archive_blockers(incident)
    refused(incident, office, "仍有 6 项", "办公室总结尚未提交", absent=("调查评估", "待核定"))

    items = list(Assignment.objects.filter(incident=incident, phase="aftermath").order_by("id"))
    tasking.task_move(task_id=items[0].pk, user=fresh(LIAISON), move="sign")
    tasking.task_move(task_id=items[0].pk, user=fresh(LIAISON), move="done")
    for task in items[1:5]:
        services.item_not_applicable(task_id=task.pk, user=office, reason="本事件不涉及")
    refused(incident, office, "仍有 1 项")

    services.item_not_applicable(task_id=items[5].pk, user=office, reason="本事件不涉及")
    refused(incident, office, "办公室总结尚未提交", absent=("仍有",))

    # A draft is not enough.
    services.save_draft(incident_id=incident.pk, kind="summary", user=office, raw=full_raw("summary"))
    refused(incident, office, "办公室总结尚未提交")

    services.submit(incident_id=incident.pk, kind="summary", user=office)
    assert lifecycle.archive_blockers(incident) == []
    archived_ok(incident, office)
    assert incident.level == 3  # kept, for the record


@pytest.mark.parametrize(
    ("grade", "label"), [("general", "一般事故"), ("larger", "较大事故"), ("major", "重大事故")]
)
def test_an_accident_needs_the_investigation_record_too(grade, label, in_aftermath, fresh):
    incident = in_aftermath(grade)
    office = fresh("office")
    close_items(incident, office)
    submit_record(incident, "summary", office)
    refused(incident, office, f"有事故等级（{label}），调查评估报告尚未提交（§7.2）", absent=("办公室总结",))

    services.save_draft(
        incident_id=incident.pk, kind="investigation", user=office, raw=full_raw("investigation")
    )
    refused(incident, office, "调查评估报告尚未提交")

    services.submit(incident_id=incident.pk, kind="investigation", user=office)
    archived_ok(incident, office)


def test_an_accident_lists_every_missing_part(in_aftermath, fresh):
    incident = in_aftermath("general")
    message = refused(incident, fresh("office"), "仍有 6 项", "调查评估报告尚未提交", "办公室总结尚未提交")
    assert message.count("；") == 2


def test_a_task_carried_over_from_the_response_blocks_until_done(incident_in, fresh):
    incident = incident_in("responding", level=3)
    police = Unit.objects.get(code="public_security")
    carried = tasking.task_issue(
        incident_id=incident.pk, user=fresh("office"), title="维持现场秩序", text="", unit_id=police.pk
    )
    Incident.objects.filter(pk=incident.pk).update(hazards_controlled=True)
    response_end(incident_id=incident.pk, user=fresh("director"), decisions={carried.pk: "carry"})
    incident.refresh_from_db()
    office = fresh("office")
    for task in Assignment.objects.filter(incident=incident, phase="aftermath"):
        services.item_not_applicable(task_id=task.pk, user=office, reason="本事件不涉及")
    submit_record(incident, "summary", office)
    refused(incident, office, "仍有 1 项", absent=("办公室总结",))

    tasking.task_move(task_id=carried.pk, user=fresh("police"), move="sign")
    tasking.task_move(task_id=carried.pk, user=fresh("police"), move="done")
    archived_ok(incident, office)


def test_a_returned_task_blocks_too(in_aftermath, fresh):
    incident = in_aftermath()
    office = fresh("office")
    items = list(Assignment.objects.filter(incident=incident, phase="aftermath").order_by("id"))
    tasking.task_move(task_id=items[0].pk, user=fresh(LIAISON), move="return", reason="属市民政局职责")
    for task in items[1:]:
        services.item_not_applicable(task_id=task.pk, user=office, reason="本事件不涉及")
    submit_record(incident, "summary", office)
    refused(incident, office, "仍有 1 项")


@pytest.mark.parametrize("state", ["handled_without_response", "dismissed"])
@pytest.mark.parametrize("grade", [None, "general"])
def test_without_a_response_the_reason_alone_suffices(state, grade, incident_in, fresh):

    incident = incident_in(state, **GRADE_FIGURES[grade])
    assert lifecycle.archive_blockers(incident) == []
    office = fresh("office")
    archive(incident, office)
    incident.refresh_from_db()
    assert (incident.state, incident.level) == ("archived", None)
    event = TimelineEvent.objects.filter(incident=incident, data__move="archive").get()
    assert (event.from_state, event.to_state) == (state, "archived")
    assert not Record.objects.filter(incident=incident).exists()
    assert not Assignment.objects.filter(incident=incident).exists()


def test_pending_figures_block_until_verified(in_aftermath, fresh):
    incident = in_aftermath(deaths=2, deaths_pending=True)
    assert incident.grade()[0] is None and incident.grade_provisional
    office = fresh("office")
    close_items(incident, office)
    submit_record(incident, "summary", office)
    refused(incident, office, "待核定", absent=("调查评估报告尚未提交",))

    # Verified as reported: now there was an accident (一般), and the investigation is needed.
    incident_services.follow_up_add(
        actor=office, incident_id=incident.pk, note="死亡人数经核定为2人", data={"deaths_pending": False}
    )
    incident.refresh_from_db()
    refused(incident, office, "有事故等级（一般事故）", absent=("待核定",))
    submit_record(incident, "investigation", office, deaths="2")
    archived_ok(incident, office)


@pytest.mark.parametrize("field", ["serious_injuries", "direct_loss"])
def test_other_pending_figures_block_and_verified_as_zero_archive(field, in_aftermath, fresh):
    figures = {
        "serious_injuries": {"serious_injuries": 0, "serious_injuries_pending": True},
        "direct_loss": {"direct_loss_yuan": 0, "direct_loss_pending": True},
    }[field]
    incident = in_aftermath(**figures)
    office = fresh("office")
    close_items(incident, office)
    submit_record(incident, "summary", office)
    refused(incident, office, "待核定")
    pending = next(k for k in figures if k.endswith("_pending"))
    incident_services.follow_up_add(
        actor=office, incident_id=incident.pk, note="经核定无", data={pending: False}
    )
    archived_ok(incident, office)


def test_only_the_office_archives(in_aftermath, fresh):
    incident = in_aftermath()
    close_items(incident, fresh("office"))
    submit_record(incident, "summary", fresh("office"))
    before = snapshot(incident)
    for username in ("police", LIAISON, "commander"):
        with pytest.raises(PermissionDenied):
            archive(incident, fresh(username))
    assert snapshot(incident) == before
    archived_ok(incident, fresh("director"))


# ---- read-only after the archive: model methods ------------------------------------------------------


@pytest.fixture
def archived(in_aftermath, fresh):
    """archived(grade=None) → an incident archived after a response, with a first measure and an
    improvement measure recorded before the archive."""

    def make(grade=None):
        incident = in_aftermath(grade)
        office = fresh("office")
        FirstMeasure.objects.create(
            incident=incident, at=timezone.now(), by="热力公司", text="关闭阀门", recorded_by=office
        )
        services.measure_add(
            incident_id=incident.pk,
            user=office,
            text="增加夜间巡线频次",
            owner_unit_id=incident.county.government_id,
            due_on=tomorrow(),
        )
        close_items(incident, office)
        if grade:
            submit_record(incident, "investigation", office)
        submit_record(incident, "summary", office)
        archive(incident, office)
        incident.refresh_from_db()
        assert incident.state == "archived"
        return incident

    return make


def test_the_incident_itself_cannot_be_saved(archived):
    incident = archived()
    before = snapshot(incident)
    incident.title = "改写标题"
    with pytest.raises(ArchivedError, match="已归档"):
        incident.save()
    with pytest.raises(ArchivedError):
        incident.save(update_fields=["title"])
    fresh_row = Incident.objects.get(pk=incident.pk)
    fresh_row.state = "aftermath"
    with pytest.raises(ArchivedError):
        fresh_row.save(update_fields=["state"])
    assert snapshot(incident) == before


def _new_rows(incident, user):
    task = Assignment.objects.filter(incident=incident).first()
    summary = Record.objects.get(incident=incident, kind="summary")
    return {
        "timeline event": lambda: TimelineEvent.objects.create(
            incident=incident, actor=user, kind="command", summary="补记", clause="§7"
        ),
        "follow-up": lambda: FollowUpReport.objects.create(incident=incident, reporter=user, note="补充续报"),
        "upward report": lambda: UpwardReport.objects.create(
            incident=incident, recipient="general_duty_room", due_at=timezone.now(), recorded_by=user
        ),
        "first measure": lambda: FirstMeasure.objects.create(
            incident=incident, at=timezone.now(), by="热力公司", text="补记", recorded_by=user
        ),
        "task": lambda: Assignment.objects.create(
            incident=incident,
            kind="task",
            unit=incident.county.government,
            title="补充任务",
            duties="补充任务",
            clause="§7.1",
            level=3,
            phase="aftermath",
        ),
        "task note": lambda: TaskNote.objects.create(
            task=task, author=user, author_name="x", action="progress", text="补充进展"
        ),
        "record": lambda: Record.objects.create(incident=incident, kind="investigation"),
        "revision": lambda: Revision.objects.create(
            record=summary, number=9, content={}, reason="补记", saved_by=user, saved_by_name="x"
        ),
    }


@pytest.mark.parametrize(
    "what",
    [
        "timeline event",
        "follow-up",
        "upward report",
        "first measure",
        "task",
        "task note",
        "record",
        "revision",
    ],
)
def test_no_new_record_of_an_archived_incident(what, archived, fresh):
    incident = archived()
    before = snapshot(incident)
    with pytest.raises(ArchivedError):
        _new_rows(incident, fresh("office"))[what]()
    assert snapshot(incident) == before
    assert Record.objects.filter(incident=incident).count() == 1


def test_existing_records_cannot_be_changed_or_deleted(archived):
    incident = archived()
    before = snapshot(incident)
    first = FirstMeasure.objects.get(incident=incident)
    # (a savepoint: Django's delete() runs its signals inside atomic(savepoint=False), so a refusal there
    # marks the enclosing transaction — here the test's — for rollback)
    with pytest.raises(ArchivedError), transaction.atomic():
        first.delete()
    first.text = "改写"
    with pytest.raises(ArchivedError):
        first.save()
    task = Assignment.objects.filter(incident=incident).first()
    task.state = "pending"
    with pytest.raises(ArchivedError):
        task.save()
    record = Record.objects.get(incident=incident, kind="summary")
    record.team_level = "city"
    with pytest.raises(ArchivedError):
        record.save()
    with pytest.raises(RecordLocked), transaction.atomic():  # submitted: locked in any case
        Revision.objects.get(record=record).delete()
    assert snapshot(incident) == before


def test_the_onsite_hq_of_an_archived_incident_is_read_only(archived, people):
    """OnsiteHQ.incident is a one-to-one key: guarded like the foreign keys."""
    incident = archived()
    with pytest.raises(ArchivedError), transaction.atomic():
        OnsiteHQ.objects.create(incident=incident)
    with allow_archive_write():  # as if an Ⅱ response had set it up before the archive
        hq = OnsiteHQ.objects.create(incident=incident)
    hq.command_taken_at, hq.command_taken_by = timezone.now(), people.commander.person
    with pytest.raises(ArchivedError), transaction.atomic():
        hq.save()
    with pytest.raises(ArchivedError), transaction.atomic():
        hq.delete()


# ---- read-only after the archive: services -----------------------------------------------------------


def test_the_services_refuse(archived, fresh):
    incident = archived("general")
    office = fresh("office")
    before = snapshot(incident)
    for kind in ("summary", "investigation"):
        with pytest.raises(ArchivedError):
            services.save_draft(
                incident_id=incident.pk, kind=kind, user=office, raw=full_raw(kind), reason="更正"
            )
        with pytest.raises(ArchivedError):
            services.submit(incident_id=incident.pk, kind=kind, user=office)
    with pytest.raises(ArchivedError):
        services.measure_add(
            incident_id=incident.pk,
            user=office,
            text="新措施",
            owner_unit_id=incident.county.government_id,
            due_on=tomorrow(),
        )
    with pytest.raises(ValidationError, match="已归档"):
        incident_services.follow_up_add(actor=office, incident_id=incident.pk, note="补充", data={})
    with pytest.raises(PermissionDenied):  # the model guard
        instruction_add(
            incident_id=incident.pk,
            actor=office,
            source="city_leadership",
            given_by="市长",
            given_at=timezone.now() - timedelta(minutes=5),
            text="做好善后",
        )
    with pytest.raises(CommandError):
        tasking.task_issue(
            incident_id=incident.pk,
            user=office,
            title="补充任务",
            text="",
            unit_id=incident.county.government_id,
        )
    task = Assignment.objects.filter(incident=incident).first()
    with pytest.raises(CommandError):
        services.item_not_applicable(task_id=task.pk, user=office, reason="不适用")
    with pytest.raises(CommandError):
        tasking.task_progress(task_id=task.pk, user=fresh(LIAISON), text="补充进展")
    with pytest.raises(TransitionError):
        archive(incident, office)
    assert snapshot(incident) == before


def test_moving_a_task_is_refused_even_if_it_were_open(archived, fresh):
    incident = archived()
    task = Assignment.objects.filter(incident=incident).first()
    with pytest.raises(CommandError, match="不能“签收”"):  # closed, as the gate required
        tasking.task_move(task_id=task.pk, user=fresh(LIAISON), move="sign")
    # Set open behind the services' back (a queryset update is not guarded): still refused.
    Assignment.objects.filter(pk=task.pk).update(state="pending")
    before = snapshot(incident)
    with pytest.raises(CommandError, match="已归档"):
        tasking.task_move(task_id=task.pk, user=fresh(LIAISON), move="sign")
    with pytest.raises((CommandError, PermissionDenied)):
        tasking.task_progress(task_id=task.pk, user=fresh(LIAISON), text="补充进展")
    with pytest.raises((CommandError, PermissionDenied)):
        tasking.task_reassign(
            task_id=task.pk,
            user=fresh("office"),
            unit_id=Unit.objects.get(code="civil_affairs").pk,
            reason="改派",
        )
    assert snapshot(incident) == before


def test_a_measure_is_still_followed_up_after_the_archive(archived, fresh):
    incident = archived()
    measure = Measure.objects.get(incident=incident)
    events = TimelineEvent.objects.filter(incident=incident).count()
    with pytest.raises(PermissionDenied):
        services.measure_done(measure_id=measure.pk, user=fresh("police"), note="已完成")
    done = services.measure_done(measure_id=measure.pk, user=fresh("office"), note="已修订巡线制度")
    assert (done.state, done.done_note) == ("done", "已修订巡线制度") and done.done_at
    measure.refresh_from_db()
    assert (measure.state, measure.text) == ("done", "增加夜间巡线频次")
    assert Incident.objects.get(pk=incident.pk).state == "archived"
    assert TimelineEvent.objects.filter(incident=incident).count() == events


# ---- reopening -----------------------------------------------------------------------------------------


def test_the_office_director_reopens_with_a_reason_into_aftermath(archived, fresh):
    incident = archived()
    before = snapshot(incident)
    with pytest.raises(PermissionDenied):
        lifecycle.perform(incident.pk, move="reopen", actor=fresh("office"), reason="更正总结")
    with pytest.raises(TransitionError, match="理由"):
        lifecycle.perform(incident.pk, move="reopen", actor=fresh("director"), reason="  ")
    assert snapshot(incident) == before

    lifecycle.perform(incident.pk, move="reopen", actor=fresh("director"), reason="总结中伤亡数字需更正")
    incident.refresh_from_db()
    assert (incident.state, incident.level) == ("aftermath", 3)
    event = TimelineEvent.objects.filter(incident=incident, data__move="reopen").get()
    assert (event.from_state, event.to_state, event.reason) == (
        "archived",
        "aftermath",
        "总结中伤亡数字需更正",
    )
    # The §7.1 items are not issued a second time.
    assert Assignment.objects.filter(incident=incident, phase="aftermath").count() == 6

    # Writable again: a correction (revision 2), a follow-up, a new measure.
    office = fresh("office")
    v2 = services.save_draft(
        incident_id=incident.pk, kind="summary", user=office, raw=full_raw("summary"), reason="更正伤亡数字"
    )
    assert v2.number == 2
    services.submit(incident_id=incident.pk, kind="summary", user=office)
    incident_services.follow_up_add(actor=office, incident_id=incident.pk, note="补充核实情况", data={})
    services.measure_add(
        incident_id=incident.pk,
        user=office,
        text="完善伤亡统计口径",
        owner_unit_id=incident.county.government_id,
        due_on=tomorrow(),
    )
    incident.title = "更正后的标题"
    incident.save(update_fields=["title"])
    # And it archives again, its records in order.
    archived_ok_again = lifecycle.perform(incident.pk, move="archive", actor=office)
    assert archived_ok_again.state == "archived"
    assert [r.number for r in Revision.objects.filter(record__incident=incident)] == [1, 2]


def test_an_archive_without_a_response_reopens_into_assessment(incident_in, fresh):
    incident = incident_in("handled_without_response")
    archive(incident, fresh("office"))
    lifecycle.perform(incident.pk, move="reopen", actor=fresh("director"), reason="再次停热")
    incident.refresh_from_db()
    assert (incident.state, incident.level) == ("assessing", None)
    incident_services.follow_up_add(actor=fresh("office"), incident_id=incident.pk, note="再次停热", data={})


# ---- read-only after the archive: over HTTP ----------------------------------------------------------

# follow_up_data: the follow-up form's fields, from the incident tests (one definition).


def messages_of(resp):
    return [str(m) for m in resp.context["messages"]] if resp.context and "messages" in resp.context else []


def _posts(incident, task):
    """(username, url, data) of every write a page offers, aimed at the archived incident."""
    pk, gov = incident.pk, incident.county.government_id
    summary = full_raw("summary")
    return {
        "follow-up": (
            "office",
            f"/incidents/{pk}/follow-up/",
            follow_up_data(incident, note="补充续报", deaths="3"),
        ),
        "upward report": (
            "office",
            f"/incidents/{pk}/reports/",
            {"sender": "city", "recipient": "general_duty_room", "channel": "电话"},
        ),
        "link": ("office", f"/incidents/{pk}/link/", {"event_name": "2025年寒潮"}),
        "move archive": ("office", f"/incidents/{pk}/move/archive/", {"expected_state": "archived"}),
        "task sign": (LIAISON, f"/command/tasks/{task.pk}/move/sign/", {"expected_state": "pending"}),
        "task done": (LIAISON, f"/command/tasks/{task.pk}/move/done/", {}),
        "task progress": (LIAISON, f"/command/tasks/{task.pk}/progress/", {"text": "补充进展"}),
        "task reassign": ("office", f"/command/tasks/{task.pk}/reassign/", {"unit": gov, "reason": "改派"}),
        "task issue": ("office", f"/command/incidents/{pk}/tasks/new/", {"title": "补充任务", "unit": gov}),
        "instruction": (
            "office",
            f"/command/incidents/{pk}/instructions/",
            {
                "source": "city_leadership",
                "given_by": "市长",
                "given_at": f"{timezone.localtime() - timedelta(minutes=5):%Y-%m-%dT%H:%M}",
                "text": "做好善后",
            },
        ),
        "record save": (
            "office",
            f"/aftermath/incidents/{pk}/records/summary/",
            {**summary, "reason": "更正", "action": "save"},
        ),
        "record submit": (
            "office",
            f"/aftermath/incidents/{pk}/records/summary/",
            {**summary, "reason": "更正", "action": "submit"},
        ),
        "measure add": (
            "office",
            f"/aftermath/incidents/{pk}/measures/",
            {"text": "新措施", "owner_unit": gov, "due_on": tomorrow().isoformat()},
        ),
        "aftermath archive": ("office", f"/aftermath/incidents/{pk}/archive/", {}),
        "item not applicable": (
            "office",
            f"/aftermath/items/{task.pk}/not-applicable/",
            {"reason": "不适用"},
        ),
    }


# what: the refusal the person reads (a message, or the form's error on the page)
ARCHIVED = "事件已归档"
POSTS = {
    "follow-up": "不能再续报",
    "upward report": ARCHIVED,
    "link": ARCHIVED,
    "move archive": "事件当前为“已归档”，不能“归档”",
    "task sign": "事件已归档，任务不能再修改",
    "task done": "事件已归档，任务不能再修改",
    "task progress": ARCHIVED,
    "task reassign": ARCHIVED,
    "task issue": "只有响应中或后期处置中的事件才能下达任务",
    "instruction": ARCHIVED,
    "record save": ARCHIVED,
    "record submit": ARCHIVED,
    "measure add": ARCHIVED,
    "aftermath archive": "事件状态已变为“已归档”",
    "item not applicable": "事件已归档，任务不能再修改",
}


@pytest.mark.parametrize("what", list(POSTS))
def test_posts_for_an_archived_incident_are_refused(what, archived, client, fresh):
    incident = archived()
    task = Assignment.objects.filter(incident=incident, phase="aftermath").first()
    # Even a task left open (set behind the services' back) is not moved.
    Assignment.objects.filter(pk=task.pk).update(state="signed" if what == "task done" else "pending")
    username, url, data = _posts(incident, task)[what]
    before = snapshot(incident)
    client.force_login(fresh(username))
    resp = client.post(url, data, follow=True)
    assert snapshot(incident) == before
    assert resp.status_code in (200, 422), resp.status_code
    shown = messages_of(resp)
    assert any(POSTS[what] in m for m in shown) or POSTS[what] in resp.content.decode(), (what, shown)
    assert len(shown) <= 1


def page_forms(html):
    """The forms' actions on the page, leaving out the layout's (language, logout)."""
    return [
        a for a in re.findall(r'<form[^>]*action="([^"]*)"', html) if a not in ("/i18n/setlang/", "/logout/")
    ]


def test_the_aftermath_page_of_an_archived_incident_has_no_forms(archived, client, fresh):
    incident = archived("general")
    client.force_login(fresh("office"))
    resp = client.get(f"/aftermath/incidents/{incident.pk}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="archived-note"' in html
    # What was recorded is shown.
    assert "测试：事件发生情况" in html and "测试：事故原因" in html
    actions = page_forms(html)
    # Only the measure still open may be marked done (it is followed up after the archive).
    measure = Measure.objects.get(incident=incident)
    assert actions and set(actions) <= {f"/aftermath/measures/{measure.pk}/done/"}, actions
    for name in ("records/summary", "records/investigation", '/measures/"', "/archive/", "not-applicable"):
        assert name not in "".join(actions)

    # The office director sees the reopen form, and nothing else to write.
    client.force_login(fresh("director"))
    html = client.get(f"/aftermath/incidents/{incident.pk}/").content.decode()
    actions = set(page_forms(html))
    assert f"/incidents/{incident.pk}/move/reopen/" in actions
    assert (
        actions - {f"/incidents/{incident.pk}/move/reopen/", f"/aftermath/measures/{measure.pk}/done/"}
        == set()
    )


def test_the_admin_does_not_change_an_archived_incident(archived, client, django_user_model):
    incident = archived()
    before = snapshot(incident)
    admin = django_user_model.objects.create_superuser("admin-test", "admin@example.com", "x")
    client.force_login(admin)
    resp = client.post(f"/admin/incidents/incident/{incident.pk}/change/", {"title": "改写"})
    assert resp.status_code == 403
    resp = client.post(f"/admin/incidents/incident/{incident.pk}/delete/", {"post": "yes"})
    assert resp.status_code == 403
    revision = Revision.objects.filter(record__incident=incident).first()
    resp = client.post(f"/admin/aftermath/revision/{revision.pk}/change/", {"status": "draft"})
    assert resp.status_code == 403
    assert snapshot(incident) == before


def test_measure_done_over_http_after_the_archive(archived, client, fresh):
    incident = archived()
    measure = Measure.objects.get(incident=incident)
    client.force_login(fresh("office"))
    resp = client.post(f"/aftermath/measures/{measure.pk}/done/", {"note": "已修订巡线制度"}, follow=True)
    assert any("完成" in m for m in messages_of(resp))
    measure.refresh_from_db()
    assert (measure.state, measure.done_note) == ("done", "已修订巡线制度")
