"""Level-change requests in the browser (issue 5), along the plan's chain (DOMAIN.md §5, §5.3.3):

- the office drafts Ⅱ on a phone from the incident page, the office director reports it to the commander
  from "待我审批", the commander approves it with two taps on a phone; the command page then shows Ⅱ级响应
  with the on-site HQ, the eight working groups (附件3), §5.3.3's eight duties and the call-down board;
- the commander confirms his call-down on a phone without logging in, and the office sees his times and
  the on-site HQ taking command (§5.3.3(2));
- a request sent back by the director tells the proposer why.

Screenshots at phone and desktop size land in var/screenshots/.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.support.browser import activate_level_2, assessing_incident, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GROUP_CODES = (
    "coordination",
    "rescue",
    "public_order",
    "experts",
    "medical",
    "logistics",
    "publicity",
    "aftermath",
)
COMMANDER_NAME = "张振华（演示）"


def test_clerk_director_commander_activate_level_2(live_server, new_page, login, demo, screenshot, user_of):
    from command.models import CallDown, LevelRequest

    incident = assessing_incident(user_of)
    command_url = f"{live_server.url}/command/incidents/{incident.pk}/"

    # 1. the office, on a phone: from the incident page to its command page, and drafts Ⅱ
    office = login(new_page("phone"), "office")
    office.goto(f"{live_server.url}/incidents/{incident.pk}/")
    office.get_by_test_id("command-link").click()
    office.wait_for_url(re.compile(rf".*/command/incidents/{incident.pk}/"))
    form = office.get_by_test_id("request-form")
    form.get_by_test_id("option-2").click()
    expect(form.get_by_test_id("option-2").locator("input[name=level]")).to_be_checked()
    form.get_by_test_id("request-submit").click()
    expect(office.get_by_test_id("level-section").get_by_test_id("request-status")).to_contain_text("审批中")
    request = LevelRequest.objects.get(incident=incident)
    assert (request.kind, request.to_level, request.status) == ("activate", 2, "open")
    assert request.current_step == "report"
    card = office.get_by_test_id(f"request-{request.pk}")
    expect(card.get_by_test_id("request-status")).to_contain_text("审批中")
    expect(card.get_by_test_id("request-status")).to_contain_text("待办公室主任报告")
    expect(card.get_by_test_id("approve-open")).to_have_count(0)  # not the office's turn
    expect(office.get_by_test_id("request-form")).to_have_count(0)  # one open request at a time

    # 2. the office director sees it waiting for him, with the recommendation, and reports it
    director = login(new_page("desktop"), "director")
    director.goto(f"{live_server.url}/command/")
    card = director.get_by_test_id("pending").get_by_test_id(f"request-{request.pk}")
    expect(card.get_by_test_id("request-recommendation")).to_contain_text("Ⅱ级")
    expect(card.get_by_test_id("request-recommendation")).to_contain_text("确定")
    expect(card.get_by_test_id("request-chain")).to_contain_text("办公室主任报告")
    expect(card.get_by_test_id("approve-confirm")).to_be_hidden()  # two taps: open, then confirm
    card.get_by_test_id("approve-open").click()
    card.get_by_test_id("approve-confirm").click()
    expect(director.get_by_test_id("nothing-pending")).to_be_visible()
    moved = director.get_by_test_id("other-open").get_by_test_id(f"request-{request.pk}")
    expect(moved.get_by_test_id("request-status")).to_contain_text("待决定")
    expect(moved.get_by_test_id("approve-open")).to_have_count(0)
    request.refresh_from_db()
    assert (request.status, request.current_step) == ("open", "decide")

    # 3. the commander, on a phone: two taps
    commander = login(new_page("phone"), "commander")
    commander.goto(f"{live_server.url}/command/")
    card = commander.get_by_test_id("pending").get_by_test_id(f"request-{request.pk}")
    expect(card.get_by_test_id("request-recommendation")).to_contain_text("Ⅱ级")
    expect(card.get_by_test_id("request-status")).to_contain_text("待决定")
    expect(card.get_by_test_id("request-chain")).to_contain_text("报告")
    shoot(screenshot, commander, "command-inbox-phone")
    card.get_by_test_id("approve-open").click()
    card.get_by_test_id("approve-confirm").click()
    expect(commander.get_by_test_id("nothing-pending")).to_be_visible()
    request.refresh_from_db()
    assert request.status == "approved"
    incident.refresh_from_db()
    assert (incident.state, incident.level) == ("responding", 2)

    # 4. the command page: Ⅱ级响应, the on-site HQ, the eight groups, §5.3.3's duties, the call-down board
    calldowns = CallDown.objects.filter(incident=incident).count()
    assert calldowns > 0

    def check_command_page(page):
        page.goto(command_url)
        expect(page.get_by_test_id("level-badge")).to_contain_text("Ⅱ级响应")
        expect(page.get_by_test_id("state-badge")).to_have_text("响应中")
        groups = page.get_by_test_id("groups")
        expect(groups.get_by_test_id("group-count")).to_have_text("8")
        expect(groups.locator(".group-card")).to_have_count(8)
        for code in GROUP_CODES:
            expect(groups.get_by_test_id(f"group-{code}")).to_be_visible()
        checklist = page.get_by_test_id("checklist")
        expect(checklist.locator(".checklist-item")).to_have_count(8)
        for i in range(1, 9):
            expect(checklist.get_by_test_id(f"check-5.3.3-{i}")).to_contain_text(f"§5.3.3({i})")
        expect(page.get_by_test_id("onsite").get_by_test_id("onsite-members")).to_contain_text(COMMANDER_NAME)
        board = page.get_by_test_id("calldown-board")
        expect(board.get_by_test_id("board-counts")).to_contain_text(f"未确认 {calldowns}")
        expect(board.locator("tr[data-testid^='cd-']")).to_have_count(calldowns)
        expect(board).to_contain_text(COMMANDER_NAME)

    check_command_page(commander)
    shoot(screenshot, commander, "command-page-phone")
    desktop = login(new_page("desktop"), "office")
    check_command_page(desktop)
    shoot(screenshot, desktop, "command-page-desktop")


def test_calldown_link_on_a_phone(live_server, new_page, login, demo, screenshot, user_of):
    from command.models import CallDown

    incident = assessing_incident(user_of, title="测试：热源厂停机")
    activate_level_2(user_of, incident)
    cd = CallDown.objects.get(incident=incident, person__user__username="commander")
    assert cd.received_at is None and cd.arrived_at is None

    phone = new_page("phone")  # not logged in: the token is the key
    phone.goto(f"{live_server.url}/command/c/{cd.token}/")
    page = phone.get_by_test_id("calldown-page")
    expect(page).to_contain_text(COMMANDER_NAME)
    expect(page).to_contain_text("Ⅱ级响应")
    status = phone.get_by_test_id("calldown-status")
    expect(status).to_contain_text("尚未确认收到")
    expect(status).to_contain_text("尚未到岗")
    phone.get_by_test_id("confirm-received").click()
    expect(status).to_contain_text("已收到")
    expect(phone.get_by_test_id("confirm-received")).to_have_count(0)
    expect(status).to_contain_text("尚未到岗")
    phone.get_by_test_id("confirm-arrived").click()
    expect(status).to_contain_text("已到岗")
    expect(status).not_to_contain_text("尚未")
    expect(phone.get_by_test_id("confirm-arrived")).to_have_count(0)
    shoot(screenshot, phone, "calldown-link-phone")

    cd.refresh_from_db()
    assert cd.received_at and cd.arrived_at
    received, arrived = (f"{timezone.localtime(t):%H:%M}" for t in (cd.received_at, cd.arrived_at))
    expect(status).to_contain_text(f"已收到 {received}")
    expect(status).to_contain_text(f"已到岗 {arrived}")

    office = login(new_page("desktop"), "office")
    office.goto(f"{live_server.url}/command/incidents/{incident.pk}/")
    row = office.get_by_test_id(f"cd-{cd.pk}")
    expect(row).to_contain_text(COMMANDER_NAME)
    cells = row.locator("td")
    expect(cells.nth(2)).to_have_text(received)
    expect(cells.nth(3)).to_have_text(arrived)
    expect(office.get_by_test_id("board-counts")).to_contain_text("已到岗 1")
    taken = office.get_by_test_id("onsite").get_by_test_id("command-taken")
    expect(taken).to_contain_text(COMMANDER_NAME)
    expect(taken).to_contain_text("接管指挥权")


def test_rejected_request_tells_the_proposer(live_server, new_page, login, demo, screenshot, user_of):
    from command.approvals.services import level_request_submit
    from command.models import LevelRequest

    incident = assessing_incident(user_of, title="测试：小区管网泄漏")
    request = level_request_submit(incident_id=incident.pk, actor=user_of("office"), to_level=2)
    assert request.current_step == "report"
    why = "停热面积尚待供热企业核实，请先续报核实后的面积。"

    director = login(new_page("phone"), "director")
    director.goto(f"{live_server.url}/command/")
    card = director.get_by_test_id("pending").get_by_test_id(f"request-{request.pk}")
    card.get_by_test_id("reject-open").click()
    card.locator("textarea[name=note]").fill(why)
    card.get_by_test_id("reject-confirm").click()
    expect(director.get_by_test_id("nothing-pending")).to_be_visible()
    request.refresh_from_db()
    assert (request.status, request.outcome_note) == (LevelRequest.Status.REJECTED, why)

    office = login(new_page("phone"), "office")
    office.goto(f"{live_server.url}/command/notifications/")
    notifications = office.get_by_test_id("notifications")
    expect(notifications).to_contain_text("请示被退回")
    expect(notifications).to_contain_text(why)
    shoot(screenshot, office, "command-notifications-phone")

    # the command page keeps the request, sent back with the reason, and the office may propose again
    office.goto(f"{live_server.url}/command/incidents/{incident.pk}/")
    level = office.get_by_test_id("level-section")
    expect(level.get_by_test_id("request-form")).to_be_visible()
    level.locator("details > summary", has_text="请示记录").click()
    card = level.get_by_test_id(f"request-{request.pk}")
    expect(card.get_by_test_id("request-status")).to_have_text("已退回")
    expect(card.get_by_test_id("request-chain")).to_contain_text(why)
    expect(card.get_by_test_id("approve-open")).to_have_count(0)


# ---- display regressions found while looking at the pages -------------------------------------------


def test_request_card_shows_no_template_comment(live_server, new_page, login, demo, user_of):
    from command.approvals.services import level_request_submit

    incident = assessing_incident(user_of)
    request = level_request_submit(incident_id=incident.pk, actor=user_of("office"), to_level=2)
    page = login(new_page("phone"), "director")
    page.goto(f"{live_server.url}/command/")
    expect(page.get_by_test_id("pending").get_by_test_id(f"request-{request.pk}")).to_be_visible()
    expect(page.locator("main, body").first).not_to_contain_text("{#", timeout=2_000)


def test_command_page_fits_a_phone_for_the_commander(live_server, new_page, login, demo, user_of):
    incident = assessing_incident(user_of)
    activate_level_2(user_of, incident)
    page = login(new_page("phone"), "commander")
    page.goto(f"{live_server.url}/command/incidents/{incident.pk}/")
    expect(page.get_by_test_id("onsite-members")).to_contain_text(COMMANDER_NAME)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide on a {widths[1]} px phone"
