"""Production settings of issue 16: forwarding headers believed only from the trusted proxy, a lockout
per username and real address that the office director can lift (recorded), upload limits in Django, and
no start with the example key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt

from config import startup
from orgchart.demo import DEMO_PASSWORD
from orgchart.models import OrgChange

ROOT = Path(__file__).resolve().parents[2]
CLEAN = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def fail_login(client, username, address, *, via_proxy=False, forwarded=None):
    extra = {"REMOTE_ADDR": PROXY if via_proxy else address}
    if forwarded or via_proxy:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded or address
    return client.post("/login/", {"username": username, "password": "wrong"}, **extra)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    return settings


def test_a_client_cannot_pose_as_another_address(client, demo_accounts, settings):
    """Without a trusted proxy, X-Forwarded-For is ignored: the lockout is by the real address."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail_login(client, "commander", "203.0.113.9", forwarded="198.51.100.1")
    attempt = AccessAttempt.objects.get(username="commander")
    assert attempt.ip_address == "203.0.113.9"


def test_behind_the_proxy_the_lockout_is_per_client_not_per_proxy(client, demo_accounts, behind_proxy):
    """Everyone comes from the proxy's address: a stranger locking "commander" out from one address does
    not lock the commander out at another."""
    for _ in range(behind_proxy.AXES_FAILURE_LIMIT):
        fail_login(client, "commander", "198.51.100.7", via_proxy=True)
    assert AccessAttempt.objects.get(username="commander").ip_address == "198.51.100.7"
    ok = client.post(
        "/login/",
        {"username": "commander", "password": DEMO_PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="192.0.2.50",
    )
    assert ok.status_code == 302, "the commander at another address is not locked out"


def test_only_the_proxys_last_hop_is_believed(client, demo_accounts, behind_proxy):
    """A client sending its own X-Forwarded-For gets the proxy's appended address used, not its claim."""
    fail_login(client, "director", "", via_proxy=True, forwarded="1.2.3.4, 198.51.100.8")
    assert AccessAttempt.objects.get(username="director").ip_address == "198.51.100.8"


def test_forwarded_proto_is_trusted_from_the_proxy_only(client, demo_accounts, behind_proxy):
    behind_proxy.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    behind_proxy.SECURE_SSL_REDIRECT = True
    # From a stranger the header is dropped: the request is plain HTTP and is redirected to HTTPS.
    stranger = client.get("/login/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert stranger.status_code == 301 and stranger["Location"].startswith("https://")
    # From the proxy it is believed: already HTTPS, served.
    proxied = client.get(
        "/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="192.0.2.1"
    )
    assert proxied.status_code == 200


def test_the_office_director_unlocks_and_it_is_recorded(client, demo_accounts, settings, user_of):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail_login(client, "commander", "203.0.113.9")
    attempt = AccessAttempt.objects.get(username="commander")
    client.force_login(user_of("office"))
    assert client.get("/org/lockouts/").status_code == 403, "office staff may not unlock"
    assert client.post("/org/lockouts/unlock/", {"attempt": attempt.pk}).status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    client.force_login(user_of("director"))
    page = client.get("/org/lockouts/").content.decode()
    assert "commander" in page and "203.0.113.9" in page
    assert client.post("/org/lockouts/unlock/", {"attempt": "x"}).status_code == 302  # malformed: a message
    resp = client.post("/org/lockouts/unlock/", {"attempt": attempt.pk}, follow=True)
    assert "已解除 commander（203.0.113.9）的登录锁定" in resp.content.decode()
    assert not AccessAttempt.objects.filter(username="commander").exists()
    change = OrgChange.objects.get(action="unlock")
    assert change.actor == user_of("director") and "commander" in change.summary
    again = client.post("/org/lockouts/unlock/", {"attempt": attempt.pk}, follow=True)
    assert "已不存在" in again.content.decode()
    client.logout()
    ok = client.post(
        "/login/", {"username": "commander", "password": DEMO_PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert ok.status_code == 302


def test_a_body_over_the_limit_is_refused_before_it_is_read(as_user, settings):
    settings.MAX_REQUEST_BYTES = 1024
    client = as_user("office")
    resp = client.post("/incidents/new/", {"title": "x" * 4000})
    assert resp.status_code == 413
    assert "提交的内容过大" in resp.content.decode()


def test_the_example_key_from_env_example_is_refused():
    assert "change-me-to-a-long-random-string" in startup.example_keys()
    out = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env={**CLEAN, "SECRET_KEY": "change-me-to-a-long-random-string"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0 and ".env.example" in out.stderr
