"""incidents/services.py: reporting an incident, follow-up reports (续报), first measures (先期处置) and the
upward reporting log (DOMAIN.md §5, §5.1–§5.2)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.models import FirstMeasure, FollowUpReport, Incident, PlanVersion, TimelineEvent, UpwardReport
from incidents.services import (
    first_measure_add,
    follow_up_add,
    incident_report,
    upward_report_log,
    upward_report_mark_sent,
)
from orgchart.models import Unit
from orgchart.permissions import RULES
from tests.support.incidents import ensure_plan_version, report_data

pytestmark = pytest.mark.django_db


def counts():
    return (
        Incident.objects.count(),
        TimelineEvent.objects.count(),
        FollowUpReport.objects.count(),
        FirstMeasure.objects.count(),
        UpwardReport.objects.count(),
    )


# ---- incident_report (§5.1 接报) ------------------------------------------------------------------------


def test_report_creates_the_incident_under_the_plan_in_force(people):
    ensure_plan_version()
    now = timezone.now()
    incident = incident_report(
        actor=people.office,
        data=report_data(deaths=3, outage_started_at=now - timedelta(hours=30), reporter_name="值班员"),
    )
    incident.refresh_from_db()
    assert incident.state == "reported"
    assert incident.level is None
    assert incident.plan_version == PlanVersion.current()
    assert incident.plan_version.code == "2021"
    assert incident.created_by == people.office

    event = incident.timeline.get()
    assert event.kind == TimelineEvent.Kind.CREATED
    assert event.actor == people.office
    assert event.actor_name == people.office.person.name
    assert event.at == incident.reported_at
    assert event.clause == "§5.1"
    assert event.data["grade"] == "larger"  # 附件5: 3 deaths → 较大
    assert event.data["recommended_level"] == 2  # 附件4 Ⅱ(2), firm after 30 h
    assert event.data["recommendation_status"] == "firm"
    assert "附件4 Ⅱ(2)" in event.data["clauses"]


def test_report_without_figures_records_no_grade_and_no_recommendation(make_incident):
    event = make_incident().timeline.get()
    assert event.data["grade"] is None
    assert event.data["recommended_level"] is None
    assert event.data["recommendation_status"] == "none"


def test_report_records_first_measures_with_their_times(people):
    ensure_plan_version()
    at = timezone.now() - timedelta(minutes=40)
    incident = incident_report(
        actor=people.office,
        data=report_data(),
        first_measures=[{"at": at, "by": "运城市演示热力有限公司", "text": "关闭分段阀门"}],
    )
    measure = incident.first_measures.get()
    assert (measure.at, measure.by, measure.recorded_by) == (at, "运城市演示热力有限公司", people.office)
    assert incident.timeline.filter(kind="first_measure", at=at, clause="§5.2").count() == 1


def test_a_unit_liaison_may_report(people):
    """DOMAIN.md §5: report — office staff; the company involved; any unit on the incident."""
    ensure_plan_version()
    incident = incident_report(actor=people.police, data=report_data())
    assert incident.created_by == people.police


def test_report_refused_for_a_user_without_a_post(people):
    ensure_plan_version()
    nobody = get_user_model().objects.create_user("walk-in", password="x")
    before = counts()
    with pytest.raises(PermissionDenied, match=r"§5\.1"):
        incident_report(actor=nobody, data=report_data())
    assert counts() == before


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"direct_loss_yuan": Decimal("-1")}, None),  # CheckConstraint incident_loss_not_negative
        ({"affected_area_m2": Decimal("-5")}, None),
        ({"restored_at": timezone.now()}, None),  # restored without an outage start
        ({"category": "meteor"}, "category"),
        ({"title": ""}, "title"),
    ],
    ids=["negative-loss", "negative-area", "restored-without-outage", "unknown-category", "no-title"],
)
def test_report_refuses_invalid_data_and_saves_nothing(bad, field, people):
    ensure_plan_version()
    before = counts()
    with pytest.raises(ValidationError) as exc:
        incident_report(actor=people.office, data=report_data(**bad))
    if field:
        assert field in exc.value.message_dict
    assert counts() == before


# ---- follow_up_add (§5.1 续报) ---------------------------------------------------------------------------


@pytest.fixture
def outage_incident(make_incident):
    """An outage of 30 h so far, no casualties yet: the grade and the recommendation react to figures."""
    return make_incident(deaths=0, outage_started_at=timezone.now() - timedelta(hours=30))


def test_follow_up_updates_figures_and_records_the_change(outage_incident, people):
    report = follow_up_add(
        actor=people.office, incident_id=outage_incident.pk, note="  现场确认3人死亡  ", data={"deaths": 3}
    )
    outage_incident.refresh_from_db()
    assert outage_incident.deaths == 3
    assert report.note == "现场确认3人死亡"
    assert report.reporter == people.office
    assert report.changes == {"deaths": [0, 3]}
    assert (report.grade_before, report.grade_after) == ("", "larger")
    assert (report.level_before, report.level_after) == (None, 2)

    event = outage_incident.timeline.latest("id")
    assert event.kind == TimelineEvent.Kind.FOLLOW_UP
    assert event.reason == "现场确认3人死亡"
    assert event.clause == "§5.1"
    assert event.data["changes"] == {"deaths": [0, 3]}
    assert event.data["grade"] == ["", "larger"]
    assert event.data["recommended_level"] == [None, 2]
    assert event.data["recommendation_status"] == ["none", "firm"]


def test_follow_up_records_only_what_changed_in_plain_values(outage_incident, people):
    restored = timezone.now().replace(second=0, microsecond=0)
    report = follow_up_add(
        actor=people.office,
        incident_id=outage_incident.pk,
        note="已恢复供热，损失初步核定",
        data={
            "deaths": 0,  # unchanged: not recorded
            "restored_at": restored,
            "direct_loss_yuan": Decimal("120000.50"),
            "hazards_controlled": True,
        },
    )
    assert set(report.changes) == {"restored_at", "direct_loss_yuan", "hazards_controlled"}
    assert report.changes["restored_at"] == [None, timezone.localtime(restored).isoformat(timespec="minutes")]
    assert report.changes["direct_loss_yuan"] == [None, "120000.50"]
    assert report.changes["hazards_controlled"] == [False, True]


def test_follow_up_cannot_change_state_level_or_other_fields(outage_incident, people):
    report = follow_up_add(
        actor=people.office,
        incident_id=outage_incident.pk,
        note="试图改状态",
        data={"state": "archived", "level": 1, "title": "改名"},
    )
    outage_incident.refresh_from_db()
    assert (outage_incident.state, outage_incident.level, outage_incident.title) == (
        "reported",
        None,
        "测试：管线破裂停热",
    )
    assert report.changes == {}


@pytest.fixture
def peak_five(make_incident):
    """5 people at risk at peak, 30 h without heat: a firm Ⅱ by Ⅱ(3) (附件4)."""
    return make_incident(
        deaths=2,
        people_at_risk_peak=5,
        still_trapped=0,
        outage_started_at=timezone.now() - timedelta(hours=30),
    )


@pytest.mark.parametrize(
    "data", [{"people_at_risk_peak": 2}, {"deaths": 1}, {"deaths": None}], ids=["peak", "deaths", "cleared"]
)
def test_a_follow_up_lowering_a_peak_without_the_correction_mark_is_refused(data, peak_five, people):
    """DOMAIN §6 (issue 17 point 6): a peak only falls by correction; unmarked, nothing is saved."""
    before = counts()
    with pytest.raises(ValidationError) as exc:
        follow_up_add(actor=people.office, incident_id=peak_five.pk, note="现场核实", data=data)
    assert "更正" in exc.value.message_dict["correction"][0]
    assert counts() == before
    peak_five.refresh_from_db()
    assert (peak_five.people_at_risk_peak, peak_five.deaths) == (5, 2)
    with pytest.raises(ValidationError) as exc:  # marked, but without a reason
        follow_up_add(
            actor=people.office, incident_id=peak_five.pk, note="现场核实", data=data, correction=True
        )
    assert "理由" in exc.value.message_dict["correction_reason"][0]
    assert counts() == before


def test_a_marked_correction_lowers_the_peak_and_the_timeline_shows_old_new_and_who(peak_five, people):
    assert peak_five.recommendation().level == 2  # Ⅱ(3): 5 people at risk
    report = follow_up_add(
        actor=people.office,
        incident_id=peak_five.pk,
        note="核实后涉险人数为2人",
        data={"people_at_risk_peak": 2},
        correction=True,
        correction_reason="首报重复统计了3人",
    )
    peak_five.refresh_from_db()
    assert peak_five.people_at_risk_peak == 2
    assert (report.level_before, report.level_after) == (2, 3)  # the recommendation recomputed: Ⅲ(3)
    assert report.correction_reason == "首报重复统计了3人"
    assert peak_five.fact_rec_level == 3
    event = peak_five.timeline.latest("id")
    assert event.data["correction"] == {
        "reason": "首报重复统计了3人",
        "fields": {"people_at_risk_peak": [5, 2]},
    }
    assert "更正" in event.summary and "5 → 2" in event.summary and "首报重复统计了3人" in event.summary
    assert event.actor == people.office and event.actor_name


def test_a_follow_up_raising_a_peak_or_not_sending_it_needs_no_correction(peak_five, people):
    follow_up_add(
        actor=people.office, incident_id=peak_five.pk, note="又有1人被困", data={"people_at_risk_peak": 6}
    )
    follow_up_add(
        actor=people.office, incident_id=peak_five.pk, note="只报恢复情况", data={"still_trapped": 0}
    )
    peak_five.refresh_from_db()
    assert (peak_five.people_at_risk_peak, peak_five.deaths) == (6, 2)  # a field not sent is not cleared
    assert "correction" not in peak_five.timeline.latest("id").data


@pytest.mark.parametrize("note", ["", "   ", None], ids=["empty", "blank", "none"])
def test_follow_up_without_a_note_is_refused(note, outage_incident, people):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        follow_up_add(actor=people.office, incident_id=outage_incident.pk, note=note, data={"deaths": 3})
    assert "note" in exc.value.message_dict
    assert counts() == before
    outage_incident.refresh_from_db()
    assert outage_incident.deaths == 0


def test_follow_up_with_invalid_figures_saves_nothing(outage_incident, people):
    before = counts()
    with pytest.raises(ValidationError):
        follow_up_add(
            actor=people.office,
            incident_id=outage_incident.pk,
            note="损失",
            data={"deaths": 3, "direct_loss_yuan": Decimal("-10")},
        )
    assert counts() == before
    outage_incident.refresh_from_db()
    assert (outage_incident.deaths, outage_incident.direct_loss_yuan) == (0, None)


def test_the_follow_up_unit_rule_is_scoped_to_the_incidents_units():
    rule = RULES["incident.follow_up_unit"]
    assert rule.scope == "unit"
    assert set(rule.positions) == {"unit_liaison", "unit_head", "unit_deputy_head"}


def test_an_incident_concerns_its_company_and_its_county_government(make_incident):
    company = Unit.objects.get(code="demo-heat-1")
    incident = make_incident(company=company)
    assert set(incident.permission_unit_ids()) == {company.pk, Unit.objects.get(code="gov-yanhu").pk}
    assert make_incident().permission_unit_ids() == [Unit.objects.get(code="gov-yanhu").pk]


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("office", True),  # office staff (incident.follow_up)
        ("director", True),
        ("demo-demo-heat-1-liaison", True),  # the company involved
        ("demo-gov-yanhu-liaison", True),  # 事发地县级政府
        ("demo-demo-heat-2-liaison", False),  # another company
        ("county", False),  # another county (the demo login: 永济市人民政府 liaison)
        ("police", False),  # 市公安局: not among permission_unit_ids() (company + county government only)
        ("commander", False),
    ],
)
def test_who_may_add_a_follow_up(username, allowed, make_incident, user_of):
    incident = make_incident(company=Unit.objects.get(code="demo-heat-1"), deaths=0)
    actor = user_of(username)
    before = counts()
    if allowed:
        follow_up_add(actor=actor, incident_id=incident.pk, note="续报", data={"deaths": 1})
        incident.refresh_from_db()
        assert incident.deaths == 1
        return
    with pytest.raises(PermissionDenied, match=r"§5\.1"):
        follow_up_add(actor=actor, incident_id=incident.pk, note="续报", data={"deaths": 1})
    assert counts() == before


# ---- first_measure_add (§5.2 先期处置) -------------------------------------------------------------------


def test_first_measure_is_recorded_at_its_time(make_incident, people):
    incident = make_incident()
    at = timezone.now() - timedelta(minutes=20)
    measure = first_measure_add(actor=people.office, incident=incident, at=at, by="热力公司", text="关阀止水")
    assert (measure.at, measure.by, measure.text, measure.recorded_by) == (
        at,
        "热力公司",
        "关阀止水",
        people.office,
    )
    event = incident.timeline.latest("id")
    assert (event.kind, event.at, event.clause) == ("first_measure", at, "§5.2")


def test_first_measure_in_the_future_is_refused(make_incident, people):
    incident = make_incident()
    before = counts()
    with pytest.raises(ValidationError) as exc:
        first_measure_add(
            actor=people.office,
            incident=incident,
            at=timezone.now() + timedelta(minutes=10),  # beyond Incident.CLOCK_SKEW
            by="热力公司",
            text="x",
        )
    assert "at" in exc.value.message_dict
    assert counts() == before


def test_first_measure_by_the_company_involved(make_incident, user_of):
    incident = make_incident(company=Unit.objects.get(code="demo-heat-1"))
    first_measure_add(
        actor=user_of("demo-demo-heat-1-liaison"),
        incident=incident,
        at=timezone.now() - timedelta(minutes=1),
        by="运城市演示热力有限公司",
        text="启动企业预案",
    )
    assert incident.first_measures.count() == 1


def test_first_measure_refused_for_a_user_without_a_post(make_incident):
    incident = make_incident()
    nobody = get_user_model().objects.create_user("walk-in-2", password="x")
    with pytest.raises(PermissionDenied):
        first_measure_add(actor=nobody, incident=incident, at=timezone.now(), by="x", text="x")
    assert incident.first_measures.count() == 0


def test_an_unconcerned_unit_may_not_record_a_first_measure(make_incident, people):
    incident = make_incident(company=Unit.objects.get(code="demo-heat-1"))
    with pytest.raises(PermissionDenied):
        first_measure_add(
            actor=people.police,
            incident=incident,
            at=timezone.now() - timedelta(minutes=1),
            by="市公安局",
            text="x",
        )
    assert incident.first_measures.count() == 0


# ---- upward reporting log (§5.1; 《生产安全事故报告和调查处理条例》 1 h / 2 h) -----------------------------


@pytest.mark.parametrize(("sender", "hours"), [("company", 1), ("county", 2), ("city", 2)])
def test_upward_report_due_after_the_senders_deadline(sender, hours, make_incident, people):
    incident = make_incident()
    report = upward_report_log(
        actor=people.office, incident=incident, sender=sender, recipient="safety_regulator"
    )
    assert report.due_at == incident.reported_at + timedelta(hours=hours)
    assert "《生产安全事故报告和调查处理条例》" in report.deadline_rule
    assert f"{hours}小时" in report.deadline_rule
    assert report.recorded_by == people.office
    event = incident.timeline.latest("id")
    assert (event.kind, event.clause) == ("upward_report", "§5.1")
    assert "待报送" in event.summary


def test_upward_report_deadline_from_a_reference_time(make_incident, people):
    incident = make_incident()
    ref = incident.occurred_at - timedelta(minutes=10)
    report = upward_report_log(
        actor=people.office,
        incident=incident,
        sender="company",
        recipient="local_government",
        reference_at=ref,
    )
    assert report.due_at == ref + timedelta(hours=1)


def test_upward_report_keeps_an_explicit_due_time(make_incident, people):
    incident = make_incident()
    due = incident.reported_at + timedelta(minutes=30)
    report = upward_report_log(
        actor=people.office, incident=incident, sender="city", recipient="commander", due_at=due
    )
    assert report.due_at == due


@pytest.mark.parametrize(
    ("reported_hours_ago", "sent_after_reported", "late"),
    [
        (1, timedelta(minutes=90), False),  # sent within 2 h
        (3, timedelta(hours=2), False),  # sent exactly at the deadline: not late
        (3, timedelta(hours=2, minutes=1), True),  # sent after the deadline
        (3, None, True),  # not sent, deadline passed
        (1, None, False),  # not sent, still in time
    ],
    ids=["sent-in-time", "sent-at-deadline", "sent-late", "unsent-overdue", "unsent-in-time"],
)
def test_upward_report_late_flag(reported_hours_ago, sent_after_reported, late, make_incident, people):
    reported = timezone.now() - timedelta(hours=reported_hours_ago)
    incident = make_incident(occurred_at=reported, reported_at=reported)
    sent_at = reported + sent_after_reported if sent_after_reported is not None else None
    report = upward_report_log(
        actor=people.office, incident=incident, sender="city", recipient="general_duty_room", sent_at=sent_at
    )
    assert report.is_late() is late
    event = incident.timeline.latest("id")
    assert event.data["late"] is late
    assert event.at == (sent_at or event.at)
    assert ("已报送" if sent_at else "待报送") in event.summary


def test_upward_report_log_is_the_offices(make_incident, people):
    incident = make_incident()
    before = counts()
    with pytest.raises(PermissionDenied):
        upward_report_log(actor=people.police, incident=incident, sender="city", recipient="commander")
    assert counts() == before


def test_mark_sent_records_the_time_and_refuses_a_second_time(make_incident, people):
    reported = timezone.now() - timedelta(hours=3)
    incident = make_incident(occurred_at=reported, reported_at=reported)
    report = upward_report_log(actor=people.office, incident=incident, sender="city", recipient="commander")
    sent = timezone.now() - timedelta(minutes=5)
    upward_report_mark_sent(actor=people.director, report_id=report.pk, sent_at=sent)
    report.refresh_from_db()
    assert report.sent_at == sent
    assert report.is_late()  # due 2 h after the report, sent ~3 h after
    event = incident.timeline.latest("id")
    assert event.at == sent
    assert "超时" in event.summary
    assert event.data == {"report": report.pk, "late": True}

    before = counts()
    with pytest.raises(ValidationError, match="已于"):
        upward_report_mark_sent(actor=people.director, report_id=report.pk)
    report.refresh_from_db()
    assert report.sent_at == sent
    assert counts() == before


def test_mark_sent_in_time_is_not_late(make_incident, people):
    incident = make_incident()
    report = upward_report_log(actor=people.office, incident=incident, sender="city", recipient="commander")
    upward_report_mark_sent(actor=people.office, report_id=report.pk)
    report.refresh_from_db()
    assert not report.is_late()
    assert "超时" not in incident.timeline.latest("id").summary


def test_incidents_of_one_event_are_linked_and_unlinked(make_incident, people):
    from incidents.models import LinkedEvent
    from incidents.services import incident_link

    first, second = make_incident(), make_incident(title="第二起")
    incident_link(actor=people.office, incident_id=first.pk, event_name="2026年1月寒潮")
    incident_link(actor=people.office, incident_id=second.pk, event_name=" 2026年1月寒潮 ")
    event = LinkedEvent.objects.get(name="2026年1月寒潮")
    assert set(event.incidents.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert first.timeline.filter(kind="link").count() == 1
    incident_link(actor=people.office, incident_id=first.pk, event_name="")
    first.refresh_from_db()
    assert first.linked_event is None and first.timeline.filter(kind="link").count() == 2
    with pytest.raises(PermissionDenied):
        incident_link(actor=people.police, incident_id=second.pk, event_name="别的")
