"""Each endpoint × each token scope: the one scope it needs is allowed, every other is refused (403,
nothing changed); no token, a revoked and an expired token are 401; another unit's token does not find
the unit's incident, task or webhook (404), as a person of another unit would not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import ApiToken, Delivery, Webhook
from api.services import token_revoke
from command.assignments import services as tasking
from orgchart.models import County, Unit
from tests.support.api import ALL_SCOPES, COMPANY, report_body

ENDPOINTS = [
    ("get", "/api/v1/incidents/", "incidents:read", None),
    ("post", "/api/v1/incidents/", "incidents:report", "report"),
    ("get", "/api/v1/incidents/{incident}/", "incidents:read", None),
    ("post", "/api/v1/incidents/{incident}/follow-ups/", "incidents:report", {"note": "续报：已关阀"}),
    ("get", "/api/v1/tasks/", "tasks:read", None),
    ("get", "/api/v1/tasks/{task}/", "tasks:read", None),
    ("post", "/api/v1/tasks/{task}/sign/", "tasks:write", {}),
    ("post", "/api/v1/tasks/{task}/progress/", "tasks:write", {"text": "处理中"}),
    ("post", "/api/v1/tasks/{task}/complete/", "tasks:write", {}),
    ("get", "/api/v1/webhooks/", "webhooks:manage", None),
    (
        "post",
        "/api/v1/webhooks/",
        "webhooks:manage",
        {"url": "http://127.0.0.1:9/hook", "events": ["task.new"]},
    ),
    ("get", "/api/v1/webhooks/{webhook}/deliveries/", "webhooks:manage", None),
    ("post", "/api/v1/deliveries/{delivery}/redeliver/", "webhooks:manage", {}),
    ("delete", "/api/v1/webhooks/{webhook}/", "webhooks:manage", None),
    ("get", "/api/v1/reference/counties/", None, None),
    ("get", "/api/v1/reference/service-areas/", None, None),
    ("get", "/api/v1/reference/units/", None, None),
    ("get", "/api/v1/reference/groups/", None, None),
    ("get", "/api/v1/reference/choices/", None, None),
]


@pytest.fixture
def world(demo, issue, people, make_incident, walk, django_capture_on_commit_callbacks):
    company = Unit.objects.get(code=COMPANY)
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(company=company)
        walk(incident, "responding", 4)
        task = tasking.task_issue(
            incident_id=incident.pk, user=people.office, title="抢修", text="", unit_id=company.pk
        )
    owner, _secret = issue(COMPANY, scopes=["webhooks:manage"])
    hook = Webhook.objects.create(
        unit=company, url="http://127.0.0.1:9/hook", events=["task.new"], secret="s", created_by=owner.user
    )
    delivery = Delivery.objects.create(webhook=hook, event="task.new", key="k", state="failed", attempts=5)
    return {"incident": incident.pk, "task": task.pk, "webhook": hook.pk, "delivery": delivery.pk}


def call(client, method, path, body, world):
    url = path.format(**world)
    if body == "report":
        body = report_body(county=County.objects.get(code="yanhu").pk)
    if method == "get":
        return client.get(url)
    if method == "delete":
        return client.delete(url)
    return client.post(url, body, format="json")


@pytest.mark.parametrize(
    ("method", "path", "scope", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _s, _b in ENDPOINTS]
)
def test_each_endpoint_needs_its_scope(
    api, world, method, path, scope, body, django_capture_on_commit_callbacks
):
    if path.endswith("/complete/"):  # done follows a sign-for (command.assignments.services.MOVES)
        assert api(COMPANY, ["tasks:write"]).post(f"/api/v1/tasks/{world['task']}/sign/").status_code == 200
    others = [s for s in ALL_SCOPES if s != scope]
    for other in others if scope else []:
        r = call(api(COMPANY, [other]), method, path, body, world)
        assert r.status_code == 403, (other, r.content)
        assert r.json()["code"] == "permission_denied" and scope in r.json()["message"]
    with django_capture_on_commit_callbacks(execute=False):
        r = call(api(COMPANY, [scope] if scope else ["tasks:read"]), method, path, body, world)
    assert r.status_code in (200, 201, 202, 204), r.content


@pytest.mark.parametrize(("method", "path", "scope", "body"), [e for e in ENDPOINTS if "{" in e[1]])
def test_another_units_token_finds_nothing(api, world, method, path, scope, body):
    r = call(api("demo-heat-2"), method, path, body, world)
    assert r.status_code == 404 and r.json()["code"] == "not_found", r.content


def test_lists_show_only_the_units_own(api, world):
    other = api("demo-heat-2")
    assert other.get("/api/v1/incidents/").json() == []
    assert other.get("/api/v1/tasks/").json() == []
    assert other.get("/api/v1/webhooks/").json() == []
    mine = api(COMPANY)
    assert [i["id"] for i in mine.get("/api/v1/incidents/").json()] == [world["incident"]]
    assert world["task"] in [t["id"] for t in mine.get("/api/v1/tasks/").json()]


@pytest.mark.parametrize(
    ("method", "path", "scope", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _s, _b in ENDPOINTS]
)
def test_without_a_valid_token_401(api, issue, people, world, method, path, scope, body):
    from rest_framework.test import APIClient

    r = call(APIClient(), method, path, body, world)
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    revoked, secret = issue(COMPANY)
    token_revoke(actor=people.office, token_id=revoked.pk)
    r = call(api(secret=secret), method, path, body, world)
    assert r.status_code == 401 and r.json()["message"] == "令牌已被吊销。"
    expired, secret = issue(COMPANY)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = call(api(secret=secret), method, path, body, world)
    assert r.status_code == 401 and r.json()["message"] == "令牌已过期。"
    r = call(api(secret=secret[:-2] + "xx"), method, path, body, world)
    assert r.status_code == 401 and r.json()["message"] == "令牌无效。"


def test_an_unknown_api_path_answers_the_api_json_error(client):
    """A caller's script that builds a path wrongly (an empty id) gets JSON it can read, not the HTML page;
    outside /api/ the 404 page stays the site's."""
    r = client.post("/api/v1/tasks//sign/")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json"), r.content
    body = r.json()
    assert (
        body["code"] == "not_found"
        and "接口地址" in body["message"]
        and body["errors"][0]["code"] == "not_found"
    )
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
