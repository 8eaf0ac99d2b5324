"""Review fixes (issue 9): a correction left as a draft blocks the archive; a submitted revision is locked
in PostgreSQL too (a trigger), whatever path tries; a measure marked done is on the timeline while the
incident is open."""

import pytest
from django.db import DatabaseError, transaction

from aftermath import services
from aftermath.models import Measure, Revision
from incidents import lifecycle
from incidents.models import TimelineEvent
from tests.support.aftermath import close_items, submit_record, tomorrow

pytestmark = pytest.mark.django_db


def test_an_open_correction_blocks_the_archive_until_submitted(in_aftermath, fresh):
    office = fresh("office")
    incident = in_aftermath()
    close_items(incident, office)
    submit_record(incident, "summary", office)
    services.save_draft(
        incident_id=incident.pk,
        kind="summary",
        user=office,
        raw={"occurrence": "更正：停热时间应为27小时"},
        reason="停热时长有误",
    )
    incident.refresh_from_db()
    assert lifecycle.archive_blockers(incident) == ["办公室总结有未提交的更正草稿（§7.2）"]
    with pytest.raises(lifecycle.TransitionError, match="未提交的更正草稿"):
        lifecycle.perform(incident.pk, move="archive", actor=office)
    incident.refresh_from_db()
    assert incident.state == "aftermath"


def test_a_submitted_revision_is_locked_in_the_database(in_aftermath, fresh):
    office = fresh("office")
    incident = in_aftermath()
    rev = submit_record(incident, "summary", office)
    with pytest.raises(DatabaseError, match="locked"), transaction.atomic():
        Revision.objects.filter(pk=rev.pk).update(content={"occurrence": "改写"})
    with pytest.raises(DatabaseError, match="locked"), transaction.atomic():
        Revision.objects.filter(pk=rev.pk).delete()
    rev.refresh_from_db()
    assert rev.status == "submitted" and rev.content["occurrence"].startswith("测试")
    # a draft stays editable through a queryset too
    draft = services.save_draft(
        incident_id=incident.pk, kind="summary", user=office, raw={"lessons": "草稿"}, reason="补充"
    )
    assert Revision.objects.filter(pk=draft.pk).update(content={"lessons": "再改"}) == 1


def test_a_measure_done_goes_on_the_timeline(in_aftermath, fresh):
    office = fresh("office")
    incident = in_aftermath()
    m = services.measure_add(
        incident_id=incident.pk,
        user=office,
        text="排查老旧管网",
        owner_unit_id=incident.county.government_id,
        due_on=tomorrow(),
    )
    services.measure_done(measure_id=m.pk, user=office, note="已完成排查")
    assert Measure.objects.get(pk=m.pk).state == "done"
    event = TimelineEvent.objects.filter(incident=incident).latest("id")
    assert "改进措施已完成" in event.summary and event.reason == "已完成排查" and event.clause == "§7.2"
