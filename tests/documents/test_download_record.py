"""Who downloaded which document or statistics export is recorded (issue 16: an auditor asks): one
append-only row per download (user, time, incident, kind/format/number or export and period, address),
shown to the office at /documents/downloads/ and in the admin; nobody else reads it."""

import pytest

from documents.models import DownloadRecord
from tests.support.documents import download

pytestmark = pytest.mark.django_db


def test_a_document_download_is_recorded_and_the_office_reads_it(client, people, incident_in):
    incident = incident_in("responding", level=3)
    client.force_login(people.office)
    response = download(client, f"/documents/incidents/{incident.pk}/first-report/pdf/")
    assert response.status_code == 200
    row = DownloadRecord.objects.get()
    assert (row.user, row.what, row.incident_id, row.kind, row.fmt) == (
        people.office,
        "document",
        incident.pk,
        "first-report",
        "pdf",
    )
    assert row.address == "127.0.0.1" and row.user_name
    page = client.get("/documents/downloads/").content.decode()
    assert page.count('data-testid="download-row"') == 1 and incident.title in page and "127.0.0.1" in page
    with pytest.raises(PermissionError):  # append-only
        row.delete()


def test_a_statistics_export_is_recorded_with_its_period(client, people):
    client.force_login(people.office)
    assert client.get("/command/statistics/export.xlsx?from=2024-12-01&to=2025-01-31").status_code == 200
    assert client.get("/command/statistics/export.csv?from=2024-12-01&to=2025-01-31").status_code == 200
    rows = list(DownloadRecord.objects.order_by("id"))
    assert [(r.what, r.kind, r.fmt, r.period) for r in rows] == [
        ("statistics", "statistics", "xlsx", "2024-12-01—2025-01-31"),
        ("statistics", "statistics", "csv", "2024-12-01—2025-01-31"),
    ]
    assert all(r.user == people.office and r.incident_id is None for r in rows)


def test_only_the_office_reads_the_record(client, people):
    for person in (people.commander, people.police):
        client.force_login(person)
        assert client.get("/documents/downloads/").status_code == 403
    client.force_login(people.director)
    assert client.get("/documents/downloads/").status_code == 200
