import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_login_and_see_the_chinese_home_page(live_server, new_page, login, demo_accounts, screenshot, size):
    page = new_page(size)
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    assert page.locator("h2", has_text="登录").is_visible()
    screenshot(page, f"login-{size}")
    login(page, "director")
    assert page.url == f"{live_server.url}/"
    assert page.locator("h1", has_text="供热应急总览").is_visible()  # the overview is the home page
    if size == "phone":
        page.get_by_role("button", name="菜单").click()  # the navigation folds away on a phone
    assert page.get_by_test_id("current-user").inner_text() == "李建国（演示）"
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    assert page.evaluate("typeof htmx") == "object"  # vendored htmx loaded from static/
    screenshot(page, f"home-{size}")


def test_wrong_password_shows_error(live_server, new_page, login, demo_accounts):
    page = login(new_page("phone"), "director", "wrong-password")
    assert page.get_by_test_id("login-error").is_visible()
