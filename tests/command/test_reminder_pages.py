"""The office's reminder pages and the live bell, over HTTP."""

from datetime import timedelta

from django.utils import timezone

from command.models import Delivery, ReminderPolicy
from command.reminders.delivery import deliver
from command.reminders.planner import plan_reminders
from orgchart.models import OrgChange

HX = {"HX-Request": "true"}


def _due(make_incident):
    now = timezone.now()
    incident = make_incident(reported_at=now, occurred_at=now - timedelta(minutes=1))
    at = incident.reported_at + timedelta(minutes=31)
    plan_reminders(at)
    deliver(at)
    return incident


def test_the_reminders_page_is_the_offices(as_user, make_incident, settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
    _due(make_incident)
    page = as_user("office").get("/command/reminders/").content.decode()
    assert 'data-testid="sent"' in page and "尚未研判" in page and "李建国" in page
    assert as_user("police").get("/command/reminders/").status_code == 403


def test_failed_and_unknown_sends_are_shown_and_can_be_sent_again(as_user, make_incident, settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
    _due(make_incident)
    d = Delivery.objects.filter(channel="sms").first()
    Delivery.objects.filter(pk=d.pk).update(state="failed", attempts=3, last_error="sms: refused")
    other = Delivery.objects.filter(channel="sms").exclude(pk=d.pk).first()
    Delivery.objects.filter(pk=other.pk).update(
        state="sending", started_at=timezone.now() - timedelta(minutes=10)
    )
    client = as_user("office")
    page = client.get("/command/reminders/").content.decode()
    assert f'data-testid="delivery-{d.pk}"' in page and "sms: refused" in page
    assert "结果不明" in page
    client.post(f"/command/reminders/deliveries/{d.pk}/again/")
    d.refresh_from_db()
    assert (d.state, d.attempts, d.last_error) == ("pending", 0, "")


def test_the_office_changes_timings_and_it_is_recorded(as_user):
    client = as_user("office")
    page = client.get("/command/reminders/settings/").content.decode()
    assert 'name="task_unsigned.liaison"' in page and 'value="30"' in page
    from command.reminders.kinds import KINDS, policies

    data = {f"{k}.{f}": v for k, values in policies().items() for f, v in values.items()}
    data["task_unsigned.liaison"] = "20"
    resp = client.post("/command/reminders/settings/", data)
    assert resp.status_code == 302
    assert ReminderPolicy.objects.get(kind="task_unsigned").config["liaison"] == 20
    change = OrgChange.objects.get(model="ReminderPolicy", object_id="task_unsigned")
    assert change.changes == {"liaison": [30, 20]} and change.actor.username == "office"
    bad = dict(data, **{"calldown.again": "x", "task_unsigned.office": "-5"})
    resp = client.post("/command/reminders/settings/", bad)
    assert resp.status_code == 422 and ReminderPolicy.objects.filter(kind="calldown").count() == 0
    assert policies()["task_unsigned"]["office"] == 120
    assert as_user("police").get("/command/reminders/settings/").status_code == 403
    assert set(KINDS) >= {
        "report_unassessed",
        "hours_24",
        "level_request",
        "task_unsigned",
        "no_follow_up",
        "upward_late",
        "calldown",
    }


def test_the_bell_updates_live(as_user, make_incident):
    client = as_user("director")
    assert (
        'data-testid="unread-count"'
        not in client.get("/command/notifications/bell/", headers=HX).content.decode()
    )
    _due(make_incident)
    bell = client.get("/command/notifications/bell/", headers=HX).content.decode()
    assert bell.startswith('<span id="bell"') and 'data-testid="unread-count"' in bell
    page = client.get("/command/notifications/").content.decode()
    assert "尚未研判" in page and 'hx-get="/command/notifications/bell/"' in page
