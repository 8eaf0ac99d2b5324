"""The incident list and the incident page: filters, what each page shows for each demo role, the state
actions (allowed, refused, stale), follow-ups, the reporting log, the polled recommendation, and a
constant number of SQL queries whatever the number of incidents, timeline events, follow-ups, reports."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import FirstMeasure, Incident, TimelineEvent, UpwardReport
from orgchart.models import County, ServiceArea
from tests.support.incidents import (
    assign_unit,
    ensure_plan_version,
    follow_up_data,
    report_data,
    settle_aftermath,
)
from tests.support.incidents import report_incident as make_incident

pytestmark = pytest.mark.django_db

ROLES = ["office", "director", "commander", "general", "police"]


def set_state(incident, state, level=None, **extra):
    Incident.objects.filter(pk=incident.pk).update(state=state, level=level, **extra)
    incident.refresh_from_db()
    return incident


def messages_of(resp):
    return [str(m) for m in resp.context["messages"]] if resp.context else []


def rows(html):
    return html.count('data-testid="incident-row"')


# ---- nav, pages for each role ----------------------------------------------------------------------


def test_nav_has_incidents_before_the_org_chart(as_user):
    html = as_user("police").get("/", follow=True).content.decode()
    assert 'href="/incidents/"' in html
    assert html.index(">事件<") < html.index(">组织体系<")


@pytest.mark.parametrize("role", ROLES)
def test_pages_for_each_role(as_user, user_of, role):
    client = as_user(role)
    incident = make_incident(user_of("office"))
    if role == "police":  # a member unit reads the incidents its unit works on (issue 16, finding 7)
        assign_unit(incident, "public_security")
    assert client.get("/incidents/").status_code == 200
    detail = client.get(f"/incidents/{incident.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "热力站爆管" in html and incident.ref in html
    new = client.get("/incidents/new/")
    list_html = client.get("/incidents/").content.decode()
    if role in ("office", "director", "police"):  # incident.report: the office and unit people (§5.1)
        assert new.status_code == 200 and 'data-testid="report-button"' in list_html
    else:
        assert new.status_code == 403 and 'data-testid="report-button"' not in list_html
    # buttons: only the moves allowed to this person in this state (reported → start assessment)
    if role in ("office", "director"):
        assert 'data-testid="move-start_assessment"' in html and 'data-testid="move-dismiss"' in html
    else:
        assert 'data-testid="move-' not in html and 'data-testid="no-moves"' in html
    # forms of the office only (续报 also for the units the incident concerns)
    assert ('data-testid="report-log-form"' in html) == (role in ("office", "director"))
    # 续报 by the office and by a unit on the incident (DOMAIN.md §5)
    assert ('data-testid="follow-up-form"' in html) == (role in ("office", "director", "police"))


def test_pages_need_a_login(client, demo, user_of):
    incident = make_incident(user_of("office"))
    for url in ("/incidents/", f"/incidents/{incident.pk}/", "/incidents/new/"):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/login/"), url


def test_unknown_incident_is_404(as_user):
    assert as_user("police").get("/incidents/999999/").status_code == 404


@pytest.mark.parametrize(
    "role,state,level,buttons,absent",
    [
        ("director", "assessing", None, ["activate-3", "activate-4"], ["activate-2", "activate-1"]),
        # a higher authority may do what a lower one may (§2、§5.3, reading); never the reverse
        ("commander", "assessing", None, ["activate-2", "activate-3", "activate-4"], ["activate-1"]),
        (
            "general",
            "assessing",
            None,
            ["activate-1", "activate-2", "activate-4"],
            ["move-close_without_response"],
        ),
        ("office", "assessing", None, ["move-close_without_response", "move-dismiss"], ["activate-"]),
        ("director", "responding", 4, ["change_level-3", "move-end_response"], ["change_level-2"]),
        (
            "commander",
            "responding",
            2,
            ["change_level-3", "change_level-4", "move-end_response"],
            ["activate-"],
        ),
        ("director", "responding", 2, [], ["move-end_response", "change_level-"]),
        ("director", "dismissed", None, ["move-reopen", "move-archive"], ["move-dismiss"]),
        ("office", "dismissed", None, ["move-archive"], ["move-reopen"]),
    ],
)
def test_buttons_are_the_allowed_moves(as_user, user_of, role, state, level, buttons, absent):
    incident = set_state(make_incident(user_of("office")), state, level)
    html = as_user(role).get(f"/incidents/{incident.pk}/").content.decode()
    for b in buttons:
        assert f'data-testid="{b}' in html, b
    for b in absent:
        assert f'data-testid="{b}' not in html, b


# ---- the incident page -----------------------------------------------------------------------------


def test_page_shows_facts_grade_recommendation_and_clock(as_user, user_of):
    area = ServiceArea.objects.get(is_default=True)
    now = timezone.now()
    incident = make_incident(
        user_of("office"),
        is_drill=True,
        outage_started_at=now - timedelta(hours=1),
        estimated_restoration_at=now + timedelta(hours=29),
        affected_area_m2=area.heated_area_m2 * Decimal("0.4"),
        people_at_risk_peak=2,
        still_trapped=2,
        deaths=3,
        deaths_pending=True,
        serious_injuries=1,
        direct_loss_yuan=Decimal("12345678.00"),
        direct_loss_pending=True,
    )
    html = as_user("general").get(f"/incidents/{incident.pk}/").content.decode()
    assert "【演练】" in html and "已接报" in html
    rec = html.split('data-testid="recommendation"')[1].split("</section>")[0]
    assert "Ⅲ级" in rec and "确定" in rec and '<span class="clause">附件4 Ⅲ(1)</span>' in rec
    assert "附件4 Ⅲ(3)" in rec and "附件4 Ⅳ(2)" in rec  # 一般 from the verified figure: Ⅳ(2)
    assert '<span class="reading-label">解读</span>' in rec
    assert (
        "可依第4项立即启动" in rec and "运城市城市建成区" in rec and "32,000,000" in rec and ">演示<" in rec
    )
    # polled every minute; static/js/app.js skips a [data-poll] poll while the tab is hidden (no eval: CSP)
    assert 'hx-trigger="every 60s, poll-visible from:document" data-poll' in rec
    assert "1 小时 0 分" in rec or "0 小时 59 分" in rec
    # DOMAIN §6 "Hours without heat": elapsed 1 h, the estimate apart (issue 17 point 8)
    clock = html.split('data-testid="clock"')[1].split("</div>")[0]
    elapsed = clock.split('data-testid="clock-elapsed">')[1].split("<")[0]
    assert elapsed in ("1 小时 0 分", "0 小时 59 分")
    assert "预计共 30 小时 0 分" in clock and (
        "预计再需 28 小时 59 分" in clock or "预计再需 29 小时 0 分" in clock
    )
    assert "预计超过24小时（按预计恢复时间）：建议确定。" in clock
    grade = html.split('data-testid="grade"')[1].split("</section>")[0]
    assert (
        "一般事故" in grade
        and "暂定" in grade
        and '<span class="clause">附件5 一般</span> 重伤（含急性工业中毒）1人以上（本事件 1 人）' in grade
    )
    assert "死亡人数、直接经济损失待核定，未计入" in grade and "核定后为较大事故" in grade
    facts = html.split('data-testid="facts"')[1]
    assert "12,345,678 元" in facts and "待核定" in facts


def test_grade_changes_when_pending_figures_are_confirmed(as_user, user_of):
    incident = make_incident(user_of("office"), deaths=12, deaths_pending=True, serious_injuries=1)
    grade = (
        as_user("general").get(f"/incidents/{incident.pk}/").content.decode().split('data-testid="grade"')[1]
    )
    assert "一般事故" in grade and "暂定" in grade and "核定后为重大事故" in grade


def test_provisional_recommendation_alternatives_and_lapsed(as_user, user_of):
    now = timezone.now()
    office = user_of("office")
    provisional = make_incident(
        office,
        outage_started_at=now - timedelta(hours=2),
        serious_injuries=12,  # 较大 → Ⅱ(2), alt Ⅰ(2)
    )
    rec = as_user("general").get(f"/incidents/{provisional.pk}/").content.decode()
    rec = rec.split('data-testid="recommendation"')[1].split("</section>")[0]
    assert "Ⅱ级" in rec and "暂定：条件已满足，待满24小时" in rec and "附件4 Ⅱ(2)" in rec
    assert 'data-testid="rec-alternatives"' in rec and "附件4 Ⅰ(2)" in rec and "还需 21 小时" in rec
    lapsed = make_incident(
        office,
        title="已恢复",
        outage_started_at=now - timedelta(hours=5),
        restored_at=now - timedelta(hours=1),
        serious_injuries=12,
    )
    rec = as_user("general").get(f"/incidents/{lapsed.pk}/").content.decode()
    assert "已失效：24小时内已恢复供热" in rec and "停热持续" in rec and "4 小时 0 分" in rec


def test_recommendation_partial_turns_firm_at_24_hours(as_user, user_of):
    area = ServiceArea.objects.get(is_default=True)
    incident = make_incident(user_of("office"), affected_area_m2=area.heated_area_m2 / 10)
    client = as_user("general")
    url = f"/incidents/{incident.pk}/recommendation/"

    Incident.objects.filter(pk=incident.pk).update(
        outage_started_at=timezone.now() - timedelta(hours=23, minutes=59)
    )
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and 'id="recommendation"' in html
    assert "暂定：条件已满足，待满24小时" in html and "Ⅳ级" in html and "还需 0 小时" in html
    assert "every 60s" in html  # keeps polling

    Incident.objects.filter(pk=incident.pk).update(outage_started_at=timezone.now() - timedelta(hours=24))
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "暂定" not in html and "确定" in html and "已满24小时：建议确定。" in html
    assert "附件4 Ⅳ(1)" in html


def test_recommendation_without_htmx_goes_to_the_page(as_user, user_of):
    incident = make_incident(user_of("office"))
    resp = as_user("general").get(f"/incidents/{incident.pk}/recommendation/")
    assert resp.status_code == 302 and resp["Location"] == f"/incidents/{incident.pk}/#recommendation"


def test_polling_after_the_session_ended_reloads_the_page(client, demo, user_of):
    incident = make_incident(user_of("office"))
    resp = client.get(f"/incidents/{incident.pk}/recommendation/", headers={"HX-Request": "true"})
    assert resp.status_code == 200 and resp["HX-Refresh"] == "true"
    live = client.post("/incidents/new/validate/", {"title": "x"}, headers={"HX-Request": "true"})
    assert live.status_code == 204


def test_closed_incident_stops_polling(as_user, user_of):
    incident = set_state(make_incident(user_of("office")), "dismissed")
    html = as_user("general").get(f"/incidents/{incident.pk}/").content.decode()
    assert "every 60s" not in html


# ---- state actions -------------------------------------------------------------------------------

ALLOWED = [
    ("start_assessment", "reported", None, "office", {}, "assessing", None),
    ("activate", "assessing", None, "director", {"level": "3", "reason": "第4项：研判决定"}, "responding", 3),
    (
        "activate",
        "assessing",
        None,
        "commander",
        {"level": "2", "reason": "第4项：研判决定"},
        "responding",
        2,
    ),
    ("activate", "assessing", None, "general", {"level": "1", "reason": "第4项：研判决定"}, "responding", 1),
    ("change_level", "responding", 4, "director", {"level": "3", "reason": "停热面积扩大"}, "responding", 3),
    ("change_level", "responding", 3, "director", {"level": "4", "reason": "已大部恢复"}, "responding", 4),
    ("end_response", "responding", 3, "director", {}, "response_ended", 3),
    ("begin_aftermath", "response_ended", 3, "office", {}, "aftermath", 3),
    ("archive", "aftermath", 3, "office", {}, "archived", 3),
    (
        "close_without_response",
        "assessing",
        None,
        "office",
        {"reason": "2小时内已恢复"},
        "handled_without_response",
        None,
    ),
    ("dismiss", "reported", None, "office", {"reason": "误报"}, "dismissed", None),
    ("reopen", "handled_without_response", None, "director", {"reason": "再次停热"}, "assessing", None),
]


@pytest.mark.parametrize("move,state,level,role,data,new_state,new_level", ALLOWED)
def test_state_action_allowed(as_user, user_of, move, state, level, role, data, new_state, new_level):
    incident = set_state(make_incident(user_of("office")), state, level, hazards_controlled=True)
    if move == "archive":
        settle_aftermath(incident, user_of("office"))  # the archive gate (§7; tests/aftermath)
    client = as_user(role)
    resp = client.post(
        f"/incidents/{incident.pk}/move/{move}/",
        {"expected_state": state, "expected_level": level or "", **data},
        follow=True,
    )
    assert resp.status_code == 200
    incident.refresh_from_db()
    assert (incident.state, incident.level) == (new_state, new_level)
    event = incident.timeline.exclude(kind="command").get()  # + the §7.1 items, the gate's records
    assert event.actor == user_of(role) and event.from_state == state and event.to_state == new_state
    assert event.reason == data.get("reason", "")
    assert any("已" in m for m in messages_of(resp))
    html = resp.content.decode()
    timeline = html.split('data-testid="timeline"')[1]
    assert event.summary in timeline and event.clause in timeline and event.actor_name in timeline


REFUSED = [
    ("start_assessment", "reported", None, "police", {}, "按预案§5.1、附件1，“启动研判”须由"),
    ("activate", "assessing", None, "office", {"level": "3"}, "“启动Ⅲ级响应”须由"),
    ("activate", "assessing", None, "director", {"level": "2"}, "“启动Ⅱ级响应”须由"),
    ("activate", "assessing", None, "commander", {"level": "1"}, "“启动Ⅰ级响应”须由"),
    (
        "end_response",
        "responding",
        2,
        "director",
        {},
        "“结束Ⅰ级、Ⅱ级响应（本事件现场指挥部指挥长；尚未记录的，由指挥长）”须由",
    ),
    ("reopen", "dismissed", None, "office", {"reason": "再看看"}, "“重新打开已结束的事件”须由"),
    ("close_without_response", "assessing", None, "office", {"reason": ""}, "须写明理由"),
    ("archive", "reported", None, "office", {}, "事件当前为“已接报”，不能“归档”。"),
    ("archive", "aftermath", 3, "office", {}, "不能归档（§7）：办公室总结尚未提交（§7.2）"),
]


@pytest.mark.parametrize("move,state,level,role,data,message", REFUSED)
def test_state_action_refused(as_user, user_of, move, state, level, role, data, message):
    incident = set_state(make_incident(user_of("office")), state, level, hazards_controlled=True)
    if role == "police":  # a unit on the incident: it reads it, and is refused the move
        assign_unit(incident, "public_security")
    resp = as_user(role).post(
        f"/incidents/{incident.pk}/move/{move}/",
        {"expected_state": state, "expected_level": level or "", **data},
        follow=True,
    )
    assert any(message in m for m in messages_of(resp)), messages_of(resp)
    assert message in resp.content.decode()  # shown on the page
    incident.refresh_from_db()
    assert (incident.state, incident.level) == (state, level)
    assert not incident.timeline.exists()


def test_end_response_refused_while_people_are_trapped(as_user, user_of):
    incident = set_state(
        make_incident(user_of("office"), people_at_risk_peak=2), "responding", 3, still_trapped=1
    )
    html = as_user("director").get(f"/incidents/{incident.pk}/").content.decode()
    assert "✗</span> 仍被困人数为0" in html
    resp = as_user("director").post(
        f"/incidents/{incident.pk}/move/end_response/",
        {"expected_state": "responding", "expected_level": "3"},
        follow=True,
    )
    assert any("不能结束响应（§5.3.6）：仍有 1 人被困" in m for m in messages_of(resp))
    incident.refresh_from_db()
    assert incident.state == "responding"


def test_stale_expected_state_is_refused(as_user, user_of):
    incident = set_state(make_incident(user_of("office")), "assessing")
    resp = as_user("office").post(
        f"/incidents/{incident.pk}/move/dismiss/",
        {"expected_state": "reported", "reason": "误报"},
        follow=True,
    )
    assert any("操作未执行：事件状态已变为“研判中”" in m for m in messages_of(resp))
    incident.refresh_from_db()
    assert incident.state == "assessing" and not incident.timeline.exists()


def test_stale_level_is_refused(as_user, user_of):
    incident = set_state(make_incident(user_of("office")), "responding", 3)
    resp = as_user("director").post(
        f"/incidents/{incident.pk}/move/change_level/",
        {"expected_state": "responding", "expected_level": "4", "level": "4", "reason": "x"},
        follow=True,
    )
    assert any("响应级别已被他人调整" in m for m in messages_of(resp))
    incident.refresh_from_db()
    assert incident.level == 3


def test_missing_expected_state_is_refused(as_user, user_of):
    incident = make_incident(user_of("office"))
    resp = as_user("office").post(f"/incidents/{incident.pk}/move/start_assessment/", {}, follow=True)
    assert any("页面已过期" in m for m in messages_of(resp))
    incident.refresh_from_db()
    assert incident.state == "reported"


def test_dismiss_as_duplicate_of_another_incident(as_user, user_of):
    office = user_of("office")
    original = make_incident(office, title="原事件")
    duplicate = make_incident(office, title="重复")
    client = as_user("office")
    resp = client.post(
        f"/incidents/{duplicate.pk}/move/dismiss/",
        {"expected_state": "reported", "reason": "重复报告", "merged_into": "999999"},
        follow=True,
    )
    assert any("没有编号为 999999 的事件" in m for m in messages_of(resp))
    resp = client.post(
        f"/incidents/{duplicate.pk}/move/dismiss/",
        {"expected_state": "reported", "reason": "重复报告", "merged_into": original.ref},
        follow=True,
    )
    duplicate.refresh_from_db()
    assert duplicate.state == "dismissed" and duplicate.merged_into == original
    assert f'已合并至 <a href="/incidents/{original.pk}/">' in resp.content.decode()


def test_condition_4_prefills_the_activation_reason(as_user, user_of):
    incident = set_state(
        make_incident(
            user_of("office"),
            outage_started_at=timezone.now() - timedelta(hours=1),
            people_at_risk_peak=2,
            still_trapped=2,
        ),
        "assessing",
    )
    html = as_user("director").get(f"/incidents/{incident.pk}/").content.decode()
    actions = html.split('data-testid="actions"')[1].split("</section>")[0]
    assert (
        "依附件4 Ⅲ(4)（市指挥部认为需要启动的其他情形）立即启动：涉险、被困、失联 2 人，仍被困 2 人"
        in actions
    )
    assert 'class="btn btn-lg level-btn level-3 suggested"' in actions


def test_activate_at_the_firm_recommendation_needs_no_reason(as_user, user_of):
    area = ServiceArea.objects.get(is_default=True)
    incident = set_state(
        make_incident(
            user_of("office"),
            outage_started_at=timezone.now() - timedelta(hours=25),
            affected_area_m2=area.heated_area_m2 * Decimal("0.3"),
        ),
        "assessing",
    )
    client = as_user("director")
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "按附件4确定的建议级别启动可不填" in html and "（建议）" in html
    url = f"/incidents/{incident.pk}/move/activate/"
    resp = client.post(url, {"expected_state": "assessing", "expected_level": "", "level": "4"}, follow=True)
    # below the firm Ⅲ: a deviation, with a written reason (附件4, reading)
    assert any("附件4确定建议为Ⅲ级" in m and "偏离" in m and "解读" in m for m in messages_of(resp))
    client.post(url, {"expected_state": "assessing", "expected_level": "", "level": "3"})
    incident.refresh_from_db()
    assert (incident.state, incident.level) == ("responding", 3)
    assert "附件4 Ⅲ(1)" in incident.timeline.get().clause


def test_unknown_move_is_404(as_user, user_of):
    incident = make_incident(user_of("office"))
    assert as_user("office").post(f"/incidents/{incident.pk}/move/explode/", {}).status_code == 404
    assert as_user("office").get(f"/incidents/{incident.pk}/move/start_assessment/").status_code == 405


# ---- follow-ups and the reporting log ----------------------------------------------------------------


def test_follow_up_records_what_changed(as_user, user_of):
    area = ServiceArea.objects.get(is_default=True)
    start = timezone.now().replace(second=37) - timedelta(hours=30)  # seconds: an untouched time is no change
    incident = make_incident(
        user_of("office"), outage_started_at=start, affected_area_m2=area.heated_area_m2 / 10
    )
    client = as_user("office")
    data = follow_up_data(
        incident,
        note="停热范围扩大，2人受重伤",
        affected_area_m2=str(area.heated_area_m2 * Decimal("0.3")),
        serious_injuries="2",
    )
    resp = client.post(f"/incidents/{incident.pk}/follow-up/", data, follow=True)
    assert any("已记录续报（2 项数据变化）" in m for m in messages_of(resp))
    incident.refresh_from_db()
    assert incident.serious_injuries == 2 and incident.affected_area_m2 == area.heated_area_m2 * Decimal(
        "0.3"
    )
    assert incident.outage_started_at == start  # not touched
    html = resp.content.decode().split('data-testid="follow-ups"')[1].split("</section>")[0]
    assert "停热范围扩大，2人受重伤" in html
    assert "停热面积（平方米）" in html and ">3,200,000</del>" in html and "<ins>9,600,000</ins>" in html
    assert "重伤人数（含急性工业中毒）" in html and ">—</del>" in html and "<ins>2</ins>" in html
    assert "事故等级：无 → <strong>一般事故</strong>" in html
    assert "建议级别：Ⅳ级 → <strong>Ⅲ级</strong>" in html
    assert incident.timeline.filter(kind="follow_up").exists()


def test_follow_up_with_a_bad_value_saves_nothing(as_user, user_of):
    incident = make_incident(user_of("office"), people_at_risk_peak=1)
    resp = as_user("office").post(
        f"/incidents/{incident.pk}/follow-up/", follow_up_data(incident, note="x", still_trapped="3")
    )
    assert resp.status_code == 422
    assert "仍被困人数（3）不能大于涉险、被困、失联人数峰值（1）。" in resp.content.decode()
    assert not incident.follow_ups.exists()


def test_follow_up_lowering_a_peak_is_refused_keeping_what_was_typed(as_user, user_of):
    """DOMAIN §6 (issue 17 point 6): unmarked, the form comes back with the message and the typed values;
    marked with a reason, it is saved as a correction."""
    incident = make_incident(user_of("office"), people_at_risk_peak=5)
    client = as_user("office")
    data = follow_up_data(incident, note="核实后涉险2人，原数字重复统计", people_at_risk_peak="2")
    resp = client.post(f"/incidents/{incident.pk}/follow-up/", data)
    html = resp.content.decode()
    assert resp.status_code == 422 and "峰值人数只能以“更正”下调" in html
    assert "核实后涉险2人，原数字重复统计" in html and 'name="people_at_risk_peak" value="2"' in html
    assert not incident.follow_ups.exists()
    data.update(correction="on", correction_reason="首报重复统计")
    resp = client.post(f"/incidents/{incident.pk}/follow-up/", data, follow=True)
    incident.refresh_from_db()
    assert incident.people_at_risk_peak == 2 and incident.follow_ups.count() == 1
    assert incident.timeline.latest("id").data["correction"]["reason"] == "首报重复统计"
    html = resp.content.decode().split('data-testid="follow-ups"')[1].split("</section>")[0]
    assert 'data-testid="follow-up-correction-reason"' in html and "首报重复统计" in html
    assert '<del class="text-secondary">5</del>' in html and "<ins>2</ins>" in html


def test_follow_up_refused_for_an_unrelated_unit(as_user, user_of):
    incident = make_incident(user_of("office"))
    resp = as_user("police").post(
        f"/incidents/{incident.pk}/follow-up/", follow_up_data(incident, note="现场已管控"), follow=True
    )
    assert resp.status_code == 404  # an incident that does not concern the unit (issue 16, finding 7)
    assert not incident.follow_ups.exists()


def test_reporting_log_late_and_mark_sent(as_user, user_of):
    incident = make_incident(user_of("office"), reported_at=timezone.now() - timedelta(hours=3))
    client = as_user("office")
    resp = client.post(
        f"/incidents/{incident.pk}/reports/",
        {"sender": "city", "recipient": "general_duty_room", "channel": "电话"},
        follow=True,
    )
    report = UpwardReport.objects.get(incident=incident)
    assert report.due_at == incident.reported_at + timedelta(hours=2) and report.sent_at is None
    html = resp.content.decode().split('data-testid="reports"')[1].split("</section>")[0]
    assert "市应急救援总指挥部总值班室" in html and 'data-testid="late"' in html and "report-late" in html
    resp = client.post(f"/incidents/{incident.pk}/reports/{report.pk}/sent/", follow=True)
    report.refresh_from_db()
    assert report.sent_at is not None
    assert any("已标记为已报送：市应急救援总指挥部总值班室（超时）" in m for m in messages_of(resp))
    resp = client.post(f"/incidents/{incident.pk}/reports/{report.pk}/sent/", follow=True)
    assert any("该报告已于" in m for m in messages_of(resp))


def test_reporting_log_needs_a_recipient(as_user, user_of):
    incident = make_incident(user_of("office"))
    resp = as_user("office").post(f"/incidents/{incident.pk}/reports/", {"sender": "city"})
    assert resp.status_code == 422 and "请选择报告对象。" in resp.content.decode()
    assert not UpwardReport.objects.exists()


def test_reporting_log_refused_for_a_unit(as_user, user_of):
    incident = make_incident(user_of("office"))
    assign_unit(incident, "public_security")  # on the incident, yet not the office
    resp = as_user("police").post(
        f"/incidents/{incident.pk}/reports/", {"sender": "city", "recipient": "commander"}, follow=True
    )
    assert any("续报" in m for m in messages_of(resp))
    assert not UpwardReport.objects.exists()


# ---- the list ----------------------------------------------------------------------------------------


def test_list_shows_level_state_hours_grade_and_recommendation(as_user, user_of):
    area = ServiceArea.objects.get(is_default=True)
    incident = make_incident(
        user_of("office"),
        outage_started_at=timezone.now() - timedelta(hours=3, minutes=12),
        affected_area_m2=area.heated_area_m2 / 2,
        serious_injuries=1,
    )
    set_state(incident, "responding", 3)
    html = as_user("general").get("/incidents/").content.decode()
    row = html.split('data-testid="incident-row"')[1].split("</li>")[0]
    assert '<span class="badge level-badge level-3">Ⅲ级</span>' in row and "响应中" in row
    assert "已停热 3 小时 12 分" in row and "一般事故" in row
    assert "预计共" not in row and "24小时" not in row  # no estimate given; 3 h is not 24 h
    assert "level-badge level-2 provisional" in row and "暂定" in row
    assert "≠" not in row  # a provisional recommendation is not a trigger: not flagged


def test_list_shows_the_elapsed_outage_and_the_estimate_apart(as_user, user_of):
    """DOMAIN §6 (issue 17 point 8): 4 h 50 min elapsed, 40 h estimated: the list says 已停热 4 小时 50 分,
    预计共 40 小时 0 分 and 预计超过24小时 — the same elapsed figure the overview ticks (4.8 h)."""
    from command.dashboard import selectors

    now = timezone.now()
    start = now - timedelta(hours=4, minutes=50)
    incident = make_incident(
        user_of("office"),
        occurred_at=start,
        reported_at=start,
        outage_started_at=start,
        estimated_restoration_at=start + timedelta(hours=40),
    )
    html = as_user("office").get("/incidents/").content.decode()
    row = next(r for r in html.split('data-testid="incident-row"')[1:] if f"/incidents/{incident.pk}/" in r)
    row = row.split("</li>")[0]
    assert "已停热 4 小时 50 分" in row and "预计共 40 小时 0 分" in row and "预计超过24小时" in row
    real, _drills = selectors.active_incidents(now=now)
    assert next(i for i in real if i.pk == incident.pk).hours == 4.8


@pytest.fixture
def sample(user_of):
    office = user_of("office")
    now = timezone.now()
    return {
        "old": make_incident(
            office,
            title="旧的锅炉房故障",
            category="equipment_failure",
            facility="boiler_room",
            reported_at=now - timedelta(days=10),
            occurred_at=now - timedelta(days=10, hours=1),
        ),
        "yongji": make_incident(
            office,
            title="永济管网漏水",
            county=County.objects.get(name="永济市"),
            address="永济市舜都大道88号",
        ),
        "drill": make_incident(office, title="冬季演练爆管", is_drill=True),
        "responding": set_state(
            make_incident(office, title="热源厂停机", description="燃煤告急，热源厂减负荷"), "responding", 3
        ),
    }


def titles(html):
    return set(
        re.findall(
            r'class="incident-title[^"]*"[^>]*>(?:<span class="drill-mark">【演练】</span>)?([^<]+)<', html
        )
    )


def test_list_excludes_drills_unless_asked(as_user, sample):
    client = as_user("general")
    assert titles(client.get("/incidents/").content.decode()) == {
        "旧的锅炉房故障",
        "永济管网漏水",
        "热源厂停机",
    }
    html = client.get("/incidents/?drill=include").content.decode()
    assert "冬季演练爆管" in titles(html) and len(titles(html)) == 4
    html = client.get("/incidents/?drill=only").content.decode()
    assert titles(html) == {"冬季演练爆管"} and "【演练】" in html


@pytest.mark.parametrize(
    "query,expected",
    [
        ("state=responding", {"热源厂停机"}),
        ("level=3", {"热源厂停机"}),
        ("level=none", {"旧的锅炉房故障", "永济管网漏水"}),
        ("category=equipment_failure", {"旧的锅炉房故障"}),
        ("county={yongji}", {"永济管网漏水"}),
        ("date_from={from}", {"永济管网漏水", "热源厂停机"}),
        ("date_to={to}", {"旧的锅炉房故障"}),
        ("q=锅炉房", {"旧的锅炉房故障"}),  # title
        ("q=舜都大道", {"永济管网漏水"}),  # address
        ("q=燃煤告急", {"热源厂停机"}),  # description
    ],
)
def test_list_filters(as_user, sample, query, expected):
    today = timezone.localdate()
    query = query.format(
        yongji=County.objects.get(name="永济市").pk,
        **{"from": today - timedelta(days=2), "to": today - timedelta(days=5)},
    )
    html = as_user("general").get(f"/incidents/?{query}").content.decode()
    assert titles(html) == expected


def test_list_filter_htmx_returns_the_results_partial(as_user, sample):
    resp = as_user("general").get("/incidents/?q=管网", headers={"HX-Request": "true"})
    html = resp.content.decode()
    assert "<html" not in html and 'id="incident-results"' in html and titles(html) == {"永济管网漏水"}


def test_list_is_paginated_by_25(as_user, user_of):
    office = user_of("office")
    for i in range(27):
        make_incident(office, title=f"事件{i}")
    client = as_user("general")
    first = client.get("/incidents/").content.decode()
    assert rows(first) == 25 and "第 1 / 2 页" in first
    assert rows(client.get("/incidents/?page=2").content.decode()) == 2


# ---- constant number of queries --------------------------------------------------------------------


def count_queries(client, url, **kw):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url, **kw)
        assert resp.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["office", "director", "police"])
def test_list_query_count_is_constant(as_user, user_of, role):
    office = user_of("office")
    client = as_user(role)
    make_incident(office, outage_started_at=timezone.now() - timedelta(hours=2))
    count_queries(client, "/incidents/")  # warm-up: position names are cached once per process
    small = count_queries(client, "/incidents/")
    for i in range(30):
        make_incident(
            office,
            title=f"事件{i}",
            county=County.objects.order_by("?").first(),
            outage_started_at=timezone.now() - timedelta(hours=i),
            people_at_risk_peak=i % 4,
            deaths=i % 3,
            is_drill=i % 5 == 0,
        )
    assert count_queries(client, "/incidents/") == small
    assert count_queries(client, "/incidents/?drill=include&q=事件") == small


def grow_detail(incident, office, n):
    now = timezone.now()
    for i in range(n):
        FirstMeasure.objects.create(incident=incident, at=now, by=f"单位{i}", text="关阀", recorded_by=office)
        TimelineEvent.objects.create(
            incident=incident, actor=office, actor_name="王文静", kind="note", summary=f"记录{i}"
        )
        services.follow_up_add(
            actor=office,
            incident_id=incident.pk,
            note=f"续报{i}",
            data={"still_missing": 0, "affected_households": i},
        )
        services.upward_report_log(actor=office, incident=incident, sender="city", recipient="commander")


@pytest.mark.parametrize("role", ["office", "director", "commander", "police"])
def test_detail_query_count_is_constant(as_user, user_of, role):
    office = user_of("office")
    incident = set_state(
        make_incident(office, outage_started_at=timezone.now() - timedelta(hours=3)), "responding", 3
    )
    if role == "police":  # its unit on the incident (issue 16, finding 7)
        assign_unit(incident, "public_security")
    client = as_user(role)
    url = f"/incidents/{incident.pk}/"
    grow_detail(incident, office, 1)
    count_queries(client, url)  # warm-up
    small = count_queries(client, url)
    grow_detail(incident, office, 12)
    assert count_queries(client, url) == small
    partial = count_queries(client, f"{url}recommendation/", headers={"HX-Request": "true"})
    # + who may read it (the person's posts; for a unit: the incident and its units; issue 16, finding 7)
    assert partial <= (10 if role == "police" else 8)


def test_measured_query_counts(as_user, user_of, capsys):
    """Not a limit, a record: the numbers the report quotes."""
    office = user_of("office")
    incident = make_incident(office, outage_started_at=timezone.now() - timedelta(hours=3))
    grow_detail(incident, office, 3)
    client = as_user("office")
    counts = {}
    for url in ("/incidents/", f"/incidents/{incident.pk}/", "/incidents/new/"):
        count_queries(client, url)
        counts[url] = count_queries(client, url)
    counts["recommendation"] = count_queries(
        client, f"/incidents/{incident.pk}/recommendation/", headers={"HX-Request": "true"}
    )
    with capsys.disabled():
        print("\nquery counts (office):", counts)
    assert all(n < 25 for n in counts.values())


def test_link_form_links_and_the_page_lists_the_other_incidents(client, demo, user_of):
    from incidents.services import incident_link, incident_report

    ensure_plan_version()
    office = user_of("office")
    a = incident_report(actor=office, data=report_data(title="甲"))
    b = incident_report(actor=office, data=report_data(title="乙"))
    incident_link(actor=office, incident_id=a.pk, event_name="燃煤短缺")
    client.force_login(office)
    resp = client.post(f"/incidents/{b.pk}/link/", {"event_name": "燃煤短缺"})
    assert resp.status_code == 302
    html = client.get(f"/incidents/{b.pk}/").content.decode()
    assert "燃煤短缺" in html and "甲" in html
    client.force_login(user_of("police"))
    client.post(f"/incidents/{a.pk}/link/", {"event_name": ""})
    a.refresh_from_db()
    assert a.linked_event.name == "燃煤短缺"  # refused: nothing changed
