"""The command pages over HTTP: what each person sees and may do, htmx partials and plain requests,
refusals as messages that change nothing, the phone link without a login, and a constant number of
SQL queries whatever the data size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from command.approvals.services import level_request_act, level_request_submit
from command.models import CallDown, ChecklistItem, Instruction, LevelRequest
from command.response.services import instruction_add
from incidents.models import Incident
from tests.support.incidents import assign_unit

HX = {"HX-Request": "true"}


@pytest.fixture
def at_two(incident_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return incident_in("responding", level=2)


def _messages(resp):
    return [str(m) for m in resp.context["messages"]] if resp.context else []


def test_office_drafts_from_the_command_page(as_user, firm_two):
    incident = firm_two()
    client = as_user("office")
    page = client.get(f"/command/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="request-form"' in page and 'data-testid="option-2"' in page
    assert "附件4建议级别" in page  # option Ⅱ is the firm recommendation
    resp = client.post(
        f"/command/incidents/{incident.pk}/requests/", {"level": "2", "reason": ""}, follow=True
    )
    r = LevelRequest.objects.get(incident=incident)
    assert r.status == "open" and "待办公室主任报告" in _messages(resp)[0]
    page = resp.content.decode()
    assert (
        f'data-testid="request-{r.pk}"' in page and 'data-testid="request-form"' not in page
    )  # one open at a time


def test_refusals_are_messages_that_change_nothing(as_user, firm_two):
    incident = firm_two()
    client = as_user("office")
    resp = client.post(f"/command/incidents/{incident.pk}/requests/", {"level": "3"}, follow=True)
    assert "附件4第4项" in _messages(resp)[0] and not LevelRequest.objects.exists()
    resp = client.post(f"/command/incidents/{incident.pk}/requests/", {"level": "9"}, follow=True)
    assert "响应级别只能是" in _messages(resp)[0] and not LevelRequest.objects.exists()
    resp = as_user("police").post(f"/command/incidents/{incident.pk}/requests/", {"level": "2"}, follow=True)
    # a unit not on the incident does not learn of it (issue 16, finding 7)
    assert resp.status_code == 404 and not LevelRequest.objects.exists()

    assign_unit(incident, "public_security")
    resp = as_user("police").post(f"/command/incidents/{incident.pk}/requests/", {"level": "2"}, follow=True)
    assert "不在这项请示的办理环节中" in _messages(resp)[0] and not LevelRequest.objects.exists()


def test_the_director_reports_and_the_commander_decides_from_the_inbox(
    as_user, firm_two, user_of, django_capture_on_commit_callbacks
):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=user_of("office"), to_level=2)
    client = as_user("director")
    inbox = client.get("/command/").content.decode()
    assert f'data-testid="request-{r.pk}"' in inbox and 'data-testid="approve-open"' in inbox
    assert "附件4 Ⅱ(1)" in inbox  # the recommendation's clause is in view
    resp = client.post(
        f"/command/requests/{r.pk}/act/", {"decision": "approve", "stage": "0", "next": "inbox"}
    )
    assert resp.status_code == 302 and resp.url == "/command/"
    partial = client.get("/command/?part=pending", headers=HX).content.decode()
    assert "<html" not in partial and f"request-{r.pk}" not in partial  # no longer the director's
    client = as_user("commander")
    partial = client.get("/command/?part=pending", headers=HX).content.decode()
    assert "<html" not in partial and f'data-testid="request-{r.pk}"' in partial
    # a stale page (stage 0) is refused
    resp = client.post(f"/command/requests/{r.pk}/act/", {"decision": "approve", "stage": "0"}, follow=True)
    assert "下一环节" in _messages(resp)[0]
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            f"/command/requests/{r.pk}/act/", {"decision": "approve", "stage": "1"}, follow=True
        )
    assert "已批准" in _messages(resp)[0]
    page = client.get(f"/command/incidents/{incident.pk}/").content.decode()  # the setup ran on commit
    assert 'data-testid="group-count">8<' in page and 'data-testid="check-5.3.3-8"' in page
    assert Incident.objects.get(pk=incident.pk).level == 2


def test_rejecting_needs_a_reason_over_http(as_user, firm_two, user_of):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=user_of("office"), to_level=2)
    client = as_user("director")
    resp = client.post(
        f"/command/requests/{r.pk}/act/", {"decision": "reject", "stage": "0", "note": " "}, follow=True
    )
    assert "理由" in _messages(resp)[0] and LevelRequest.objects.get(pk=r.pk).status == "open"
    assert (
        client.post(f"/command/requests/{r.pk}/act/", {"decision": "maybe", "stage": "0"}).status_code == 404
    )


def test_phone_record_form(as_user, firm_two, user_of):
    incident = firm_two()
    r = level_request_submit(incident_id=incident.pk, actor=user_of("office"), to_level=2)
    level_request_act(request_id=r.pk, actor=user_of("director"), expected_stage=0)
    client = as_user("office")
    page = client.get(f"/command/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="phone-record"' in page and "张振华（演示）（指挥长）" in page
    at = timezone.localtime() - timedelta(minutes=3)
    resp = client.post(
        f"/command/requests/{r.pk}/phone/",
        {
            "stage": "1",
            "approver": user_of("commander").pk,
            "at": at.strftime("%Y-%m-%dT%H:%M"),
            "decision": "approve",
            "note": "电话请示，同意",
        },
        follow=True,
    )
    assert "已记录电话请示" in _messages(resp)[0]
    assert 'data-testid="phone-mark"' in resp.content.decode()
    resp = client.post(
        f"/command/requests/{r.pk}/phone/", {"stage": "1", "approver": "", "at": "bad"}, follow=True
    )
    assert "时间格式不正确" in _messages(resp)[0]
    inbox = as_user("commander").get("/command/").content.decode()
    assert 'data-testid="phone-to-confirm"' in inbox


def test_the_call_down_link_works_without_a_login(client, demo, at_two):
    cd = CallDown.objects.get(incident=at_two, role="commander")
    page = client.get(f"/command/c/{cd.token}/").content.decode()
    assert 'data-testid="confirm-received"' in page and at_two.title in page
    resp = client.post(f"/command/c/{cd.token}/", {"what": "received"})
    assert resp.status_code == 302
    client.post(f"/command/c/{cd.token}/", {"what": "arrived"})
    cd.refresh_from_db()
    assert cd.received_at and cd.arrived_at
    assert client.get("/command/c/not-a-real-token/").status_code == 404
    # everything else needs a login
    for url in ("/command/", f"/command/incidents/{at_two.pk}/", "/command/notifications/"):
        assert client.get(url).status_code == 302


def test_board_and_checklist_partials(as_user, at_two):
    client = as_user("office")
    board = client.get(f"/command/incidents/{at_two.pk}/?part=board", headers=HX).content.decode()
    assert board.lstrip().startswith('<section id="calldown"') and "<html" not in board
    full = client.get(f"/command/incidents/{at_two.pk}/?part=board").content.decode()
    assert "<html" in full  # without htmx: the whole page
    cd = CallDown.objects.filter(incident=at_two, role="unit_head").first()
    resp = client.post(f"/command/calldowns/{cd.pk}/", {"what": "received"}, headers=HX)
    assert resp.content.decode().lstrip().startswith('<section id="calldown"')
    cd.refresh_from_db()
    assert cd.received_recorded_by.endswith("代为登记")
    item = ChecklistItem.objects.get(incident=at_two, code="5.3.3-1")
    resp = client.post(f"/command/checklist/{item.pk}/", {"done": "1"}, headers=HX)
    assert resp.content.decode().lstrip().startswith('<section id="checklist"')
    item.refresh_from_db()
    assert item.done_at
    resp = as_user("police").post(f"/command/checklist/{item.pk}/", {"done": "0"}, follow=True)
    item.refresh_from_db()
    assert item.done_at and "须由" in _messages(resp)[0]


def test_police_sees_the_page_but_no_controls(as_user, at_two):
    page = as_user("police").get(f"/command/incidents/{at_two.pk}/").content.decode()
    assert 'data-testid="groups"' in page
    for control in ("request-form", "calldown-form", "groups-form", 'name="done"'):
        assert control not in page


def test_instruction_forms(as_user, at_two):
    client = as_user("office")
    at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    resp = client.post(
        f"/command/incidents/{at_two.pk}/instructions/",
        {"source": "province_leader", "given_by": "副省长（演示）", "given_at": at, "text": "尽快恢复供热"},
        follow=True,
    )
    assert "已登记批示" in _messages(resp)[0]
    item = Instruction.objects.get(incident=at_two)
    assert 'data-testid="open-instructions"' in resp.content.decode()
    resp = client.post(
        f"/command/instructions/{item.pk}/", {"action_taken": "已落实", "reported_back": "1"}, follow=True
    )
    item.refresh_from_db()
    assert not item.is_open and 'data-testid="open-instructions"' not in resp.content.decode()


def test_notifications_page_and_badge(as_user, at_two):
    client = as_user("commander")
    home = client.get("/command/notifications/").content.decode()
    assert "到岗通知" in home and 'data-testid="unread-count"' in home
    client.post("/command/notifications/", {})
    assert 'data-testid="unread-count"' not in client.get("/command/notifications/").content.decode()


def _queries(client, url, **kw):
    client.get(url, **kw)  # warm: per-process caches (position names) and the session's first save
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **kw).status_code == 200
    return len(ctx.captured_queries)


def test_pages_cost_a_constant_number_of_queries(
    as_user, at_two, incident_in, user_of, firm_two, django_capture_on_commit_callbacks
):
    office = user_of("office")
    other = firm_two()
    level_request_submit(incident_id=other.pk, actor=office, to_level=2)
    client = as_user("director")
    urls = [
        f"/command/incidents/{at_two.pk}/",
        "/command/",
        "/command/notifications/",
        f"/command/incidents/{at_two.pk}/?part=board",
    ]
    before = {u: _queries(client, u) for u in urls}
    # more of everything: instructions, ticks, confirmations, requests on other incidents
    now = timezone.now()
    for i in range(6):
        instruction_add(
            incident_id=at_two.pk,
            actor=office,
            source="other",
            given_by=f"领导{i}",
            given_at=now,
            text="批示",
        )
    for cd in CallDown.objects.filter(incident=at_two)[:6]:
        from command.response.calldowns import calldown_confirm

        calldown_confirm(calldown_id=cd.pk, what="arrived", recorded_by=office)
    for _ in range(3):
        inc = firm_two()
        level_request_submit(incident_id=inc.pk, actor=office, to_level=2)
    after = {u: _queries(client, u) for u in urls}
    assert after == before


def test_polled_panels_answer_204_when_unchanged(as_user, at_two, firm_two, user_of):
    """A poll sends back the signature it has; an unchanged panel is not swapped (no lost open menus)."""
    import re

    client = as_user("office")
    board = client.get(f"/command/incidents/{at_two.pk}/?part=board", headers=HX).content.decode()
    sig = re.search(r"sig=(\w+)", board).group(1)
    assert client.get(f"/command/incidents/{at_two.pk}/?part=board&sig={sig}", headers=HX).status_code == 204
    cd = CallDown.objects.filter(incident=at_two).first()
    client.post(f"/command/calldowns/{cd.pk}/", {"what": "received"})
    changed = client.get(f"/command/incidents/{at_two.pk}/?part=board&sig={sig}", headers=HX)
    assert changed.status_code == 200 and "sig=" + sig not in changed.content.decode()

    incident = firm_two()
    client = as_user("director")
    pending = client.get("/command/?part=pending", headers=HX).content.decode()
    sig = re.search(r"sig=(\w+)", pending).group(1)
    assert client.get(f"/command/?part=pending&sig={sig}", headers=HX).status_code == 204
    level_request_submit(incident_id=incident.pk, actor=user_of("office"), to_level=2)
    assert client.get(f"/command/?part=pending&sig={sig}", headers=HX).status_code == 200
