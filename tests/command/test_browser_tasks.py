"""Tasks for groups and units in the browser (issue 6), after a level Ⅱ activation (DOMAIN.md §5):

- the 市公安局 liaison, on a phone, sees only his unit's assignment in "我的任务", signs for it in one tap,
  and the office sees it signed on the command's task board; another unit's task is a 404 for him;
- he reports progress with a photo from the scene (the task goes to 处理中); the on-site commander ends
  the response (§5.3.6) only once the conditions hold, deciding on each open task (close, or carry it
  into the aftermath, §7);
- a concrete task sent back (退回) with a reason is reassigned by the office to another unit, and the
  first unit no longer finds it.

Screenshots at phone and desktop size land in var/screenshots/.
"""

import base64
import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import activated_incident, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLICE_UNIT = "public_security"  # 市公安局, the demo liaison `police`
# A valid 1×1 PNG (a photo "from the scene").
PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


def task_rows(page):
    """The task rows of "我的任务" (not the badges inside them, whose test ids also start with task-)."""
    return page.get_by_test_id("my-tasks").locator("li.task-row")


def row_ids(rows):
    return {int(t.removeprefix("task-")) for t in rows.evaluate_all("els => els.map(e => e.dataset.testid)")}


def test_police_liaison_signs_on_a_phone_and_the_board_shows_it(
    live_server, new_page, login, demo, screenshot, user_of
):
    from command.models import Assignment

    incident = activated_incident(user_of)
    police_tasks = Assignment.objects.filter(incident=incident, unit__code=POLICE_UNIT)
    assert police_tasks.count() == 1
    task = police_tasks.get()
    assert (task.kind, task.state) == ("assignment", "pending")
    other = Assignment.objects.filter(incident=incident, unit__code="health").first()
    assert other is not None, "市卫健委 is concerned by a Ⅱ activation (medical group)"

    # 1. the liaison, on a phone: the navbar is collapsed, open it, then 我的任务
    phone = login(new_page("phone"), "police")
    expect(phone.get_by_test_id("nav-tasks")).to_be_hidden()
    phone.locator(".navbar-toggler").click()
    phone.get_by_test_id("nav-tasks").click()
    phone.wait_for_url(re.compile(r".*/command/tasks/$"))
    row = phone.get_by_test_id(f"task-{task.pk}")
    expect(row.get_by_test_id("task-state")).to_have_text("待签收")
    rows = task_rows(phone)
    expect(rows).to_have_count(police_tasks.count())
    assert row_ids(rows) == set(police_tasks.values_list("pk", flat=True))  # only 市公安局's, nothing else
    expect(phone.get_by_test_id(f"task-{other.pk}")).to_have_count(0)
    expect(row.get_by_test_id("sign")).to_be_visible()
    widths = phone.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"我的任务 is {widths[0]} px wide on a {widths[1]} px phone"
    shoot(screenshot, phone, "tasks-mine-phone")

    # one tap signs for it
    row.get_by_test_id("sign").click()
    row = phone.get_by_test_id(f"task-{task.pk}")
    expect(row.get_by_test_id("task-state")).to_have_text("已签收")
    expect(row.get_by_test_id("sign")).to_have_count(0)
    expect(row).to_contain_text("刘晓军（演示）")
    task.refresh_from_db()
    assert (task.state, task.signed_by_name) == ("signed", "刘晓军（演示）")
    assert task.signed_at is not None

    # another unit's task does not exist for him (404, not a hidden 403)
    other_url = f"{live_server.url}/command/tasks/{other.pk}/"
    assert phone.request.get(other_url).status == 404
    response = phone.goto(other_url)
    assert response.status == 404

    # 2. the office, on a desktop: the board shows 市公安局's task as 已签收, and 已签收 1 in the totals
    counted = Assignment.objects.filter(incident=incident).exclude(state="closed").count()
    office = login(new_page("desktop"), "office")
    office.goto(f"{live_server.url}/command/incidents/{incident.pk}/tasks/")
    board = office.get_by_test_id("task-board")
    expect(board.get_by_test_id("board-totals")).to_contain_text(f"共 {counted} 项")
    expect(board.get_by_test_id("board-totals")).to_contain_text(f"已签收 1（{round(100 / counted)}%）")
    unit = board.get_by_test_id(f"board-unit-{POLICE_UNIT}")
    expect(unit).to_contain_text("市公安局")
    expect(unit).to_contain_text("签收 1/1")
    unit.locator("summary").click()
    on_board = unit.get_by_test_id(f"task-{task.pk}")
    expect(on_board).to_be_visible()
    expect(on_board.get_by_test_id("task-state")).to_have_text("已签收")
    expect(on_board.get_by_test_id("sign")).to_have_count(0)  # the office does not sign for a unit
    shoot(screenshot, office, "task-board-desktop")


def test_progress_with_a_photo_and_the_onsite_commander_ends_the_response(
    live_server, new_page, login, demo, screenshot, user_of, settings, tmp_path
):
    from command.models import Assignment, TaskFile
    from incidents.models import Incident

    settings.MEDIA_ROOT = str(tmp_path / "media")  # uploads stay out of var/media
    incident = activated_incident(user_of, title="测试：热源厂停机")
    task = Assignment.objects.get(incident=incident, unit__code=POLICE_UNIT)
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG_1x1)
    text = "已派出警力 12 人到场，东环路封闭，交通疏导中。"

    # 1. the liaison reports progress with a photo from the scene
    phone = login(new_page("phone"), "police")
    phone.goto(f"{live_server.url}/command/tasks/{task.pk}/")
    expect(phone.get_by_test_id("task-header")).to_contain_text("市公安局")
    expect(phone.get_by_test_id("task-state")).to_have_text("待签收")
    form = phone.get_by_test_id("progress-form")
    form.locator("#progress-text").fill(text)
    form.locator("#progress-files").set_input_files(str(photo))
    form.get_by_test_id("progress-submit").click()
    expect(phone.get_by_test_id("task-state")).to_have_text("处理中")
    notes = phone.get_by_test_id("task-notes")
    expect(notes).to_contain_text(text)
    img = notes.get_by_test_id("task-photo")
    expect(img).to_have_count(1)
    expect(img).to_have_attribute("src", re.compile(r"^/command/files/\d+/$"))
    img.scroll_into_view_if_needed()  # loading="lazy"
    phone.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=task-photo]'); return i && i.complete; }"
    )
    assert phone.eval_on_selector("[data-testid=task-photo]", "i => i.naturalWidth") > 0
    shoot(screenshot, phone, "task-progress-phone")
    task.refresh_from_db()
    assert task.state == "in_progress" and task.signed_by_name == "刘晓军（演示）"
    f = TaskFile.objects.get(note__task=task)
    assert (f.content_type, f.size, f.name) == ("image/png", len(PNG_1x1), "现场.png")

    # 2. the on-site commander: §5.3.6 not met yet (hazards not recorded as controlled) → refused
    incident.refresh_from_db()
    assert (incident.still_trapped, incident.still_missing, incident.dead_unrecovered) == (0, 0, 0)
    assert incident.hazards_controlled is False
    open_before = dict(Assignment.objects.filter(incident=incident).values_list("pk", "state").order_by("pk"))
    assert len(open_before) > 2
    end_url = f"{live_server.url}/command/incidents/{incident.pk}/end/"
    commander = login(new_page("desktop"), "commander")
    commander.goto(end_url)
    checks = commander.get_by_test_id("end-checks")
    expect(checks).to_contain_text("✗ 次生、衍生事故的威胁和危害已控制或消除")
    expect(checks).to_contain_text("✓ 仍被困人数为0")
    expect(commander.get_by_test_id("end-blocked")).to_be_visible()
    expect(commander.get_by_test_id("open-tasks").locator("input[value=carry]")).to_have_count(
        len(open_before)
    )
    commander.get_by_test_id("end-submit").click()
    error = commander.locator(".alert-danger")
    expect(error).to_contain_text("§5.3.6")
    expect(error).to_contain_text("次生、衍生事故的威胁和危害尚未记录为已控制或消除")
    shoot(screenshot, commander, "end-form-blocked-desktop")
    incident.refresh_from_db()
    assert incident.state == "responding"
    assert dict(Assignment.objects.filter(incident=incident).values_list("pk", "state")) == open_before
    assert not Assignment.objects.filter(incident=incident, carried_to_aftermath=True).exists()

    # 3. hazards controlled: all conditions hold; carry every open task except one, which is closed
    Incident.objects.filter(pk=incident.pk).update(hazards_controlled=True)
    commander.goto(end_url)
    expect(checks).not_to_contain_text("✗")
    expect(commander.get_by_test_id("end-blocked")).to_have_count(0)
    open_tasks = commander.get_by_test_id("open-tasks")
    for pk in open_before:
        expect(open_tasks.locator(f"input[name=task-{pk}][value=carry]")).to_be_checked()
    closed = Assignment.objects.get(incident=incident, unit__code="health")
    open_tasks.locator(f"input[name=task-{closed.pk}][value=close]").check()
    expect(open_tasks.locator(f"input[name=task-{closed.pk}][value=carry]")).not_to_be_checked()
    shoot(screenshot, commander, "end-form-desktop")
    commander.get_by_test_id("end-submit").click()
    commander.wait_for_url(re.compile(rf".*/incidents/{incident.pk}/$"))
    expect(commander.get_by_test_id("state-badge")).to_have_text("后期处置")

    incident.refresh_from_db()
    assert incident.state == "aftermath"
    closed.refresh_from_db()
    assert (closed.state, closed.carried_to_aftermath) == ("closed", False)
    # the response's other tasks are carried over; the §7.1 items are new (phase "aftermath", issue 9)
    others = Assignment.objects.filter(incident=incident, phase="response").exclude(pk=closed.pk)
    assert others.count() == len(open_before) - 1
    assert Assignment.objects.filter(incident=incident, phase="aftermath", clause="§7.1").count() == 6
    assert all(t.carried_to_aftermath and t.state == open_before[t.pk] for t in others)
    assert others.get(pk=task.pk).state == "in_progress"


def test_returned_task_is_reassigned(live_server, new_page, login, demo, screenshot, user_of):
    from command.models import Assignment

    incident = activated_incident(user_of, title="测试：小区管网泄漏")
    title = "测试：封闭东环路供热抢修路段"
    why = "该路段属城郊，交通管制由县公安局负责，请改派。"

    # 1. the office issues a concrete task to 市公安局 from the board
    office = login(new_page("desktop"), "office")
    office.goto(f"{live_server.url}/command/incidents/{incident.pk}/tasks/")
    issue = office.get_by_test_id("issue-form")
    issue.locator("summary").click()
    issue.locator("#t-title").fill(title)
    police_option = issue.locator("#t-unit option", has_text="市公安局")
    expect(police_option).to_have_count(1)
    issue.locator("#t-unit").select_option(police_option.get_attribute("value"))
    issue.get_by_test_id("issue-submit").click()
    expect(office.locator(".alert-success")).to_contain_text(title)
    task = Assignment.objects.get(incident=incident, kind="task")
    assert (task.unit.code, task.state, task.title) == (POLICE_UNIT, "pending", title)

    # 2. the liaison finds it in 我的任务 and sends it back with a reason
    police = login(new_page("phone"), "police")
    police.goto(f"{live_server.url}/command/tasks/")
    row = police.get_by_test_id(f"task-{task.pk}")
    expect(row.get_by_test_id("task-state")).to_have_text("待签收")
    row.get_by_role("link", name=title).click()
    police.wait_for_url(re.compile(rf".*/command/tasks/{task.pk}/$"))
    expect(police.get_by_test_id("task-header")).to_contain_text(title)
    ret = police.locator("details", has=police.locator("summary", has_text="退回"))
    expect(police.get_by_test_id("move-return")).to_be_hidden()
    ret.locator("summary").click()
    ret.locator("textarea[name=reason]").fill(why)
    police.get_by_test_id("move-return").click()
    expect(police.get_by_test_id("task-state")).to_have_text("退回")
    expect(police.get_by_test_id("returned")).to_contain_text(why)
    expect(police.get_by_test_id("progress-form")).to_have_count(0)
    task.refresh_from_db()
    assert (task.state, task.returned_reason) == ("returned", why)

    # 3. the office sees it as 退回 and reassigns it to 市卫健委
    office.goto(f"{live_server.url}/command/tasks/{task.pk}/")
    expect(office.get_by_test_id("task-state")).to_have_text("退回")
    expect(office.get_by_test_id("returned")).to_contain_text(why)
    reassign = office.get_by_test_id("reassign-form")
    reassign.locator("summary").click()
    health_option = reassign.locator("#ra-unit option", has_text="市卫健委")
    expect(health_option).to_have_count(1)
    reassign.locator("#ra-unit").select_option(health_option.get_attribute("value"))
    reassign.locator("#ra-reason").fill("按退回理由改派")
    reassign.locator("button[type=submit]").click()
    expect(office.get_by_test_id("task-state")).to_have_text("待签收")
    expect(office.get_by_test_id("task-header")).to_contain_text("市卫健委")
    expect(office.get_by_test_id("task-notes")).to_contain_text("按退回理由改派")
    shoot(screenshot, office, "task-reassigned-desktop")
    task.refresh_from_db()
    assert (task.unit.code, task.state, task.returned_reason) == ("health", "pending", "")

    # 4. the police liaison no longer finds it
    url = f"{live_server.url}/command/tasks/{task.pk}/"
    assert police.request.get(url).status == 404
    assert police.goto(url).status == 404
    police.goto(f"{live_server.url}/command/tasks/")
    expect(police.get_by_test_id(f"task-{task.pk}")).to_have_count(0)
