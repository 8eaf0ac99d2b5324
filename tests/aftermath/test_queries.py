"""The aftermath page and the measures list run a fixed number of SQL queries however many items,
revisions and measures there are (issue 9; "every page runs a constant number of SQL queries")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftermath import services
from tests.support.aftermath import close_items, submit_record, tomorrow

pytestmark = pytest.mark.django_db


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(incident, office, n):
    for i in range(n):
        services.measure_add(
            incident_id=incident.pk,
            user=office,
            text=f"措施{i}",
            owner_unit_id=incident.county.government_id,
            due_on=tomorrow(),
        )


def test_the_aftermath_page_and_the_measures_list_cost_the_same_with_more_data(in_aftermath, fresh, client):
    office = fresh("office")
    incident = in_aftermath("general")
    _grow(incident, office, 1)
    client.force_login(office)
    urls = [f"/aftermath/incidents/{incident.pk}/", "/aftermath/measures/", "/aftermath/measures/?state=all"]
    before = {u: _queries(client, u) for u in urls}

    _grow(incident, office, 12)
    close_items(incident, office)
    submit_record(incident, "investigation", office)
    submit_record(incident, "summary", office)
    services.save_draft(
        incident_id=incident.pk, kind="summary", user=office, raw={"lessons": "更正"}, reason="补充"
    )
    other = in_aftermath()
    _grow(other, office, 8)
    after = {u: _queries(client, u) for u in urls}
    assert after == before, (before, after)
    print("aftermath page queries:", before)
