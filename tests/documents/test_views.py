"""The documents pages (issue 10): the incident's list of documents with PDF/DOCX links and why one is not
available yet; downloads with their file names; who may download what; the Chinese explanation shown
when the PDF renderer is missing. Since issue 15 a download is rendered by the Celery task first
(``download`` runs it in this process; tests/documents/test_worker.py runs a real worker)."""

import sys

import pytest

from tests.support.documents import docx_text, download, pdf_text, run_queued_renders, squash
from tests.support.incidents import assign_unit

pytestmark = [pytest.mark.django_db]


def test_anonymous_people_are_sent_to_the_login(client, make_incident):
    incident = make_incident()
    for url in (
        f"/documents/incidents/{incident.pk}/",
        f"/documents/incidents/{incident.pk}/first-report/pdf/",
        f"/documents/incidents/{incident.pk}/first-report/pdf/status/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(f"/documents/incidents/{incident.pk}/first-report/pdf/render/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_list_says_why_a_document_is_not_there_yet(client, people, incident_in):
    incident = incident_in("aftermath", level=3, deaths=1)
    client.force_login(people.office)
    response = client.get(f"/documents/incidents/{incident.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "调查评估报告尚未提交（§7.2）" in html
    assert "办公室总结尚未提交（§7.2）" in html
    assert "尚无续报（§5.1）" in html
    assert f"/documents/incidents/{incident.pk}/first-report/pdf/" in html
    assert f"/documents/incidents/{incident.pk}/record/docx/" in html
    assert "运城市城市基础公用事业应急工作指挥部办公室" in html and "§2.1" in html


def test_the_list_of_an_incident_without_an_accident_needs_no_investigation(client, people, incident_in):
    incident = incident_in("responding", level=4)
    client.force_login(people.director)
    html = client.get(f"/documents/incidents/{incident.pk}/").content.decode()
    assert "不需要调查评估报告（§7.2）" in html
    assert "/notice/" in html  # the activation notice


def test_the_office_downloads_a_pdf_and_a_docx_with_chinese_file_names(client, people, incident_in):
    incident = incident_in("responding", level=3)
    client.force_login(people.office)
    response = download(client, f"/documents/incidents/{incident.pk}/first-report/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.body[:5] == b"%PDF-"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    assert "突发事件信息报告" in squash(pdf_text(response.body))
    response = download(client, f"/documents/incidents/{incident.pk}/record/docx/")
    assert response.status_code == 200 and response.body[:2] == b"PK"
    assert "应急处置记录" in docx_text(response.body)


def test_a_member_unit_downloads_the_reports_but_not_the_notices(client, people, incident_in):
    from documents import builders

    incident = incident_in("responding", level=3)
    client.force_login(people.police)
    # not on the incident: nothing, not even that it exists (issue 16, finding 7)
    assert client.get(f"/documents/incidents/{incident.pk}/first-report/pdf/").status_code == 404

    assign_unit(incident, "public_security")
    assert download(client, f"/documents/incidents/{incident.pk}/first-report/pdf/").status_code == 200
    notice = builders.decision_events(incident.pk)[0]
    for url in ("record/pdf/", f"notice/{notice.pk}/pdf/"):
        assert client.get(f"/documents/incidents/{incident.pk}/{url}").status_code == 403
        assert client.get(f"/documents/incidents/{incident.pk}/{url}status/").status_code == 403
        assert client.post(f"/documents/incidents/{incident.pk}/{url}render/").status_code == 403
    assert run_queued_renders() == []  # nothing was asked for on their behalf
    html = client.get(f"/documents/incidents/{incident.pk}/").content.decode()
    assert "仅限办公室和指挥人员" in html


def test_a_missing_document_is_a_clear_page(client, people, incident_in):
    incident = incident_in("aftermath", level=3, deaths=1)
    client.force_login(people.office)
    response = client.get(f"/documents/incidents/{incident.pk}/investigation/pdf/")
    assert response.status_code == 404 and "调查评估报告尚未提交" in response.content.decode()
    response = client.post(f"/documents/incidents/{incident.pk}/investigation/pdf/render/")
    assert response.status_code == 404 and "调查评估报告尚未提交" in response.content.decode()
    response = client.post(
        f"/documents/incidents/{incident.pk}/investigation/pdf/render/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'data-state="missing"' in response.content.decode()  # in the slot
    assert client.get(f"/documents/incidents/{incident.pk}/nonsense/pdf/").status_code == 404
    assert client.get(f"/documents/incidents/{incident.pk}/notice/999999/pdf/").status_code == 404
    assert client.get(f"/documents/incidents/{incident.pk}/follow-up/pdf/").status_code == 404
    assert client.get("/documents/incidents/999999/").status_code == 404
    assert client.get("/documents/incidents/999999/first-report/pdf/").status_code == 404
    assert client.get("/documents/incidents/999999/first-report/pdf/status/").status_code == 404
    assert run_queued_renders() == []  # nothing that does not exist was queued


def test_without_weasyprint_the_site_explains_in_chinese(client, people, incident_in, monkeypatch, caplog):
    """The PDF renderer is imported lazily: with it missing on the worker, the render fails and the page
    says why in Chinese, offering the DOCX and a retry; it is logged; everything else keeps working."""
    incident = incident_in("responding", level=3)
    client.force_login(people.office)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint → ImportError
    url = f"/documents/incidents/{incident.pk}/first-report/pdf/"
    assert client.get(url).status_code == 202
    assert run_queued_renders() == ["failed"]
    assert any("first-report" in r.getMessage() and "renderer" in r.getMessage() for r in caplog.records)
    for response in (
        client.get(f"{url}status/"),
        client.get(url),
        client.get(f"/documents/incidents/{incident.pk}/"),
    ):
        html = response.content.decode()
        assert "暂时无法生成PDF" in html and "Pango" in html and "重试" in html
        assert f"/documents/incidents/{incident.pk}/first-report/docx/" in html
    assert run_queued_renders() == []  # a failure is not retried by itself: the page offers 重试
    assert download(client, f"/documents/incidents/{incident.pk}/first-report/docx/").status_code == 200


def test_documents_are_written_in_chinese_whatever_the_page_language(client, people, incident_in):
    from django.conf import settings

    incident = incident_in("responding", level=3)
    client.force_login(people.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = download(client, f"/documents/incidents/{incident.pk}/first-report/docx/")
    assert response.status_code == 200
    assert "突发事件信息报告（首报）" in docx_text(response.body)
    assert client.get(f"/documents/incidents/{incident.pk}/").status_code == 200


def test_the_list_reads_a_constant_number_of_times(
    client, people, incident_in, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.services import follow_up_add

    incident = incident_in("responding", level=3)
    client.force_login(people.office)
    url = f"/documents/incidents/{incident.pk}/"
    download(client, f"{url}first-report/docx/")  # a stored file, and one queued
    client.get(f"{url}record/docx/")
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for n in range(8):
        follow_up_add(
            actor=people.office,
            incident_id=incident.pk,
            note=f"续报{n}",
            data={"affected_households": 100 + n},
        )
    with CaptureQueriesContext(connection) as after:
        html = client.get(url).content.decode()
    assert "第8次续报" in html
    assert len(after.captured_queries) == len(before.captured_queries)
    assert 'data-state="stale"' in html and 'data-state="queued"' in html  # the stored file is stale now
