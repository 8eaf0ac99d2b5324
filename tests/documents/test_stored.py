"""Stored documents (issue 15): asking for a document enqueues one render per version, the worker's task
stores the file, the download streams it and never renders; a change of the incident makes the file
stale and the next request renders it again under the same 发文字号; failures are shown with a retry
and logged; the status partial the page polls costs the same few queries whatever the history.

The task runs in this process here (Celery's ``apply``); tests/documents/test_worker.py runs a real
worker."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents import render, stored
from documents.models import StoredDocument
from documents.tasks import render_document
from tests.support.documents import download, pdf_pages, pdf_text, run_queued_renders, squash

pytestmark = [pytest.mark.django_db]

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_click_shows_generating_then_the_link(client, people, incident_in):
    incident = incident_in("responding", level=3)
    client.force_login(people.office)
    base = f"/documents/incidents/{incident.pk}/"
    html = client.get(base).content.decode()
    assert 'data-testid="make-pdf-first-report"' in html and 'data-state="none"' in html
    response = client.post(f"{base}first-report/pdf/render/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "生成中" in html and 'data-state="queued"' in html
    assert f'hx-get="{base}first-report/pdf/status/"' in html  # the partial polls itself
    assert 'data-state="queued"' in client.get(f"{base}first-report/pdf/status/").content.decode()
    assert run_queued_renders() == ["ready"]
    html = client.get(f"{base}first-report/pdf/status/").content.decode()
    assert 'data-state="ready"' in html and "hx-get" not in html  # polling stops
    assert f'href="{base}first-report/pdf/"' in html and "生成于" in html
    assert f'href="{base}first-report/pdf/"' in client.get(base).content.decode()
    # without JavaScript the button is a form: the POST goes back to the list
    response = client.post(f"{base}record/pdf/render/")
    assert response.status_code == 302 and response["Location"] == f"{base}#doc-record"


def test_asking_twice_renders_once(people, incident_in):
    incident = incident_in("responding", level=3)
    first, _ = stored.request(incident.pk, "first-report", None, "pdf", user=people.office)
    again, _ = stored.request(incident.pk, "first-report", None, "pdf", user=people.police)
    assert first.pk == again.pk and first.job == again.job
    assert StoredDocument.objects.filter(incident=incident).count() == 1
    assert run_queued_renders() == ["ready"]
    # a duplicate delivery of the same job (acks_late after a worker died) finds nothing to do
    assert render_document.apply(args=(first.pk, str(first.job))).get() == "skipped"
    ready, _ = stored.request(incident.pk, "first-report", None, "pdf")
    assert ready.state == "ready" and ready.job == first.job  # nothing enqueued
    assert run_queued_renders() == []


@pytest.mark.django_db(transaction=True)
def test_two_people_clicking_at_once_get_one_render(demo, incident_in, people):
    """Two requests in two connections at the same moment: the row lock lets one enqueue, the other
    finds it queued. (The enqueued message goes to this run's own queue, purged afterwards.)"""
    from django.db import close_old_connections

    from config.celery import app

    incident = incident_in("responding", level=3)
    barrier, jobs, errors = threading.Barrier(2), [], []

    def click():
        try:
            barrier.wait(timeout=10)
            row, _ = stored.request(incident.pk, "record", None, "pdf")
            jobs.append(row.job)
        except Exception as e:  # reported below
            errors.append(e)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    app.control.purge()
    assert not errors, errors
    assert len(jobs) == 2 and jobs[0] == jobs[1] and jobs[0] is not None
    assert StoredDocument.objects.filter(incident=incident, kind="record", fmt="pdf").count() == 1


def test_the_download_streams_the_stored_file_and_never_renders(client, people, incident_in, monkeypatch):
    incident = incident_in("responding", level=3)
    client.force_login(people.office)
    url = f"/documents/incidents/{incident.pk}/first-report/pdf/"
    first = download(client, url)
    assert first.status_code == 200 and first.streaming

    def refuse(*args, **kwargs):
        raise AssertionError("a web request rendered a document")

    for name in ("render_html", "pdf_bytes", "docx_bytes"):
        monkeypatch.setattr(render, name, refuse)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        body = response.getvalue()
    assert response.status_code == 200 and body == first.body
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    row = StoredDocument.objects.get(incident=incident, kind="first-report", fmt="pdf")
    assert row.size == len(body) and row.rendered_at and row.filename.endswith(".pdf")
    # + the download record (issue 16): the document's number and the row written
    assert len(ctx.captured_queries) <= 12


def test_a_change_makes_the_file_stale_and_the_number_stays(
    client, people, incident_in, media, django_capture_on_commit_callbacks
):
    from incidents.services import first_measure_add

    incident = incident_in("responding", level=3)
    client.force_login(people.office)
    url = f"/documents/incidents/{incident.pk}/first-report/pdf/"
    before = download(client, url)
    row = StoredDocument.objects.get(incident=incident, kind="first-report", fmt="pdf")
    number, old_file = row.number, row.file.name
    assert number is not None and squash(f"〔{number.year}〕{number.serial}号") in squash(
        pdf_text(before.body)
    )
    first_measure_add(
        actor=people.office,
        incident=incident,
        at=timezone.now(),
        by="运城市演示热力有限公司（演示）",
        text="关闭故障管段两端阀门（补记）",
    )
    html = client.get(f"{url}status/").content.decode()
    assert 'data-state="stale"' in html and "重新生成" in html
    assert client.get(url).status_code == 202  # not the old file: asked again
    with django_capture_on_commit_callbacks(execute=True):  # the old file is removed after commit
        assert run_queued_renders() == ["ready"]
    after = download(client, url)
    assert after.status_code == 200 and "关闭故障管段两端阀门（补记）" in squash(pdf_text(after.body))
    row.refresh_from_db()
    assert row.number == number  # the same 发文字号 (numbers.assign is keyed by the document)
    assert squash(f"〔{number.year}〕{number.serial}号") in squash(pdf_text(after.body))
    assert row.file.name != old_file and not (media / old_file).exists()  # the old file is removed


def test_the_record_of_an_unrestored_incident_is_refreshed_hourly(incident_in):
    incident = incident_in("responding", level=3)
    now = timezone.now()
    later = now + timedelta(hours=1)
    assert stored.fingerprint(incident.pk, "record", now) != stored.fingerprint(incident.pk, "record", later)
    assert stored.fingerprint(incident.pk, "first-report", now) == stored.fingerprint(
        incident.pk, "first-report", later
    )


def test_a_failure_is_shown_with_a_retry_and_logged(client, people, incident_in, monkeypatch, caplog):
    incident = incident_in("responding", level=3)
    client.force_login(people.office)
    url = f"/documents/incidents/{incident.pk}/first-report/docx/"
    real = render.docx_bytes

    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(render, "docx_bytes", broken)
    assert client.get(url).status_code == 202
    assert run_queued_renders() == ["failed"]
    assert any(r.levelname == "ERROR" and "first-report" in r.getMessage() for r in caplog.records)
    html = client.get(f"{url}status/").content.decode()
    assert 'data-state="failed"' in html and "生成失败" in html and "重试" in html and "磁盘已满" in html
    assert client.get(url).status_code == 202 and run_queued_renders() == []  # no retry by itself
    monkeypatch.setattr(render, "docx_bytes", real)
    response = client.post(f"{url}render/", {"retry": "1"}, **HTMX)
    assert "生成中" in response.content.decode()
    assert run_queued_renders() == ["ready"]
    assert download(client, url).body[:2] == b"PK"


def test_a_lost_render_is_asked_again_and_the_old_job_does_nothing(incident_in):
    incident = incident_in("responding", level=3)
    row, _ = stored.request(incident.pk, "first-report", None, "pdf")
    lost = row.job
    StoredDocument.objects.filter(pk=row.pk).update(requested_at=timezone.now() - timedelta(hours=1))
    again, _ = stored.request(incident.pk, "first-report", None, "pdf")
    assert again.job != lost
    assert render_document.apply(args=(row.pk, str(lost))).get() == "skipped"
    assert run_queued_renders() == ["ready"]


def test_a_stored_drill_is_marked_on_every_page(make_incident):
    drill = make_incident(is_drill=True, title="测试：演练首报")
    row, _ = stored.request(drill.pk, "first-report", None, "pdf")
    assert run_queued_renders() == ["ready"]
    row.refresh_from_db()
    assert "【演练】" in row.filename and row.number.is_drill
    with row.file.open("rb") as f:
        pages = pdf_pages(f.read())
    assert pages and all("【演练】" in page for page in pages)


def test_the_status_partial_reads_a_constant_number_of_times(client, people, incident_in):
    from command.common import timeline_add

    incident = incident_in("responding", level=3)
    client.force_login(people.office)
    url = f"/documents/incidents/{incident.pk}/record/pdf/status/"
    client.get(f"/documents/incidents/{incident.pk}/record/pdf/")  # queued

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert "生成中" in client.get(url).content.decode()
        return len(ctx.captured_queries)

    before = count()
    for n in range(30):
        timeline_add(incident, actor=people.office, summary=f"测试记录{n}", clause="§5.3")
    assert count() == before <= 10
