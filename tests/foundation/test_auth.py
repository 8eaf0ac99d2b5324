import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model

from orgchart.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    resp = client.get("/login/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "供热应急指挥平台" in html and "用户名" in html and "密码" in html


def test_english_is_available(client):
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, follow=True)
    html = resp.content.decode()
    assert '<html lang="en">' in html
    assert "Heating Emergency Command" in html and "Username" in html and "Log in" in html


def test_home_needs_login(client):
    resp = client.get("/")
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")


def test_demo_accounts_idempotent(demo_accounts):
    from django.core.management import call_command

    call_command("create_demo_accounts", quiet=True)
    User = get_user_model()
    assert User.objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS]).count() == len(DEMO_ACCOUNTS)
    assert all(
        u.check_password(DEMO_PASSWORD)
        for u in User.objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS])
    )


def test_login_and_logout_are_recorded(client, demo_accounts):
    resp = client.post("/login/", {"username": "director", "password": DEMO_PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "李建国（演示）" in home.content.decode()
    assert client.post("/logout/").status_code == 302
    log = AccessLog.objects.get(username="director")
    assert log.attempt_time and log.logout_time


def test_failed_login_shows_chinese_error_and_is_recorded(client, demo_accounts):
    resp = client.post("/login/", {"username": "director", "password": "wrong"})
    assert resp.status_code == 200
    assert "请输入一个正确的" in resp.content.decode()  # Django's own zh-hans message
    assert AccessFailureLog.objects.filter(username="director", locked_out=False).count() == 1


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, demo_accounts, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "director", "password": "wrong"})
    resp = client.post("/login/", {"username": "director", "password": DEMO_PASSWORD})
    assert resp.status_code == 429
    assert "登录已被暂时锁定" in resp.content.decode()
    assert AccessAttempt.objects.get(username="director").failures_since_start >= settings.AXES_FAILURE_LIMIT
    # Another user from the same address is not locked out.
    ok = client.post("/login/", {"username": "office", "password": DEMO_PASSWORD})
    assert ok.status_code == 302


def test_session_has_an_idle_timeout(client, demo_accounts, settings):
    client.post("/login/", {"username": "office", "password": DEMO_PASSWORD})
    resp = client.get("/")
    cookie = resp.cookies[settings.SESSION_COOKIE_NAME]
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_base_layout_has_htmx_csrf_header_and_vendored_assets(client, demo_accounts):
    client.post("/login/", {"username": "office", "password": DEMO_PASSWORD})
    html = client.get("/").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in html
    import re

    page = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)  # a random token may spell "cdn" by chance
    assert "cdn" not in page.lower() and "https://" not in page
    assert 'name="viewport"' in html
