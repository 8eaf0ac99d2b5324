"""Issue 10 in the browser: the office opens the demo incident's documents page after the walk to the
archive and downloads the investigation report as PDF (and the first report as DOCX)."""

import pytest

from .conftest import walk_demo_to_archive

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_office_downloads_the_investigation_report(live_server, new_page, login, screenshot, demo, fresh):
    incident = walk_demo_to_archive(fresh)
    page = login(new_page("desktop"), "office")
    page.goto(f"{live_server.url}/documents/incidents/{incident.pk}/")
    row = page.get_by_test_id("doc-investigation")
    assert "调查评估报告" in row.inner_text()
    screenshot(page, "documents-list-desktop")
    with page.expect_download() as info:
        row.get_by_test_id("pdf-investigation").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf") and "调查评估报告" in download.suggested_filename
    with open(download.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    with page.expect_download() as info:
        page.get_by_test_id("docx-first-report").click()
    with open(info.value.path(), "rb") as f:
        assert f.read(2) == b"PK"

    phone = login(new_page("phone"), "police")
    phone.goto(f"{live_server.url}/documents/incidents/{incident.pk}/")
    assert phone.get_by_test_id("pdf-investigation").count() == 0  # the reports only (§5.1)
    assert phone.get_by_test_id("pdf-first-report").count() == 1
    screenshot(phone, "documents-list-phone")
