"""Facts the Incident derives from its figures (DOMAIN.md §2–3): outage share, outage length, when the
24-hour criterion is met, the grade from verified figures, and the recommendation at a given moment."""

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from incidents.choices import AccidentGrade, ResponseLevel
from orgchart.models import ServiceArea

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 1, 10, 8, 0, tzinfo=SHANGHAI)  # the outage starts


@pytest.fixture
def area(demo):
    """A service area with a known total (the default one's total is demo data)."""
    area = ServiceArea.objects.create(
        code="test-area", name="测试供热区域", heated_area_m2=Decimal("40000000")
    )
    area.counties.set(ServiceArea.objects.get(is_default=True).counties.all())  # it must cover the county
    return area


@pytest.fixture
def outage(make_incident, area):
    """make(**fields): an incident in ``area`` whose outage started at T (reported 10 minutes later)."""

    def make(**fields):
        data = {
            "service_area": area,
            "occurred_at": T,
            "reported_at": T + timedelta(minutes=10),
            "outage_started_at": T,
        }
        data.update(fields)
        return make_incident(**data)

    return make


# ---- outage share (附件4(1)) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("affected", "share"),
    [
        ("10000000", Fraction(1, 4)),
        ("20000000", Fraction(1, 2)),
        ("9999999.99", Fraction(Decimal("9999999.99")) / 40000000),  # just below a quarter, exactly
        ("40000000", Fraction(1)),
        ("0", Fraction(0)),
    ],
)
def test_outage_share_is_exact(affected, share, outage):
    incident = outage(affected_area_m2=Decimal(affected))
    assert isinstance(incident.outage_share, Fraction)
    assert incident.outage_share == share


def test_outage_share_just_below_a_quarter_is_below_a_quarter(outage):
    assert outage(affected_area_m2=Decimal("9999999.99")).outage_share < Fraction(1, 4)


def test_outage_share_is_capped_at_one(outage):
    incident = outage(affected_area_m2=Decimal("40000000"))
    incident.affected_area_m2 = Decimal("50000000")  # e.g. the area's total was lowered after the report
    assert incident.outage_share == 1
    assert incident.outage_area_exceeds_total is True  # the page flags the data error
    assert outage(affected_area_m2=Decimal("40000000")).outage_area_exceeds_total is False


def test_outage_share_unknown_without_the_affected_area(outage):
    assert outage(affected_area_m2=None).outage_share is None


def test_outage_share_unknown_without_the_service_area_total(outage, area):
    area.heated_area_m2 = None  # (a zero total is refused by the service_area_positive_area constraint)
    area.save()
    assert outage(affected_area_m2=Decimal("1000")).outage_share is None


# ---- unrestored hours, firm_at (DOMAIN.md §3) ----------------------------------------------------------


def test_unrestored_hours_once_restored_is_restored_minus_start(outage):
    incident = outage(
        restored_at=T + timedelta(hours=10, minutes=30), estimated_restoration_at=T + timedelta(hours=40)
    )
    assert incident.unrestored_hours(now=T + timedelta(hours=100)) == Fraction(21, 2)


def test_unrestored_hours_before_restoration_uses_now_when_later(outage):
    incident = outage(estimated_restoration_at=T + timedelta(hours=5))
    assert incident.unrestored_hours(now=T + timedelta(hours=7, minutes=20)) == Fraction(22, 3)


def test_unrestored_hours_before_restoration_uses_the_estimate_when_later(outage):
    incident = outage(estimated_restoration_at=T + timedelta(hours=30))
    assert incident.unrestored_hours(now=T + timedelta(hours=2)) == 30


def test_unrestored_hours_without_an_estimate_is_now_minus_start(outage):
    assert outage().unrestored_hours(now=T + timedelta(hours=23, minutes=59)) == Fraction(1439, 60)


def test_unrestored_hours_without_an_outage_is_none(make_incident):
    assert make_incident().unrestored_hours() is None


def test_firm_at_is_24_hours_after_the_outage_start(outage, make_incident):
    assert outage().firm_at() == T + timedelta(hours=24)
    assert make_incident().firm_at() is None


def test_the_recommendation_becomes_firm_at_firm_at(outage):
    incident = outage(affected_area_m2=Decimal("10000000"))
    firm_at = incident.firm_at()
    assert incident.recommendation(now=firm_at - timedelta(seconds=1)).status == "provisional"
    assert incident.recommendation(now=firm_at).status == "firm"


# ---- grade from verified figures (附件5; 待核定 is not 0) ----------------------------------------------------


def test_grade_from_verified_figures(make_incident):
    incident = make_incident(deaths=3, serious_injuries=0, direct_loss_yuan=Decimal("0"))
    grade, reasons = incident.grade()
    assert grade == AccidentGrade.LARGER
    assert len(reasons) == 1 and reasons[0].startswith("附件5 较大：死亡")
    assert incident.grade_provisional is False
    assert incident.grade_if_confirmed() == AccidentGrade.LARGER


def test_a_pending_figure_is_left_out_and_the_grade_is_provisional(make_incident):
    incident = make_incident(deaths=3, deaths_pending=True, serious_injuries=2)
    grade, reasons = incident.grade()
    assert grade == AccidentGrade.GENERAL  # from the verified 2 serious injuries only
    assert len(reasons) == 1 and reasons[0].startswith("附件5 一般：重伤（含急性工业中毒）")
    assert incident.grade_provisional is True
    assert incident.grade_if_confirmed() == AccidentGrade.LARGER


@pytest.mark.parametrize(
    ("fields", "confirmed"),
    [
        ({"direct_loss_yuan": Decimal("20000000"), "direct_loss_pending": True}, AccidentGrade.LARGER),
        ({"serious_injuries": 60, "serious_injuries_pending": True}, AccidentGrade.MAJOR),
        ({"deaths": None, "deaths_pending": True}, None),
    ],
    ids=["loss-pending", "injuries-pending", "deaths-unknown-pending"],
)
def test_only_pending_figures_give_no_grade_yet(fields, confirmed, make_incident):
    incident = make_incident(**fields)
    assert incident.grade() == (None, [])
    assert incident.grade_provisional is True
    assert incident.grade_if_confirmed() == confirmed


def test_no_casualties_and_no_loss_is_no_accident(make_incident):
    incident = make_incident(deaths=0, serious_injuries=0, direct_loss_yuan=Decimal("0"))
    assert incident.grade() == (None, [])
    assert incident.grade_if_confirmed() is None


def test_a_pending_figure_does_not_drive_the_recommendation(outage):
    incident = outage(deaths=3, deaths_pending=True)
    rec = incident.recommendation(now=T + timedelta(hours=30))
    assert rec.level is None and rec.status == "none"
    assert incident.grade_if_confirmed() == AccidentGrade.LARGER


def test_pending_deaths_still_offer_immediate_activation(outage):
    """DOMAIN.md §3: where people are dead, "可依第4项立即启动" — a 待核定 death count is not 0 (§2)."""
    incident = outage(deaths=3, deaths_pending=True)
    assert incident.recommendation(now=T + timedelta(hours=1)).immediate_option is True


# ---- the recommendation at a given moment (附件4: 且24小时以上不能恢复供热) ---------------------------------


def test_recommendation_is_provisional_at_23_59_and_firm_at_24_00(outage):
    incident = outage(affected_area_m2=Decimal("10000000"))  # 1/4: 附件4 Ⅲ(1)
    before = incident.recommendation(now=T + timedelta(hours=23, minutes=59))
    assert before.status == "provisional"
    assert before.firm is False
    assert before.level == ResponseLevel.III
    assert before.hours_until_firm == Fraction(1, 60)
    assert before.clauses == ("附件4 Ⅲ(1)",)

    at = incident.recommendation(now=T + timedelta(hours=24))
    assert at.status == "firm"
    assert at.firm is True
    assert at.level == ResponseLevel.III
    assert at.hours_until_firm is None


def test_an_estimate_beyond_24_hours_makes_it_firm_at_once(outage):
    incident = outage(affected_area_m2=Decimal("20000000"), estimated_restoration_at=T + timedelta(hours=36))
    rec = incident.recommendation(now=T + timedelta(hours=1))
    assert (rec.status, rec.level) == ("firm", ResponseLevel.II)


def test_restored_before_24_hours_lapses(outage):
    incident = outage(affected_area_m2=Decimal("10000000"), restored_at=T + timedelta(hours=10))
    rec = incident.recommendation(now=T + timedelta(hours=30))
    assert rec.status == "lapsed"
    assert rec.level is None
    assert rec.matched_level == ResponseLevel.III  # the conditions matched; the 24 h did not hold


def test_restored_after_24_hours_stays_firm(outage):
    incident = outage(affected_area_m2=Decimal("10000000"), restored_at=T + timedelta(hours=25))
    rec = incident.recommendation(now=T + timedelta(hours=100))
    assert (rec.status, rec.level) == ("firm", ResponseLevel.III)


def test_no_outage_means_no_level(make_incident):
    incident = make_incident(deaths=3)
    rec = incident.recommendation()
    assert rec.status == "no_outage"
    assert rec.level is None
    assert rec.matched_level == ResponseLevel.II


def test_recommendation_uses_the_verified_grade_and_the_people_peak(outage):
    incident = outage(deaths=1, people_at_risk_peak=4)  # 一般 → Ⅳ(2); 4 people → Ⅱ(3)
    rec = incident.recommendation(now=T + timedelta(hours=24))
    assert rec.level == ResponseLevel.II
    assert set(rec.clauses) == {"附件4 Ⅱ(3)", "附件4 Ⅳ(2)"}
    assert rec.immediate_option is True
