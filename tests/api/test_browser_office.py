"""The office's token page on a phone (390 px): issue a token, see it once, no sideways scrolling; the
API page (Swagger UI from static/) renders the operations."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_issue_a_token_on_a_phone(demo_accounts, new_page, login, live_server, screenshot):
    page = login(new_page("phone"), "office")
    page.goto(f"{live_server.url}/api/office/tokens/")
    page.select_option("#id_unit", label="运城市演示热力有限公司（演示）")
    page.fill("#id_name", "调度系统")
    page.check("input[value='incidents:report']")
    page.check("input[value='tasks:write']")
    page.click("button:has-text('签发')")
    secret = page.get_by_test_id("token-secret").locator("code").inner_text()
    assert secret.startswith("hk_")
    screenshot(page, "api-tokens-phone")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "window.innerWidth + 1 && !e.closest('.table-responsive')).map(e => e.tagName + '.' + e.className)"
    )
    assert not wide and page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), wide
    page.reload()
    assert page.get_by_test_id("token-secret").count() == 0


def test_the_api_page_lists_the_operations(new_page, live_server, screenshot):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector("text=接报登记（§5.1）")
    assert page.locator(".opblock").count() >= 19
    screenshot(page, "api-docs")
