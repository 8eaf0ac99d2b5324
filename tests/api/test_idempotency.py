"""``Idempotency-Key``: a retried POST returns the first result and registers nothing twice; the same
key with a different body is refused; keys are per token."""

from incidents.models import FollowUpReport, Incident
from orgchart.models import County
from tests.support.api import COMPANY, report_body


def test_a_retried_report_returns_the_first_result(api):
    client = api(COMPANY)
    body = report_body(county=County.objects.get(code="yanhu").pk)
    first = client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="scada-4711")
    again = client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="scada-4711")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(api):
    client = api(COMPANY)
    body = report_body(county=County.objects.get(code="yanhu").pk)
    client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    r = client.post(
        "/api/v1/incidents/", {**body, "title": "另一件事"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"
    assert Incident.objects.count() == 1


def test_a_refusal_is_replayed_too_and_keys_are_per_token(api):
    client, other = api(COMPANY), api(COMPANY)
    r1 = client.post("/api/v1/incidents/", {}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    r2 = client.post("/api/v1/incidents/", {}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert r1.status_code == r2.status_code == 400 and r1.json() == r2.json()
    body = report_body(county=County.objects.get(code="yanhu").pk)
    assert (
        other.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    )


def test_a_retried_follow_up_is_recorded_once(api):
    client = api(COMPANY)
    incident = client.post(
        "/api/v1/incidents/", report_body(county=County.objects.get(code="yanhu").pk), format="json"
    ).json()["id"]
    for _i in range(3):
        r = client.post(
            f"/api/v1/incidents/{incident}/follow-ups/",
            {"note": "已关阀", "affected_households": 900},
            format="json",
            HTTP_IDEMPOTENCY_KEY="fu-1",
        )
        assert r.status_code == 201
    assert FollowUpReport.objects.filter(incident_id=incident).count() == 1


def test_a_bad_key_is_refused(api):
    r = api(COMPANY).post("/api/v1/incidents/", {}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 201)
    assert r.status_code == 400 and r.json()["code"] == "invalid_idempotency_key"
