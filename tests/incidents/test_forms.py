"""The report form (接报登记, §5.1): each bad value refused with a specific Chinese message and nothing
saved; 万元 converted exactly; 待核定 kept apart from 0; the htmx validate endpoint and its preview."""

from datetime import timedelta
from decimal import Decimal

import pytest

from incidents.forms import IncidentReportForm
from incidents.models import Incident
from orgchart.models import ServiceArea
from tests.support.forms import NEW, VALIDATE, at, refused, report_data

pytestmark = pytest.mark.django_db


# ---- a valid report ------------------------------------------------------------------------------


def test_valid_report_is_saved_with_its_first_measure(office):
    data = report_data(
        **{
            "measures-0-at": at(-timedelta(minutes=50)),
            "measures-0-by": "事发企业",
            "measures-0-text": "关阀",
        }
    )
    resp = office.post(NEW, data)
    assert resp.status_code == 302
    incident = Incident.objects.get(title="热力站爆管")
    assert resp["Location"] == f"/incidents/{incident.pk}/"
    assert incident.county.name == "盐湖区" and incident.service_area.is_default
    assert incident.deaths is None and not incident.deaths_pending  # empty = unknown, not 0
    assert list(incident.first_measures.values_list("by", "text")) == [("事发企业", "关阀")]
    assert incident.timeline.filter(kind="created").exists()


def test_form_defaults_reported_now_and_the_default_service_area(office):
    html = office.get(NEW).content.decode()
    area = ServiceArea.objects.get(is_default=True)
    assert f'<option value="{area.pk}" selected>' in html
    assert f'value="{at()}"' in html or f'value="{at(-timedelta(minutes=1))}"' in html
    # the seven categories with the plan's full text; 盐湖区 the first county
    assert html.count('name="category"') == 7
    assert "人为破坏、火灾及自然灾害等不可抗拒力造成的重大供热事件或供热设施严重损毁事件" in html
    counties = html.split('name="county"')[1].split("</select>")[0]
    assert counties.index("盐湖区") < counties.index("永济市") < counties.index("运城开发区")


# ---- each bad value --------------------------------------------------------------------------------


def test_missing_required_fields(office):
    data = report_data(title="", category=None, facility="", county="", description="", occurred_at="")
    resp = office.post(NEW, data)
    assert resp.status_code == 422
    html = resp.content.decode()
    for text in (
        "请填写简述。",
        "请选择事件类别。",
        "请选择受影响设施。",
        "请选择事发地县（市、区）。",
        "请填写情况描述。",
        "请填写发生时间。",
    ):
        assert text in html, text
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    "field,label",
    [
        ("deaths", "死亡人数"),
        ("serious_injuries", "重伤人数（含急性工业中毒）"),
        ("affected_households", "停热户数"),
        ("people_at_risk_peak", "涉险、被困、失联人数（峰值）"),
        ("still_trapped", "仍被困人数"),
        ("still_missing", "仍失联人数"),
        ("dead_unrecovered", "遇难未救出人数"),
    ],
)
def test_negative_count(office, field, label):
    refused(office, report_data(**{field: "-1"}), field, f"{label}不能为负数（填写的是 -1）。")


def test_negative_area(office):
    refused(office, report_data(affected_area_m2="-5"), "affected_area_m2", "停热面积不能为负数")


def test_negative_loss(office):
    refused(office, report_data(direct_loss="-3"), "direct_loss", "直接经济损失不能为负数")


def test_affected_area_above_the_service_area_total(office):
    area = ServiceArea.objects.get(is_default=True)
    too_much = area.heated_area_m2 + 1
    refused(
        office,
        report_data(affected_area_m2=str(too_much)),
        "affected_area_m2",
        "超过了“运城市城市建成区”的供热面积 32,000,000 平方米",
    )


@pytest.mark.parametrize(
    "field,label",
    [
        ("occurred_at", "发生时间"),
        ("reported_at", "接报时间"),
        ("outage_started_at", "停热开始时间"),
        ("restored_at", "恢复供热时间"),
    ],
)
def test_time_in_the_future(office, field, label):
    data = report_data(**{field: at(timedelta(hours=1))})
    if field == "occurred_at":
        data["reported_at"] = at(timedelta(hours=2))  # keep the order right: only "future" is wrong
    if field == "restored_at":
        data["outage_started_at"] = at(-timedelta(hours=1))
    html = refused(office, data, field, f"{label}（")
    assert "晚于现在，请核对。" in html


def test_first_measure_in_the_future(office):
    data = report_data(
        **{"measures-0-at": at(timedelta(hours=1)), "measures-0-by": "企业", "measures-0-text": "抢修"}
    )
    refused(office, data, "at", "先期处置时间（", "晚于现在")


def test_estimated_restoration_may_lie_in_the_future(office):
    data = report_data(
        outage_started_at=at(-timedelta(hours=1)), estimated_restoration_at=at(timedelta(hours=20))
    )
    assert office.post(NEW, data).status_code == 302


def test_occurred_after_reported(office):
    data = report_data(occurred_at=at(-timedelta(minutes=10)), reported_at=at(-timedelta(hours=1)))
    refused(office, data, "occurred_at", "晚于接报时间", "事件须先发生后接报")


def test_restored_before_outage_start(office):
    data = report_data(outage_started_at=at(-timedelta(hours=1)), restored_at=at(-timedelta(hours=2)))
    refused(office, data, "restored_at", "恢复供热时间（", "早于停热开始时间（")


def test_estimated_restoration_before_outage_start(office):
    data = report_data(
        outage_started_at=at(-timedelta(hours=1)), estimated_restoration_at=at(-timedelta(hours=2))
    )
    refused(office, data, "estimated_restoration_at", "预计恢复供热时间（", "早于停热开始时间")


def test_restored_without_outage_start(office):
    refused(
        office,
        report_data(restored_at=at(-timedelta(minutes=5))),
        "restored_at",
        "填写了恢复供热时间，请同时填写停热开始时间",
    )


@pytest.mark.parametrize(
    "field,label",
    [
        ("still_trapped", "仍被困人数"),
        ("still_missing", "仍失联人数"),
        ("dead_unrecovered", "遇难未救出人数"),
    ],
)
def test_still_above_the_peak(office, field, label):
    data = report_data(people_at_risk_peak="2", **{field: "3"})
    refused(office, data, field, f"{label}（3）不能大于涉险、被困、失联人数峰值（2）。")


def test_trapped_and_missing_together_above_the_peak(office):
    data = report_data(people_at_risk_peak="3", still_trapped="2", still_missing="2")
    refused(
        office, data, "still_missing", "仍被困（2）与仍失联（2）人数之和 4 大于涉险、被困、失联人数峰值（3）"
    )


def test_incomplete_first_measure(office):
    data = report_data(**{"measures-0-text": "关闭阀门"})
    refused(office, data, "at", "请填写先期处置的时间。", "请填写先期处置的实施单位。")


def test_loss_in_wan_with_too_many_decimals(office):
    refused(office, report_data(direct_loss="1.1234567"), "direct_loss", "以万元填写时最多保留6位小数")


def test_loss_in_yuan_with_too_many_decimals(office):
    refused(
        office,
        report_data(direct_loss="10.123", direct_loss_unit="yuan"),
        "direct_loss",
        "以元填写时最多保留2位小数",
    )


def test_not_a_number(office):
    refused(office, report_data(deaths="两"), "deaths", "死亡人数须为整数。")


# ---- money, pending figures -------------------------------------------------------------------


def test_wan_converts_to_yuan_exactly():
    form = IncidentReportForm(report_data(direct_loss="1234.5678", direct_loss_unit="wan"))
    assert form.is_valid(), form.errors
    value = form.incident_data()["direct_loss_yuan"]
    assert value == Decimal("12345678.00") and isinstance(value, Decimal)
    assert str(value) == "12345678.00"


def test_smallest_wan_is_one_fen():
    form = IncidentReportForm(report_data(direct_loss="0.000001", direct_loss_unit="wan"))
    assert form.is_valid(), form.errors
    assert form.incident_data()["direct_loss_yuan"] == Decimal("0.01")


def test_yuan_are_kept_as_entered():
    form = IncidentReportForm(report_data(direct_loss="9999999.99", direct_loss_unit="yuan"))
    assert form.is_valid(), form.errors
    assert form.incident_data()["direct_loss_yuan"] == Decimal("9999999.99")


def test_saved_loss_in_wan_is_exact(office):
    assert office.post(NEW, report_data(direct_loss="1234.5678")).status_code == 302
    assert Incident.objects.get().direct_loss_yuan == Decimal("12345678.00")


def test_pending_figure_is_not_zero(office):
    data = report_data(deaths="2", deaths_pending="on", serious_injuries_pending="on")
    assert office.post(NEW, data).status_code == 302
    incident = Incident.objects.get()
    assert incident.deaths == 2 and incident.deaths_pending
    assert incident.serious_injuries is None and incident.serious_injuries_pending
    assert incident.grade()[0] is None and incident.grade_if_confirmed() == "general"
    html = office.get(f"/incidents/{incident.pk}/").content.decode()
    assert "暂定" in html and "核定后为一般事故" in html


# ---- permissions -------------------------------------------------------------------------------


def test_a_unit_liaison_may_report(client, demo, user_of):
    client.force_login(user_of("police"))
    assert client.get(NEW).status_code == 200
    assert client.post(NEW, report_data()).status_code == 302


@pytest.mark.parametrize("role", ["commander", "general"])
def test_who_may_not_report_gets_403(client, demo, user_of, role):
    client.force_login(user_of(role))
    resp = client.get(NEW)
    assert resp.status_code == 403 and "接报、登记事件" in resp.content.decode()
    assert client.post(NEW, report_data()).status_code == 403
    assert client.post(VALIDATE, report_data(), headers={"HX-Request": "true"}).status_code == 403
    assert Incident.objects.count() == 0


def test_report_needs_a_login(client, demo):
    resp = client.get(NEW)
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")


# ---- live validation (htmx) ----------------------------------------------------------------------


def test_validate_returns_the_form_partial_with_errors_and_saves_nothing(office):
    data = report_data(title="", deaths="-2")
    resp = office.post(VALIDATE, data, headers={"HX-Request": "true"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "<html" not in html and 'id="report"' in html and 'id="report-form"' in html
    assert 'hx-trigger="change delay:300ms"' in html
    assert "死亡人数不能为负数（填写的是 -2）。" in html
    assert "请填写简述。" not in html  # what is still empty is said on 登记, not while typing
    assert 'value="-2"' in html  # values kept as typed
    assert Incident.objects.count() == 0


def test_validate_previews_grade_and_recommendation(office):
    area = ServiceArea.objects.get(is_default=True)
    data = report_data(
        outage_started_at=at(-timedelta(hours=1)),
        estimated_restoration_at=at(timedelta(hours=29)),
        affected_area_m2=str(area.heated_area_m2 * Decimal("0.4")),
        people_at_risk_peak="2",
        still_trapped="2",
        serious_injuries="1",
    )
    html = office.post(VALIDATE, data, headers={"HX-Request": "true"}).content.decode()
    preview = html.split('data-testid="preview"')[1]
    assert "Ⅲ级" in preview and "确定" in preview
    assert '<span class="clause">附件4 Ⅲ(1)</span>' in preview and "附件4 Ⅲ(3)" in preview
    assert "一般事故" in preview and "40%" in preview and "演示" in preview
    assert "可依第4项立即启动" in preview
    assert Incident.objects.count() == 0


def test_validate_preview_is_provisional_before_24_hours(office):
    area = ServiceArea.objects.get(is_default=True)
    data = report_data(
        outage_started_at=at(-timedelta(hours=1)),
        estimated_restoration_at=at(timedelta(hours=19)),
        affected_area_m2=str(area.heated_area_m2 * Decimal("0.4")),
    )
    preview = office.post(VALIDATE, data, headers={"HX-Request": "true"}).content.decode()
    assert "暂定：条件已满足，待满24小时" in preview and "还需" in preview
    hours = preview.split('data-testid="preview-hours">')[1].split("</dd>")[0]
    assert "已停热 1 小时 0 分" in hours or "已停热 0 小时 59 分" in hours  # DOMAIN §6: elapsed
    assert "预计共 20 小时" in hours and "预计超过24小时" not in hours  # the estimate apart


def test_add_a_first_measure_row(office):
    html = office.post(
        VALIDATE, report_data(add_measure="1"), headers={"HX-Request": "true"}
    ).content.decode()
    assert html.count('data-testid="measure-row"') == 2
    assert 'name="measures-TOTAL_FORMS" value="2"' in html
    # without JavaScript the same button posts to the form itself: a row more, nothing saved
    resp = office.post(NEW, report_data(add_measure="1"))
    assert resp.status_code == 200 and resp.content.decode().count('data-testid="measure-row"') == 2
    assert Incident.objects.count() == 0


def test_invalid_submit_keeps_the_first_measures(office):
    data = report_data(
        title="",
        **{
            "measures-0-at": at(-timedelta(minutes=5)),
            "measures-0-by": "企业",
            "measures-0-text": "关阀抢修",
        },
    )
    html = office.post(NEW, data).content.decode()
    assert "关阀抢修" in html and "请填写简述。" in html
