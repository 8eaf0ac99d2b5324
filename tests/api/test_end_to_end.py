"""A company's system through the API alone (issue 19): it reports an incident, sends a 续报, and signs
for, reports progress on and completes a task the command gave its unit — the same records the web
pages write (timeline, task notes)."""

from command import tasking
from command.models import Assignment
from incidents.models import Incident, TimelineEvent
from orgchart.models import County, Unit

from .conftest import COMPANY, report_body


def test_a_company_reports_follows_up_and_does_its_task(
    api, people, walk, django_capture_on_commit_callbacks
):
    client = api(COMPANY)
    county = County.objects.get(code="yanhu")
    r = client.post("/api/v1/incidents/", report_body(county=county.pk), format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    incident = Incident.objects.get(pk=body["id"])
    company = Unit.objects.get(code=COMPANY)
    assert incident.company_id == company.pk  # from the token
    assert incident.created_by == client.token.user
    assert body["recommendation"]["status"] in ("provisional", "none", "firm", "lapsed", "no_outage")
    assert r["Location"] == f"/api/v1/incidents/{incident.pk}/"

    r = client.post(
        f"/api/v1/incidents/{incident.pk}/follow-ups/",
        {"note": "抢修中，停热户数核实为1500户", "affected_households": 1500},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["changes"] == {"affected_households": [1200, 1500]}  # only what was sent
    incident.refresh_from_db()
    assert incident.affected_households == 1500 and incident.affected_area_m2 == 150000

    with django_capture_on_commit_callbacks(execute=True):
        walk(incident, "responding", 4)
        task = tasking.task_issue(
            incident_id=incident.pk,
            user=people.office,
            title="关闭阀门，组织抢修",
            text="",
            unit_id=company.pk,
        )
    r = client.get("/api/v1/tasks/")
    assert task.pk in [t["id"] for t in r.json()]
    r = client.post(f"/api/v1/tasks/{task.pk}/sign/", {"expected_state": "pending"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "signed", r.json()
    r = client.post(f"/api/v1/tasks/{task.pk}/progress/", {"text": "阀门已关闭"}, format="json")
    assert r.status_code == 201 and r.json()["task_state"] == "in_progress", r.json()
    r = client.post(f"/api/v1/tasks/{task.pk}/complete/", {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "done", r.json()
    task.refresh_from_db()
    assert task.state == Assignment.State.DONE and task.done_by_name == client.token.user.username
    assert [n.action for n in task.notes.order_by("at", "id")] == ["issue", "sign", "progress", "done"]
    kinds = set(TimelineEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert {"created", "follow_up"} <= kinds
