"""Webhooks: registration (URL checked), events from the signals (a new task for the unit, a level
change, the end of the response, a reminder), the HMAC-SHA256 signature and delivery id, retries with
backoff up to the limit, the listing with outcomes, re-sending — against a local server on 127.0.0.1."""

import hashlib
import hmac
import json

import pytest

from api import receivers, webhooks
from api.models import Delivery, Webhook
from command.assignments import services as tasking
from command.models import Reminder
from orgchart.models import Unit
from tests.support.api import COMPANY

from .receiver import Receiver


@pytest.fixture
def queued(monkeypatch):
    """What would go to Celery, kept here so the test runs the attempts itself."""
    sent = []
    monkeypatch.setattr(
        webhooks, "_enqueue", lambda ids, countdown=0: sent.extend((str(i), countdown) for i in ids)
    )
    return sent


def _register(
    client, url, events=("task.new", "incident.level_changed", "incident.response_ended", "reminder")
):
    return client.post("/api/v1/webhooks/", {"url": url, "events": list(events)}, format="json")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://127.0.0.1/x", "http:// 或 https://"),
        ("http://", "主机名"),
        ("http://user:pw@127.0.0.1/", "用户名或密码"),
        ("", "请填写推送地址"),
    ],
)
def test_a_bad_url_is_refused(api, url, says):
    r = _register(api(COMPANY, ["webhooks:manage"]), url)
    assert r.status_code == 400 and r.json()["field"] == "url" and says in r.json()["message"]
    assert not Webhook.objects.exists()


def test_signed_delivery_of_a_new_task_with_retries(
    api, people, incident_in, queued, django_capture_on_commit_callbacks
):
    client = api(COMPANY, ["webhooks:manage"])
    company = Unit.objects.get(code=COMPANY)
    with Receiver(statuses=[500, 503]) as server:
        r = _register(client, server.url)
        assert r.status_code == 201
        secret = r.json()["secret"]
        assert "secret" not in client.get("/api/v1/webhooks/").json()[0]  # shown once
        incident = incident_in("responding", level=4, company=company)
        with django_capture_on_commit_callbacks(execute=True):
            task = tasking.task_issue(
                incident_id=incident.pk, user=people.office, title="抢修", text="", unit_id=company.pk
            )
        d = Delivery.objects.get(event="task.new", payload__data__task=task.pk)
        assert (str(d.pk), 0) in queued
        assert webhooks.attempt(d.pk) == "pending"  # 500
        d.refresh_from_db()
        assert d.attempts == 1 and d.last_status == 500 and d.next_attempt_at
        assert queued[-1] == (str(d.pk), webhooks.backoff()[1])  # retried after the backoff
        assert webhooks.attempt(d.pk) == "pending"  # 503
        assert webhooks.attempt(d.pk) == "sent"
        assert webhooks.attempt(d.pk) == "sent"  # a redelivered message sends nothing again
    assert len(server.requests) == 3
    req = server.requests[-1]
    headers = req["headers"]
    assert headers["X-Heating-Delivery"] == str(d.pk) and headers["X-Heating-Event"] == "task.new"
    expected = hmac.new(
        secret.encode(), f"{headers['X-Heating-Timestamp']}.".encode() + req["body"], hashlib.sha256
    )
    assert headers["X-Heating-Signature"] == f"sha256={expected.hexdigest()}"
    assert req["json"]["data"]["task"] == task.pk and req["json"]["delivery"] == str(d.pk)
    listed = client.get(f"/api/v1/webhooks/{d.webhook_id}/deliveries/").json()
    assert listed[0]["state"] == "sent" and listed[0]["attempts"] == 3


def test_failed_after_the_limit_then_resent(api, as_user, queued, settings):
    settings.API_WEBHOOK_BACKOFF = [0, 1]
    client = api(COMPANY, ["webhooks:manage"])
    with Receiver(statuses=[500, 500, 500]) as server:
        hook = Webhook.objects.get(pk=_register(client, server.url).json()["id"])
        [pk] = webhooks.emit([hook.unit_id], "reminder", "reminder:test", {"text": "提醒"})
        assert webhooks.attempt(pk) == "pending"
        assert webhooks.attempt(pk) == "failed"
        page = as_user("office").get("/api/office/webhooks/")
        assert f'data-testid="delivery-{pk}"' in page.content.decode() and "发送失败" in page.content.decode()
        as_user("office").post(f"/api/office/deliveries/{pk}/resend/")
        d = Delivery.objects.get(pk=pk)
        assert (d.state, d.attempts) == ("pending", 0)
        assert webhooks.attempt(pk) == "pending"  # 500 again
        assert webhooks.attempt(pk) == "sent"
    ids = {r["headers"]["X-Heating-Delivery"] for r in server.requests}
    assert ids == {str(pk)} and len(server.requests) == 4  # the same delivery id each time


def test_level_change_and_end_of_response_reach_the_units_on_the_incident(api, incident_in, queued):
    company = Unit.objects.get(code=COMPANY)
    client = api(COMPANY, ["webhooks:manage"])
    _register(client, "http://127.0.0.1:9/hook")
    incident = incident_in("aftermath", level=4, company=company)
    events = list(Delivery.objects.order_by("created_at").values_list("event", "payload__data__incident"))
    assert ("incident.level_changed", incident.pk) in events
    assert ("incident.response_ended", incident.pk) in events
    other = api("demo-heat-2", ["webhooks:manage"])
    _register(other, "http://127.0.0.1:9/other")
    assert not Delivery.objects.filter(webhook__unit__code="demo-heat-2").exists()


def test_reminders_and_bulk_tasks_are_found_by_the_sweep(
    api, incident_in, queued, django_capture_on_commit_callbacks
):
    company = Unit.objects.get(code=COMPANY)
    _register(api(COMPANY, ["webhooks:manage"]), "http://127.0.0.1:9/hook")
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_in("responding", level=2, company=company)
    from command.models import Assignment

    task = Assignment.objects.get(incident=incident, unit=company)  # the activation wrote it in bulk
    assert not Delivery.objects.filter(event="task.new").exists()  # no post_save for a bulk insert
    from django.utils import timezone

    Reminder.objects.create(
        kind="task_unsigned",
        subject=f"task:{task.pk}:1",
        step="liaison",
        incident=incident,
        due_at=timezone.now(),
        state=Reminder.State.SENT,
        title="任务未签收",
        sent_at=timezone.now(),
    )
    assert receivers.reminders_to_webhooks() >= 2
    assert receivers.reminders_to_webhooks() == 0  # once per occurrence
    payload = Delivery.objects.get(event="reminder").payload
    assert payload["data"]["task"] == task.pk and payload["data"]["text"] == "任务未签收"
    assert json.dumps(payload)


def test_the_sweep_requeues_late_retries_and_forgets_old_keys(api, queued):
    from datetime import timedelta

    from django.utils import timezone

    from api.models import IdempotencyRecord
    from api.tasks import sweep

    client = api(COMPANY, ["webhooks:manage"])
    hook = Webhook.objects.get(pk=_register(client, "http://127.0.0.1:9/hook").json()["id"])
    [pk] = webhooks.emit([hook.unit_id], "reminder", "reminder:late", {})
    Delivery.objects.filter(pk=pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    old = IdempotencyRecord.objects.create(
        token=client.token, key="old", method="POST", path="/", fingerprint="x"
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    queued.clear()
    assert sweep() == 1 and queued == [(str(pk), 0)]
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()


def test_beat_runs_the_sweep_every_minute():
    from config.celery import app

    entry = app.conf.beat_schedule["api-webhooks-sweep-every-minute"]
    assert entry["task"] == "api.tasks.sweep" and entry["schedule"] == 60.0
