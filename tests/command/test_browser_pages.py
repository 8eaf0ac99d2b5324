"""The long lists and the forms that load when opened, in the browser (issue 15): "更早的记录" on the
incident page appends the next 50 timeline events (htmx), 续报 opens with its form, the task board's
sections load their rows when opened and "更多任务" appends the next ones, the command page's 到岗通知 form
loads its people; on a phone nothing is wider than the screen. Without JavaScript the same links open
plain pages."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import activated_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_events(incident, n):
    from datetime import timedelta

    from django.utils import timezone

    from incidents.models import TimelineEvent

    base = timezone.now() - timedelta(days=2)
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            incident=incident,
            at=base + timedelta(minutes=i),
            kind="note",
            actor_name="王文静",
            summary=f"测试记录{i:03d}",
        )
        for i in range(n)
    )


def test_more_and_lazy_forms_in_the_browser(live_server, new_page, login, demo, user_of, screenshot):
    from command.assignments.selectors import TASK_ROWS
    from command.models import Assignment
    from incidents.models import TimelineEvent
    from orgchart.models import Unit

    incident = activated_incident(user_of, title="测试：长时间线")
    add_events(incident, 120)
    total = TimelineEvent.objects.filter(incident=incident).count()
    police = Unit.objects.get(code="public_security")
    Assignment.objects.bulk_create(
        Assignment(
            incident=incident,
            kind="task",
            unit=police,
            title=f"测试任务{i:02d}",
            duties="抢修",
            clause="§5.3.3(2)",
            level=2,
        )
        for i in range(TASK_ROWS + 3)
    )

    office = login(new_page("phone"), "office")
    office.goto(f"{live_server.url}/incidents/{incident.pk}/")
    events = office.get_by_test_id("timeline-event")
    expect(events).to_have_count(50)
    office.get_by_test_id("timeline-more-link").click()
    expect(events).to_have_count(100)
    office.get_by_test_id("timeline-more-link").click()
    expect(events).to_have_count(total)
    expect(office.get_by_test_id("timeline-more-link")).to_have_count(0)
    # 续报: the form loads when opened
    follow_up = office.get_by_test_id("follow-up-form")
    follow_up.locator("summary").click()
    expect(follow_up.locator("textarea[name=note]")).to_be_visible()
    widths = office.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the incident page is {widths[0]} px wide on a {widths[1]} px phone"

    # the board: a section's rows load when it is opened; 更多任务 appends the next ones
    office.goto(f"{live_server.url}/command/incidents/{incident.pk}/tasks/")
    section = office.get_by_test_id(f"board-unit-{police.code}")
    section.locator("summary").click()
    rows = section.locator("li.task-row")
    expect(rows).to_have_count(TASK_ROWS)
    section.get_by_test_id("tasks-more-link").click()
    expect(rows).to_have_count(TASK_ROWS + 4)  # and its assignment
    screenshot(office, "board-section-open-phone")

    # the command page: 到岗通知 loads its people when opened
    office.goto(f"{live_server.url}/command/incidents/{incident.pk}/")
    calldown = office.get_by_test_id("calldown-form")
    calldown.locator("summary").click()
    expect(calldown.locator("#cd-people option").first).to_be_attached()


def test_without_javascript_the_links_open_pages(live_server, new_page, login, demo, user_of):
    incident = activated_incident(user_of, title="测试：无脚本")
    add_events(incident, 60)
    logged_in = login(new_page("desktop"), "office")
    page = new_page("desktop", java_script_enabled=False, storage_state=logged_in.context.storage_state())
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    page.get_by_test_id("timeline-more-link").click()
    page.wait_for_url(f"**/incidents/{incident.pk}/timeline/?before=*")
    expect(page.get_by_test_id("timeline-event").first).to_be_visible()
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    follow_up = page.get_by_test_id("follow-up-form")
    follow_up.locator("summary").click()
    follow_up.get_by_role("link", name="打开表单").click()
    expect(page.locator("textarea[name=note]")).to_be_visible()
