"""A company's system through the API alone (issue 19): it reports an incident, sends a 续报, and signs
for, reports progress on and completes a task the command gave its unit — the same records the web
pages write (timeline, task notes)."""

from command.assignments import services as tasking
from command.models import Assignment
from incidents.models import Incident, TimelineEvent
from orgchart.models import County, Unit
from tests.support.api import COMPANY, report_body


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


def test_progress_with_a_photo_and_a_refused_file(api, people, incident_in, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path / "media")
    company = Unit.objects.get(code=COMPANY)
    incident = incident_in("responding", level=4, company=company)
    task = tasking.task_issue(
        incident_id=incident.pk, user=people.office, title="抢修", text="", unit_id=company.pk
    )
    client = api(COMPANY, ["tasks:write"])
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c63f8ffff3f0005fe02fe0def46b80000000049454e44ae426082"
    )
    r = client.post(
        f"/api/v1/tasks/{task.pk}/progress/",
        {"text": "现场照片", "files": [SimpleUploadedFile("scene.png", png, content_type="image/png")]},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    assert len(r.json()["files"]) == 1 and r.json()["task_state"] == "in_progress"
    r = client.post(
        f"/api/v1/tasks/{task.pk}/progress/",
        {"files": [SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")]},
        format="multipart",
    )
    assert r.status_code == 400 and "不支持的文件类型" in r.json()["message"]
    assert task.notes.filter(action="progress").count() == 1
