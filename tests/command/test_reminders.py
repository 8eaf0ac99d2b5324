"""Reminders (issue 7) with a controlled clock: every kind's timing, escalation and cancellation, the
per-person digest, idempotence, drills, the timeline, and the external channels against a local HTTP
server (accepting, failing, timing out, and a send of unknown outcome)."""

import json
import threading
from datetime import UTC, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from command.approvals.services import level_request_act, level_request_submit
from command.assignments import services as tasking
from command.models import Assignment, CallDown, Delivery, Notification, Reminder, ReminderPolicy
from command.reminders import delivery, planner, schedule
from command.reminders.delivery import deliver, send_delivery
from command.reminders.planner import plan_reminders
from command.response.calldowns import calldown_confirm
from incidents.models import Incident, TimelineEvent
from incidents.services import follow_up_add

M = timedelta(minutes=1)


def notes(username, **kw):
    return Notification.objects.filter(recipient__username=username, kind="reminder", **kw)


def run(at):
    """One sweep at a chosen time (no ETA tasks: the clock is ours)."""
    plan_reminders(at)
    return deliver(at)


def reported_now(make_incident, **kw):
    now = timezone.now()
    return make_incident(reported_at=now, occurred_at=now - M, **kw)


def rows(kind, **kw):
    return Reminder.objects.filter(kind=kind, **kw)


@pytest.fixture
def at_two(incident_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return incident_in("responding", level=2)


def test_a_report_not_assessed(make_incident, fresh):
    incident = reported_now(make_incident)
    t0 = incident.reported_at
    assert run(t0 + 29 * M) == 0
    assert rows("report_unassessed", state="scheduled").count() == 2
    assert run(t0 + 31 * M) == 1
    assert notes("director").count() == 1 and "尚未研判" in notes("director").get().title
    from orgchart.selectors import on_duty

    officer = on_duty(t0 + 31 * M).duty_officer.user
    assert Notification.objects.filter(recipient=officer, kind="reminder").exists()
    assert not notes("commander").exists()  # the commander comes at 60 min
    incident.start_assessment(fresh("office"))
    assert run(t0 + 61 * M) == 0
    assert rows("report_unassessed", step="second").get().state == "cancelled"
    assert not notes("commander").exists()


def test_escalation_to_the_duty_leader_and_commander_at_60(make_incident):
    incident = reported_now(make_incident)
    run(incident.reported_at + 61 * M)
    assert notes("commander").count() == 1


def test_the_24_hour_criterion(make_incident, fresh):
    now = timezone.now()
    incident = make_incident(outage_started_at=now - 19 * timedelta(hours=1), affected_area_m2=20_000_000)
    incident.start_assessment(fresh("office"))
    start = incident.outage_started_at
    assert run(start + timedelta(hours=20) - M) == 0
    run(start + timedelta(hours=20) + M)
    assert "将满24小时" in notes("commander").get().title
    run(start + timedelta(hours=24) + M)
    firm = notes("director").order_by("-id").first()
    assert "已满24小时" in firm.title and firm.url.endswith("#level")  # a link to propose the level
    # restored: nothing more
    incident2 = make_incident(outage_started_at=now - timedelta(hours=19))
    incident2.start_assessment(fresh("office"))
    Incident.objects.filter(pk=incident2.pk).update(restored_at=now)
    run(incident2.outage_started_at + timedelta(hours=20) + M)
    assert rows("hours_24", incident=incident2, state="sent").count() == 0


def test_a_pending_request_chases_the_approver_then_widens(firm_two, fresh):
    incident = firm_two()  # (its outage passed 24 h long ago: those reminders go out too, to others)
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    t0 = r.created_at
    chases = notes("director").filter(body__contains="请示待您审批")
    run(t0 + 9 * M)
    assert rows("level_request", state="sent").count() == 0
    run(t0 + 11 * M)
    assert chases.count() == 1
    run(t0 + 21 * M)
    assert chases.count() == 2
    # at 30 min: the 3rd reminder and the widening fall due together: ONE message for the director
    before = notes("director").count()
    run(t0 + 31 * M)
    latest = notes("director").order_by("-id").first()
    assert notes("director").count() == before + 1 and latest.title.startswith("提醒（2项）")
    assert "第3次提醒" in latest.body and "仍未审批" in latest.body
    assert notes("demo-city_admin-deputy").filter(body__contains="仍未审批").count() == 1  # the AB角
    run(t0 + 120 * M)
    assert rows("level_request", subject=f"request:{r.pk}:0", state="sent").count() == 7  # 6 times + widen
    # decided at the step: the chase moves to the commander, counted from then
    level_request_act(request_id=r.pk, actor=fresh("director"), expected_stage=0)
    forwarded = r.history.order_by("-at").first().at
    run(forwarded + 11 * M)
    assert notes("commander").filter(body__contains="请示待您审批").count() == 1


def test_reminders_stop_when_the_request_is_decided(firm_two, fresh):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("commander"), to_level=1, reason="测试")
    plan_reminders(r.created_at + M)
    assert rows("level_request", state="scheduled").count() == 7
    level_request_act(request_id=r.pk, actor=fresh("general"), expected_stage=2, approve=False, note="不同意")
    run(r.created_at + 40 * M)
    assert rows("level_request", state="sent").count() == 0
    assert rows("level_request", state="cancelled").count() == 7


def test_an_unsigned_assignment_escalates_liaison_leader_office(at_two, fresh):
    police = Assignment.objects.get(incident=at_two, unit__code="public_security")
    group = Assignment.objects.get(incident=at_two, group__code="public_order", unit__isnull=True)
    t0 = police.updated_at
    run(t0 + 31 * M)
    assert notes("police").filter(body__contains="市公安局").exists()
    assert notes("demo-public_security-deputy").filter(body__contains="社会稳定组").exists()  # group leader
    tasking.task_move(task_id=group.pk, user=fresh("demo-public_security-deputy"), move="sign")
    run(t0 + 61 * M)
    # 60 min: the leaders of the groups 市公安局 works in (社会稳定组: 市公安局分管负责人)
    leader = Notification.objects.filter(recipient__username="demo-public_security-deputy", kind="reminder")
    assert leader.order_by("-id").first().body.count("市公安局") >= 1
    assert not notes("demo-public_security-head").filter(body__contains="尚未签收").exists()
    tasking.task_move(task_id=police.pk, user=fresh("police"), move="sign")
    run(t0 + 121 * M)
    office_note = (
        Notification.objects.filter(kind="reminder", recipient__username="director").order_by("-id").first()
    )
    assert "市公安局（" not in office_note.body  # signed: not chased to the office
    assert (
        rows("task_unsigned", subject__startswith=f"task:{police.pk}:", step="office").get().state
        == "cancelled"
    )


def test_an_overdue_task(at_two, fresh):
    task = tasking.task_issue(
        incident_id=at_two.pk,
        user=fresh("office"),
        title="封闭道路",
        text="",
        unit_id=Assignment.objects.get(incident=at_two, unit__code="public_security").unit_id,
        due_at=timezone.now() + timedelta(hours=3),
    )
    tasking.task_move(task_id=task.pk, user=fresh("police"), move="sign")
    run(task.due_at - M)
    assert not rows("task_overdue", state="sent").exists()
    run(task.due_at + M)
    assert notes("police").filter(title__contains="已超过完成时限").exists()


def test_no_follow_up_during_a_response(at_two, fresh):
    base = Incident.objects.get(pk=at_two.pk).level_since
    run(base + 119 * M)
    assert not rows("no_follow_up", state="sent").exists()
    run(base + 121 * M)
    assert notes("director").filter(body__contains="没有续报").exists()
    follow_up_add(actor=fresh("office"), incident_id=at_two.pk, note="现场抢修中", data={})
    plan_reminders(timezone.now())
    assert rows("no_follow_up", state="scheduled").count() == 1  # counted from the new follow-up


def test_level_3_and_4_wait_four_hours(incident_in):
    incident = incident_in("responding", level=3)
    run(incident.level_since + 121 * M)
    assert not rows("no_follow_up", state="sent").exists()
    run(incident.level_since + 241 * M)
    assert rows("no_follow_up", state="sent").count() == 1


def test_an_upward_report_past_its_deadline(at_two, fresh):
    from incidents.services import upward_report_log

    report = upward_report_log(
        actor=fresh("office"),
        incident=at_two,
        sender="city",
        recipient="province_housing",
        due_at=timezone.now() + 10 * M,
    )
    run(report.due_at - M)
    assert not rows("upward_late", state="sent").exists()
    run(report.due_at + M)
    assert notes("director").filter(body__contains="信息报送已超时限").exists()


def test_a_call_down_not_confirmed(at_two, fresh):
    cd = CallDown.objects.get(incident=at_two, role="commander")
    other = CallDown.objects.get(incident=at_two, person__user__username="demo-deputy-secretary-general")
    calldown_confirm(token=other.token, what="received")
    run(cd.notified_at + 16 * M)
    again = notes("commander").get()
    assert "到岗通知（再次）" in again.title and again.url == f"/command/c/{cd.token}/"
    assert not notes("demo-deputy-secretary-general").exists()  # confirmed: not chased
    run(cd.notified_at + 31 * M)
    assert notes("director").filter(body__contains="仍未确认").exists()


def test_one_message_per_person_per_sweep_and_exactly_once(at_two):
    t = Assignment.objects.get(incident=at_two, unit__code="public_security").updated_at
    plan_reminders(t + 200 * M)
    sent = deliver(t + 200 * M)
    assert sent > 10
    director_notes = notes("director").count()
    assert director_notes == 1  # everything due for the director in this sweep: one message
    # the same sweep again (a redelivered task, a second worker): nothing more
    assert deliver(t + 200 * M) == 0 and run(t + 200 * M) == 0
    assert notes("director").count() == director_notes
    assert (
        not Delivery.objects.values("reminder", "recipient", "channel")
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
        .filter(n__gt=1)
        .exists()
    )


def test_sent_reminders_are_on_the_timeline(at_two):
    cd = CallDown.objects.get(incident=at_two, role="commander")
    run(cd.notified_at + 16 * M)
    event = TimelineEvent.objects.filter(incident=at_two, data__kind="calldown").first()
    assert event and event.summary.startswith("提醒已发送") and "张振华" in event.summary


def test_drill_messages_start_with_the_drill_mark(make_incident):
    incident = reported_now(make_incident, is_drill=True)
    run(incident.reported_at + 31 * M)
    assert notes("director").get().title.startswith("【演练】")


def test_the_office_changes_a_timing(make_incident):
    ReminderPolicy.objects.create(kind="report_unassessed", config={"first": 5, "second": 10})
    incident = reported_now(make_incident)
    run(incident.reported_at + 6 * M)
    assert notes("director").count() == 1


# ---- external channels against a local HTTP server -------------------------------------------------


class Gateway:
    def __init__(self, mode):
        self.mode, self.calls = mode, []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.calls.append((self.headers.get("Idempotency-Key"), json.loads(body)))
                if gateway.mode == "slow":
                    import time

                    time.sleep(2)
                self.send_response(500 if gateway.mode == "fail" else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    made = []

    def make(mode):
        g = Gateway(mode)
        settings.SMS_GATEWAY_URL, settings.CHANNEL_TIMEOUT_SECONDS = g.url, 0.5
        made.append(g)
        return g

    yield make
    for g in made:
        g.close()


def _sms_delivery(make_incident):
    incident = reported_now(make_incident)
    run(incident.reported_at + 31 * M)
    return Delivery.objects.get(reminder__incident=incident, recipient__username="director", channel="sms")


def test_sms_through_the_gateway_with_an_idempotency_key(make_incident, gateway):
    g = gateway("ok")
    d = _sms_delivery(make_incident)
    assert d.state == "pending"
    assert send_delivery(d.key) == "sent"
    assert g.calls[0][0] == d.key and g.calls[0][1]["to"] and "尚未研判" in g.calls[0][1]["text"]
    assert send_delivery(d.key) == "sent" and len(g.calls) == 1  # sent: never again


def test_a_failing_gateway_is_retried_a_bounded_number_of_times(make_incident, gateway):
    g = gateway("fail")
    d = _sms_delivery(make_incident)
    assert send_delivery(d.key) == "retry"
    d.refresh_from_db()
    assert d.state == "pending" and "HTTP 500" in d.last_error and d.next_attempt_at
    delivery.retry_external(d.next_attempt_at + M, inline=True)
    d.refresh_from_db()
    delivery.retry_external(d.next_attempt_at + M, inline=True)
    d.refresh_from_db()

    def mine():
        return [c for c in g.calls if c[0] == d.key]

    assert (d.state, d.attempts, len(mine())) == ("failed", 3, 3)
    delivery.retry_external(timezone.now() + 600 * M, inline=True)
    assert len(mine()) == 3  # bounded: a failed delivery is not tried again by the sweep


def test_a_gateway_that_times_out(make_incident, gateway):
    gateway("slow")
    d = _sms_delivery(make_incident)
    assert send_delivery(d.key) == "retry"
    d.refresh_from_db()
    assert d.state == "pending" and "timed out" in d.last_error.lower()


def test_a_send_of_unknown_outcome_is_shown_and_sent_again_with_the_same_key(make_incident, gateway):
    g = gateway("ok")
    d = _sms_delivery(make_incident)
    started = timezone.now() - 10 * M
    Delivery.objects.filter(pk=d.pk).update(
        state="sending", started_at=started, attempts=1
    )  # the worker died
    d.refresh_from_db()
    assert delivery.is_unknown(d)
    delivery.retry_external(timezone.now(), inline=True)
    d.refresh_from_db()
    assert d.state == "sent" and g.calls[0][0] == d.key and d.attempts == 2


def test_no_external_delivery_without_a_configured_gateway(make_incident, settings):
    settings.SMS_GATEWAY_URL = ""
    incident = reported_now(make_incident)
    run(incident.reported_at + 31 * M)
    assert not Delivery.objects.filter(channel="sms").exists()
    assert Delivery.objects.filter(channel="in_app", recipient__username="director").count() == 1


def test_beat_sweeps_every_minute():
    from config.celery import app

    entry = app.conf.beat_schedule["reminders-sweep-every-minute"]
    assert entry["task"] == "command.tasks.reminders_sweep" and entry["schedule"] == 60.0


def test_the_sweep_schedules_eta_dispatches_for_what_falls_due_soon(
    at_two, monkeypatch, django_capture_on_commit_callbacks
):
    from command import tasks

    etas = []
    monkeypatch.setattr(tasks.reminders_dispatch, "apply_async", lambda **kw: etas.append(kw["eta"]))
    with django_capture_on_commit_callbacks(execute=True):
        result = schedule.sweep()
    assert result["planned_soon"] == len(etas) > 0
    assert all(timezone.now() < eta <= timezone.now() + planner.ETA_HORIZON for eta in etas)
    with django_capture_on_commit_callbacks(execute=True):
        again = schedule.sweep()
    assert again["planned_soon"] == 0  # already planned: no second ETA task


def test_a_condition_that_comes_back_is_reminded_again(at_two):
    """A cancelled reminder is scheduled again when its condition returns (not blocked by its key)."""
    cd = CallDown.objects.get(incident=at_two, role="commander")
    plan_reminders(cd.notified_at + M)
    row = rows("calldown", subject=f"calldown:{cd.pk}", step="again").get()
    CallDown.objects.filter(pk=cd.pk).update(received_at=timezone.now())
    plan_reminders(cd.notified_at + 2 * M)
    row.refresh_from_db()
    assert row.state == "cancelled"
    CallDown.objects.filter(pk=cd.pk).update(received_at=None)  # e.g. a correction by the office
    plan_reminders(cd.notified_at + 3 * M)
    row.refresh_from_db()
    assert row.state == "scheduled" and row.cancelled_at is None
    run(cd.notified_at + 16 * M)
    assert notes("commander").filter(title__contains="到岗通知（再次）").count() == 1


def test_eta_dispatches_are_bucketed_to_the_next_second():
    from datetime import datetime

    from command.reminders.planner import eta_bucket

    moment = datetime(2026, 12, 1, 3, 0, 1, 500, tzinfo=UTC)
    assert eta_bucket(moment) == datetime(2026, 12, 1, 3, 0, 2, tzinfo=UTC)
    exact = datetime(2026, 12, 1, 3, 0, 10, tzinfo=UTC)
    assert eta_bucket(exact) == exact


@pytest.mark.django_db(transaction=True)
def test_one_planner_at_a_time(demo):
    """plan_reminders() waits for the planner lock: a planner that read older facts cannot cancel what a newer
    one inserted (the race the worker benchmark found)."""
    from django.db import connection

    from command.reminders.planner import PLAN_LOCK

    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def holder():
        from django.db import transaction

        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [PLAN_LOCK])
                held.set()
                release.wait(10)
        finally:
            connection.close()

    def planner():
        try:
            plan_reminders()
            done.set()
        finally:
            connection.close()

    t1 = threading.Thread(target=holder)
    t1.start()
    assert held.wait(10)
    t2 = threading.Thread(target=planner)
    t2.start()
    t2.join(0.5)
    assert not done.is_set()  # waiting for the lock
    release.set()
    t1.join(10)
    t2.join(20)
    assert done.is_set()


def test_the_webhook_channel_uses_the_same_adapter(make_incident, settings):
    """WeCom/DingTalk-style webhook: JSON POST with the idempotency key, like the SMS gateway."""
    from orgchart.models import Person

    g = Gateway("ok")
    try:
        settings.WEBHOOK_URL, settings.SMS_GATEWAY_URL = g.url, ""
        Person.objects.filter(user__username="director").update(channels=["in_app", "wecom"])
        incident = reported_now(make_incident)
        run(incident.reported_at + 31 * M)
        d = Delivery.objects.get(reminder__incident=incident, recipient__username="director", channel="wecom")
        assert send_delivery(d.key) == "sent"
        key, body = g.calls[0]
        assert key == d.key and body["key"] == d.key and body["to"] == "李建国（演示）"
    finally:
        g.close()
