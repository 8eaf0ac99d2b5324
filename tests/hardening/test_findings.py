"""Issue 16, findings 1–4 and 6, each kept fixed: a year-0001 date-time, a NUL byte, a malformed hidden
number, an out-of-range month, an over-long name, and a 续报 that would clear what it did not send."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from command.approvals.services import level_request_submit
from command.models import Instruction, Reminder
from command.reminders import kinds, planner
from config.inputs import FIELDS, check_window, window_error
from incidents.models import FollowUpReport, Incident, TimelineEvent, UpwardReport
from orgchart.models import Absence, Person

YEAR_1 = "0001-01-01T00:00"
YEAR_9999 = "9999-12-31T23:59"


def _local(dt):
    return f"{timezone.localtime(dt):%Y-%m-%dT%H:%M}"


# ---- 1. the plausible window: form, service, database ------------------------------------------


def test_the_window_is_data_in_one_place():
    now = timezone.now()
    assert window_error(now - timedelta(days=1), "past") is None
    assert "不在合理范围内" in window_error(datetime(1, 1, 1, tzinfo=UTC), "past")
    assert "不在合理范围内" in window_error(now + timedelta(days=3), "past")
    assert window_error(now + timedelta(days=3 * 365), "planned") is None
    assert "请核对年份" in window_error(datetime(9999, 12, 31, tzinfo=UTC), "planned")
    # every registered field is a real date-time or date column
    from django.apps import apps

    for label, fields in FIELDS.items():
        model = apps.get_model(label)
        for name in fields:
            assert model._meta.get_field(name).get_internal_type() in ("DateTimeField", "DateField")


@pytest.mark.parametrize("value", [YEAR_1, YEAR_9999, "1999-12-31T23:59"])
def test_the_report_form_refuses_an_implausible_time(as_user, value):
    client = as_user("office")
    before = Incident.objects.count()
    resp = client.post("/incidents/new/", {"title": "测试", "occurred_at": value, "outage_started_at": value})
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "不在合理范围内" in html or "不是有效的日期时间" in html
    assert Incident.objects.count() == before


@pytest.mark.django_db
def test_the_service_and_the_database_refuse_year_1(make_incident):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as e:
        make_incident(occurred_at=datetime(1, 1, 2, tzinfo=UTC))
    assert "不在合理范围内" in str(e.value)
    incident = make_incident()
    for field in FIELDS["incidents.Incident"]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Incident.objects.filter(pk=incident.pk).update(**{field: datetime(1, 1, 2, tzinfo=UTC)})
    with pytest.raises(IntegrityError), transaction.atomic():
        UpwardReport.objects.create(
            incident=incident, recipient="other", due_at=datetime(9999, 1, 1, tzinfo=UTC), recorded_by_id=1
        )
    with pytest.raises(ValidationError):
        check_window(datetime(2100, 1, 1, tzinfo=UTC), "planned", field="due_at")


def test_upward_report_log_refuses_year_1(as_user, make_incident):
    incident = make_incident()
    client = as_user("office")
    for field in ("due_at", "sent_at"):
        resp = client.post(
            f"/incidents/{incident.pk}/reports/", {"sender": "city", "recipient": "commander", field: YEAR_1}
        )
        assert resp.status_code == 422 and "不在合理范围内" in resp.content.decode()
    assert not UpwardReport.objects.filter(incident=incident).exists()


def test_an_instruction_refuses_year_1_and_an_over_long_name(as_user, incident_in):
    incident = incident_in("responding", level=3)
    client = as_user("office")
    url = f"/command/incidents/{incident.pk}/instructions/"
    ok = {"source": "other", "given_by": "张三", "given_at": _local(timezone.now()), "text": "抓紧抢修"}
    resp = client.post(url, {**ok, "given_at": YEAR_1}, follow=True)
    assert resp.status_code == 200 and "不在合理范围内" in resp.content.decode()
    resp = client.post(url, {**ok, "given_by": "长" * 101}, follow=True)
    assert resp.status_code == 200 and "批示人最多100个字" in resp.content.decode()
    assert not Instruction.objects.filter(incident=incident).exists()
    client.post(url, ok)
    assert Instruction.objects.filter(incident=incident).count() == 1


def test_an_absence_refuses_year_1(as_user):
    person = Person.objects.filter(user__username="police").first()
    client = as_user("office")
    resp = client.post(
        f"/org/people/{person.pk}/absences/add/",
        {"starts_at": YEAR_1, "ends_at": _local(timezone.now() + timedelta(days=1))},
    )
    assert resp.status_code in (200, 302, 422)
    assert not Absence.objects.filter(person=person).exists()


def test_a_failing_planner_does_not_stop_the_sweep(make_incident, monkeypatch):
    """One bad row must never stop the reminder sweep for other subjects (issue 16)."""
    incident = make_incident()

    def broken(p, config, now):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(planner, "EXTRA_PLANNERS", [(next(iter(kinds.policies())), broken)])
    planner.plan_reminders()
    assert Reminder.objects.filter(incident=incident, kind="report_unassessed").exists()


# ---- 2. NUL bytes ---------------------------------------------------------------------------------


def test_a_nul_byte_is_refused_in_one_place(as_user, make_incident):
    incident = make_incident()
    client = as_user("office")
    count = FollowUpReport.objects.count()
    resp = client.post(f"/incidents/{incident.pk}/follow-up/", {"note": "停热\x00扩大"})
    assert resp.status_code == 400 and "NUL" in resp.content.decode() and "未保存" in resp.content.decode()
    assert FollowUpReport.objects.count() == count
    resp = client.get("/org/search/", {"q": "张\x00"})
    assert resp.status_code == 400
    resp = client.post(f"/incidents/{incident.pk}/link/", {"event_name": "寒潮\x00"})
    assert resp.status_code == 400


# ---- 3. malformed hidden numbers: permission first, then a 400 ------------------------------------


def test_malformed_hidden_numbers(client, firm_two, fresh, user_of):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=fresh("office"), to_level=2)
    client.force_login(user_of("police"))
    for path, data in (
        (f"/command/requests/{r.pk}/act/", {"decision": "approve", "stage": "x"}),
        (f"/command/requests/{r.pk}/phone/", {"stage": "1", "approver": "x"}),
        (f"/command/requests/{r.pk}/withdraw/", {"stage": "x"}),
    ):
        # refused before anything is parsed: 403, or 404 where the incident is not theirs to see (finding 7)
        assert client.post(path, data).status_code in (403, 404), path
    client.force_login(user_of("director"))
    resp = client.post(f"/command/requests/{r.pk}/act/", {"decision": "approve", "stage": "１x"})
    assert resp.status_code == 400 and "请刷新页面后重试" in resp.content.decode()
    client.force_login(user_of("office"))
    assert client.post(f"/command/requests/{r.pk}/phone/", {"approver": "1e309"}).status_code == 400
    assert client.post(f"/command/requests/{r.pk}/withdraw/", {"stage": "NaN"}).status_code == 400
    assert client.post("/command/notifications/", {"id": "abc"}).status_code == 400
    assert client.post("/command/notifications/", {"id": "-1"}).status_code == 302
    r.refresh_from_db()
    assert r.status == "open"


def test_malformed_expected_level_on_a_move_and_on_end(client, incident_in, user_of):
    incident = incident_in("responding", level=3)
    for user, statuses in (("police", (403, 404)), ("director", (400,))):
        client.force_login(user_of(user))
        resp = client.post(
            f"/incidents/{incident.pk}/move/end_response/",
            {"expected_state": "responding", "expected_level": "Ⅲ", "reason": "x"},
        )
        assert resp.status_code in statuses, user
    client.force_login(user_of("director"))
    resp = client.post(f"/command/incidents/{incident.pk}/end/", {"expected_level": "three"})
    assert resp.status_code == 400
    incident.refresh_from_db()
    assert incident.state == "responding"


# ---- 4. the duty month ----------------------------------------------------------------------------


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2100-01", "1999-12"])
def test_the_duty_month_out_of_range(as_user, month):
    resp = as_user("police").get("/org/duty/", {"month": month})
    assert resp.status_code == 200 and "2000年至2099年" in resp.content.decode()


# ---- 6. a 续报 changes only what it carries -------------------------------------------------------


def test_a_follow_up_with_a_note_and_deaths_only(as_user, make_incident):
    incident = make_incident(
        outage_started_at=timezone.now() - timedelta(hours=5), affected_area_m2=50000, affected_households=800
    )
    Incident.objects.filter(pk=incident.pk).update(hazards_controlled=True)
    resp = as_user("office").post(f"/incidents/{incident.pk}/follow-up/", {"note": "死亡1人", "deaths": "1"})
    assert resp.status_code == 302
    incident.refresh_from_db()
    assert incident.deaths == 1
    assert incident.affected_area_m2 == 50000 and incident.affected_households == 800
    assert incident.hazards_controlled is True and incident.outage_started_at is not None
    assert FollowUpReport.objects.get(incident=incident).changes.keys() == {"deaths"}


def test_a_follow_up_unticks_a_box_it_shows(as_user, make_incident):
    incident = make_incident()
    Incident.objects.filter(pk=incident.pk).update(hazards_controlled=True)
    client = as_user("office")
    page = client.get(f"/incidents/{incident.pk}/?form=follow_up").content.decode()
    assert 'name="hazards_controlled__sent"' in page
    client.post(f"/incidents/{incident.pk}/follow-up/", {"note": "险情反复", "hazards_controlled__sent": "1"})
    incident.refresh_from_db()
    assert incident.hazards_controlled is False


def test_a_follow_up_with_only_a_restoration_time(as_user, make_incident):
    start = timezone.now() - timedelta(hours=6)
    incident = make_incident(outage_started_at=start, affected_households=120)
    restored = timezone.now() - timedelta(hours=1)
    resp = as_user("office").post(
        f"/incidents/{incident.pk}/follow-up/", {"note": "已恢复供热", "restored_at": _local(restored)}
    )
    assert resp.status_code == 302
    incident.refresh_from_db()
    assert incident.restored_at is not None and incident.outage_started_at == start
    assert incident.affected_households == 120


def test_a_follow_up_with_only_a_loss(as_user, make_incident):
    incident = make_incident(direct_loss_yuan=100000, deaths=2)
    resp = as_user("office").post(
        f"/incidents/{incident.pk}/follow-up/",
        {"note": "损失核定", "direct_loss": "20", "direct_loss_unit": "wan"},
    )
    assert resp.status_code == 302
    incident.refresh_from_db()
    assert incident.direct_loss_yuan == 200000 and incident.deaths == 2
    assert TimelineEvent.objects.filter(incident=incident, kind="follow_up").count() == 1
