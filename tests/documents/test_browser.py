"""Issues 10 and 15 in the browser: the office opens the demo incident's documents page after the walk to
the archive, clicks the investigation report's PDF, sees 生成中… while a real Celery worker renders it,
and downloads it once the link is swapped in (and the first report as DOCX the same way); a member unit
on a phone sees only the reports (§5.1)."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.documents import walk_demo_to_archive

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _make_and_download(page, row, testid, screenshot=None, name=""):
    """Click the document's button, see 生成中…, wait for the link, download. Returns the download."""
    slot = row.get_by_test_id(f"slot-{testid}")
    row.get_by_test_id(f"make-{testid}").click()
    expect(slot.get_by_test_id(f"{testid}-pending")).to_contain_text("生成中")
    if screenshot:
        screenshot(page, f"{name}-generating")
    expect(slot).to_have_attribute("data-state", "ready", timeout=90_000)
    link = slot.get_by_test_id(testid)
    expect(link).to_have_attribute("href", re.compile(rf"/{testid.split('-', 1)[0]}/$"))
    with page.expect_download() as info:
        link.click()
    return info.value


def test_the_office_downloads_the_investigation_report(
    live_server, new_page, login, screenshot, demo, fresh, worker
):
    incident = walk_demo_to_archive(fresh)
    page = login(new_page("desktop"), "office")
    page.goto(f"{live_server.url}/documents/incidents/{incident.pk}/")
    row = page.get_by_test_id("doc-investigation")
    assert "调查评估报告" in row.inner_text()
    screenshot(page, "documents-list-desktop")
    download = _make_and_download(page, row, "pdf-investigation", screenshot, "documents-list-desktop")
    assert download.suggested_filename.endswith(".pdf") and "调查评估报告" in download.suggested_filename
    with open(download.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    screenshot(page, "documents-list-desktop-ready")
    download = _make_and_download(page, page.get_by_test_id("doc-first-report"), "docx-first-report")
    with open(download.path(), "rb") as f:
        assert f.read(2) == b"PK"

    # the county government's liaison (永济: the incident's county) reads the reports; the police, not
    # involved in this incident, does not see it at all (issue 16, finding 7)
    phone = login(new_page("phone"), "county")
    phone.goto(f"{live_server.url}/documents/incidents/{incident.pk}/")
    assert phone.get_by_test_id("slot-pdf-investigation").count() == 0  # the reports only (§5.1)
    assert phone.get_by_test_id("docx-first-report").count() == 1  # stored already: the link
    assert phone.get_by_test_id("make-pdf-first-report").count() == 1
    screenshot(phone, "documents-list-phone")
