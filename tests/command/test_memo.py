"""Charts and statistics are kept for the dashboard's version (command/dashboard/live.py ``memo``, issue 15): a second
look costs no figure query; a committed write that matters computes them afresh; a rolled-back one does not
count; without a cache the figures are computed every time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from command.dashboard import live

pytestmark = pytest.mark.django_db

PAGES = ("/command/statistics/", "/command/charts/")


def figure_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "incidents_incident" in q["sql"]]


@pytest.fixture
def memo_on(settings):
    settings.DASHBOARD_MEMO = True


@pytest.mark.parametrize("url", PAGES)
def test_a_second_look_reads_no_figures(url, memo_on, as_user):
    client = as_user("director")
    assert figure_queries(client, url), "the first look computes the figures"
    assert not figure_queries(client, url), "the second look reads them from the cache"


@pytest.mark.parametrize("url", PAGES)
def test_a_committed_write_computes_afresh(
    url, memo_on, as_user, make_incident, django_capture_on_commit_callbacks
):
    client = as_user("director")
    figure_queries(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        make_incident()
    assert figure_queries(client, url), "a new incident counts at once"


def test_the_key_carries_the_version_and_the_language(memo_on, django_capture_on_commit_callbacks):
    calls = []
    value = live.memo("t", ("a", "zh-hans"), lambda: calls.append(1) or 41, seconds=30)
    again = live.memo("t", ("a", "zh-hans"), lambda: calls.append(1) or 42, seconds=30)
    other = live.memo("t", ("a", "en"), lambda: calls.append(1) or 43, seconds=30)
    assert (value, again, other) == (41, 41, 43) and len(calls) == 2
    with django_capture_on_commit_callbacks(execute=True):
        live.bump()
    assert live.memo("t", ("a", "zh-hans"), lambda: 44, seconds=30) == 44
