"""An improvement measure past its due date is reminded (§7.2): the owner unit at once, the office a day
later; marking it done cancels what is left. It keeps reminding after the incident is archived (measures
take months), without writing on the archived timeline."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from aftermath import services
from command.models import Notification, Reminder
from command.reminders import delivery, planner
from incidents.models import TimelineEvent
from tests.support.aftermath import close_items, submit_record, tomorrow

pytestmark = pytest.mark.django_db
LIAISON = "demo-gov-yanhu-liaison"  # 盐湖区人民政府's liaison (the demo set)


def test_an_overdue_measure_reminds_the_unit_then_the_office_and_stops_when_done(in_aftermath, fresh):
    office = fresh("office")
    incident = in_aftermath()
    due_on = tomorrow()
    m = services.measure_add(
        incident_id=incident.pk,
        user=office,
        text="排查老旧管网焊缝",
        owner_unit_id=incident.county.government_id,
        due_on=due_on,
    )
    close_items(incident, office)
    submit_record(incident, "summary", office)
    incident.archive(office)  # measures are followed up after the archive
    timeline = TimelineEvent.objects.filter(incident=incident).count()

    overdue_at = timezone.make_aware(datetime.combine(due_on + timedelta(days=1), time()))
    planner.plan_reminders(overdue_at - timedelta(hours=1))
    rows = Reminder.objects.filter(kind="measure_overdue", subject=f"measure:{m.pk}:{due_on.isoformat()}")
    assert {(r.step, r.due_at, r.state) for r in rows} == {
        ("unit", overdue_at, "scheduled"),
        ("office", overdue_at + timedelta(days=1), "scheduled"),
    }
    assert all(r.incident_id is None for r in rows)

    at = overdue_at + timedelta(minutes=1)
    planner.plan_reminders(at)
    delivery.deliver(at)
    note = Notification.objects.get(recipient__username=LIAISON, kind="reminder")
    assert "改进措施已超过完成时限" in note.title + note.body
    assert rows.get(step="unit").state == "sent" and rows.get(step="office").state == "scheduled"
    assert TimelineEvent.objects.filter(incident=incident).count() == timeline  # the archive is not touched

    services.measure_done(measure_id=m.pk, user=office, note="已完成排查")
    planner.plan_reminders(at + timedelta(minutes=1))
    assert rows.get(step="office").state == "cancelled"


def test_the_office_sees_the_timings_on_the_settings_page(client, fresh):
    client.force_login(fresh("director"))
    html = client.get("/command/reminders/settings/").content.decode()
    assert "改进措施超期" in html and "§7.2" in html
