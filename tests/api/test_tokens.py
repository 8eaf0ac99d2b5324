"""The office issues and revokes tokens on a page (recorded in the change log); the secret is shown once
and kept only as its SHA-256; the last use is recorded; throttling per token."""

import hashlib
import re

from api.models import ApiToken
from orgchart.models import OrgChange, Unit
from tests.support.api import COMPANY


def test_the_office_issues_a_token_shown_once_and_revokes_it(as_user):
    client = as_user("office")
    unit = Unit.objects.get(code=COMPANY)
    r = client.post(
        "/api/office/tokens/",
        {"unit": unit.pk, "name": "调度系统", "scopes": ["incidents:report"], "days": 30},
        follow=True,
    )
    assert r.status_code == 200 and r.redirect_chain == [("/api/office/tokens/", 302)]  # no re-POST on reload
    secret = re.search(r"hk_[0-9a-f]{8}_[\w-]+", r.content.decode()).group(0)
    token = ApiToken.objects.get()
    assert token.hashed == hashlib.sha256(secret.encode()).hexdigest() and secret not in str(token.__dict__)
    assert secret not in client.get("/api/office/tokens/").content.decode()  # never again
    change = OrgChange.objects.get(model="ApiToken", action="create")
    assert change.object_id == str(token.pk) and change.actor.username == "office"
    client.post(f"/api/office/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at and OrgChange.objects.filter(model="ApiToken", action="revoke").count() == 1


def test_the_form_says_what_is_missing(as_user):
    r = as_user("office").post("/api/office/tokens/", {"name": ""})
    assert r.status_code == 422 and "请选择单位或企业。" in r.content.decode()
    assert "请选择至少一项权限范围。" in r.content.decode() and not ApiToken.objects.exists()


def test_only_the_office_manages_tokens(as_user):
    assert as_user("police").get("/api/office/tokens/").status_code == 403
    assert as_user("police").get("/api/office/webhooks/").status_code == 403
    assert as_user("director").get("/api/office/webhooks/").status_code == 200


def test_last_use_is_recorded(api):
    client = api(COMPANY)
    assert client.token.last_used_at is None
    client.get("/api/v1/reference/counties/")
    client.token.refresh_from_db()
    assert client.token.last_used_at is not None


def test_throttled_per_token(api, settings):
    from api.auth import TokenRateThrottle

    old = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = {"token": "3/min"}
    try:
        busy, calm = api(COMPANY), api(COMPANY)
        codes = [busy.get("/api/v1/reference/groups/").status_code for _i in range(4)]
        assert codes == [200, 200, 200, 429]
        r = busy.get("/api/v1/reference/groups/")
        assert r.json()["code"] == "throttled"
        assert calm.get("/api/v1/reference/groups/").status_code == 200  # another token: its own budget
    finally:
        TokenRateThrottle.THROTTLE_RATES = old


def test_the_command_line_issues_a_token(demo, capsys):
    from django.core.management import call_command

    call_command("issue_api_token", unit=COMPANY, name="调度系统", scopes=["tasks:read"], by="office")
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert token.matches(secret) and token.scopes == ["tasks:read"]
    assert OrgChange.objects.filter(model="ApiToken", object_id=str(token.pk)).exists()
