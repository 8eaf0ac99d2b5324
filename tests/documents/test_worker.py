"""Stored documents through Redis to a real Celery worker *process* (issue 15): the office clicks PDF,
the page says 生成中…, the worker (the real ``celery -A config worker`` command line, on the test
database and this run's own queue) renders and stores the file in the shared MEDIA_ROOT, the polled
status partial swaps in the link, and the download streams the finished PDF."""

import pytest

from documents.models import StoredDocument
from tests.support.documents import pdf_text, squash
from tests.support.workers import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_click_is_rendered_by_the_worker_and_downloaded(demo, incident_in, client, fresh, worker, media):
    incident = incident_in("responding", level=3)
    client.force_login(fresh("office"))
    base = f"/documents/incidents/{incident.pk}/"
    assert 'data-testid="make-pdf-first-report"' in client.get(base).content.decode()

    response = client.post(f"{base}first-report/pdf/render/", HTTP_HX_REQUEST="true")  # the click
    assert response.status_code == 200 and "生成中" in response.content.decode()
    status_url = f"{base}first-report/pdf/status/"

    def ready():
        html = client.get(status_url).content.decode()  # the page's poll
        return 'data-state="ready"' in html

    wait_for(ready, 90, "the worker to render the first report", worker)
    html = client.get(status_url).content.decode()
    assert f'href="{base}first-report/pdf/"' in html

    response = client.get(f"{base}first-report/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = response.getvalue()
    assert "突发事件信息报告（首报）" in squash(pdf_text(body))
    row = StoredDocument.objects.get(incident=incident, kind="first-report", fmt="pdf")
    assert row.state == "ready" and row.size == len(body) and row.number is not None
    assert (media / row.file.name).is_file()  # written by the worker into the shared MEDIA_ROOT
    assert "documents.tasks.render_document" in worker.read_text()
