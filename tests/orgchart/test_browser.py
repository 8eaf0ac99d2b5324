"""A newcomer clicks from the org chart to a unit and a group, and sees who is on duty tonight."""

import pytest

from orgchart.selectors import on_duty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_org_chart_to_unit_group_and_duty(live_server, new_page, login, demo, screenshot, size):
    page = login(new_page(size), "police")
    page.goto(f"{live_server.url}/org/")
    assert page.get_by_test_id("city-hq").is_visible()
    screenshot(page, f"org-chart-{size}")

    page.get_by_test_id("member-units").get_by_role("link", name="市消防救援支队").click()
    page.wait_for_url("**/org/units/fire_rescue/")
    assert (
        page.get_by_test_id("duties").inner_text()
        == "负责组织指挥所属队伍参加以抢救人员生命为主的应急救援工作。"
    )
    assert page.get_by_role("link", name="抢险救援组").first.is_visible()
    screenshot(page, f"org-unit-{size}")

    page.go_back()
    page.get_by_test_id("group-public_order").click()
    page.wait_for_url("**/org/groups/public_order/")
    leader = page.get_by_test_id("group-leader")
    assert "市公安局分管负责人。" in leader.inner_text()
    assert "（演示）" in leader.inner_text()  # a named person leads it
    screenshot(page, f"org-group-{size}")

    shift = on_duty()
    page.goto(f"{live_server.url}/org/duty/")
    duty = page.get_by_test_id("duty-now").inner_text()
    assert shift.duty_officer.name in duty and shift.duty_leader.name in duty
    screenshot(page, f"org-duty-{size}")


def test_live_search_finds_a_person(live_server, new_page, login, demo):
    page = login(new_page("phone"), "office")
    page.goto(f"{live_server.url}/org/search/")
    page.fill("#q", "刘晓军")
    page.wait_for_selector("#search-results >> text=刘晓军（演示）")
    page.get_by_role("link", name="刘晓军（演示）").click()
    page.wait_for_url("**/org/people/*/")
    assert "市公安局" in page.content()
