"""Validation exactly as the web forms (same codes, same Chinese messages, English on request), the
token's company and county, and a 续报 that changes only what it carries."""

from datetime import timedelta

from django.utils import timezone

from incidents.models import Incident
from orgchart.models import County, Unit
from tests.support.api import COMPANY, report_body


def _errors(r):
    return {(e["field"], e["code"]): e["message"] for e in r.json()["errors"]}


def test_missing_fields_get_the_forms_messages(api):
    r = api(COMPANY).post("/api/v1/incidents/", {}, format="json")
    assert r.status_code == 400
    errors = _errors(r)
    assert errors[("title", "required")] == "请填写简述。"
    assert errors[("category", "required")] == "请选择事件类别。"
    assert errors[("county", "required")] == "请选择事发地县（市、区）。"
    body = r.json()
    assert body["code"] == "invalid" and body["field"] and body["message"]
    assert not Incident.objects.exists()


def test_rules_of_the_form_with_their_codes_and_english(api):
    client = api(COMPANY)
    future = (timezone.localtime() + timedelta(hours=3)).isoformat()
    bad = report_body(county=County.objects.get(code="yanhu").pk, occurred_at=future, affected_households=-5)
    r = client.post("/api/v1/incidents/", bad, format="json")
    errors = _errors(r)
    assert ("affected_households", "negative") in errors
    assert ("occurred_at", "future") in errors and "晚于现在" in errors[("occurred_at", "future")]
    r = client.post("/api/v1/incidents/", bad, format="json", HTTP_ACCEPT_LANGUAGE="en")
    message = _errors(r)[("affected_households", "negative")]
    assert message.isascii() or "negative" in message.lower(), (
        message
    )  # English once the integrator translates


def test_json_types_are_checked_before_the_form(api):
    r = api(COMPANY).post("/api/v1/incidents/", report_body(title=5, affected_households="12"), format="json")
    assert r.status_code == 400
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"title", "affected_households"}


def test_a_company_token_reports_for_its_company_only(api):
    other = Unit.objects.get(code="demo-heat-2")
    yanhu = County.objects.get(code="yanhu")
    r = api(COMPANY).post("/api/v1/incidents/", report_body(county=yanhu.pk, company=other.pk), format="json")
    assert r.status_code == 400 and ("company", "company_mismatch") in _errors(r)


def test_a_county_government_token_reports_in_its_county(api):
    yongji = County.objects.get(code="yongji")
    client = api(yongji.government.code, ["incidents:report", "incidents:read"])
    r = client.post("/api/v1/incidents/", report_body(), format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["county"] == yongji.pk and r.json()["company"] is None
    r = client.post(
        "/api/v1/incidents/", report_body(county=County.objects.get(code="yanhu").pk), format="json"
    )
    assert ("county", "county_mismatch") in _errors(r)


def test_a_follow_up_changes_only_what_it_carries(api):
    client = api(COMPANY)
    r = client.post(
        "/api/v1/incidents/",
        report_body(county=County.objects.get(code="yanhu").pk, deaths=1, direct_loss=12.5),
        format="json",
    )
    incident = Incident.objects.get(pk=r.json()["id"])
    assert incident.direct_loss_yuan == 125000
    r = client.post(
        f"/api/v1/incidents/{incident.pk}/follow-ups/",
        {"note": "恢复供热", "restored_at": timezone.localtime().isoformat()},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert set(r.json()["changes"]) == {"restored_at"}
    incident.refresh_from_db()
    assert (incident.deaths, incident.direct_loss_yuan, incident.affected_households) == (1, 125000, 1200)
    r = client.post(f"/api/v1/incidents/{incident.pk}/follow-ups/", {"deaths": 2}, format="json")
    assert r.status_code == 400 and ("note", "required") in _errors(r)
    r = client.post(
        f"/api/v1/incidents/{incident.pk}/follow-ups/", {"note": "x", "still_trapped": 3}, format="json"
    )
    assert r.status_code == 400 and ("still_trapped", "above_peak") in _errors(r)


def test_reading_gives_the_level_and_the_recommendation(api, django_assert_max_num_queries):
    client = api(COMPANY)
    yanhu = County.objects.get(code="yanhu").pk
    for _n in range(3):
        client.post(
            "/api/v1/incidents/", report_body(county=yanhu, affected_area_m2=20_000_000), format="json"
        )
    with django_assert_max_num_queries(8):
        rows = client.get("/api/v1/incidents/").json()
    assert len(rows) == 3 and rows[0]["recommendation"]["clauses"]
    assert client.get("/api/v1/incidents/?page=0").status_code == 400


def test_a_nul_character_is_refused_not_a_server_error(api):
    client = api(COMPANY)
    r = client.post("/api/v1/incidents/", report_body(title="爆管\x00"), format="json")
    assert r.status_code == 400 and "title" in {e["field"] for e in r.json()["errors"]}
    r = client.post(
        "/api/v1/webhooks/", {"url": "http://127.0.0.1/\x00", "events": ["task.new"]}, format="json"
    )
    assert r.status_code == 400 and r.json()["field"] == "url"
    r = client.post("/api/v1/tasks/1/progress/", {"text": "a\x00"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "null_characters_not_allowed"
