"""Whole pages kept for the dashboard's version, per person (config/pagecache.py, issue 15): a second look
reads no page data; a committed write shows at once; each person gets their own copy; messages waiting to
be shown are never served from a kept copy."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.services import follow_up_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def memo_on(settings):
    settings.DASHBOARD_MEMO = True


def pages(incident):
    return (
        f"/incidents/{incident.pk}/",
        f"/command/incidents/{incident.pk}/",
        f"/command/incidents/{incident.pk}/tasks/",
        "/command/tasks/",
    )


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def test_a_second_look_reads_no_page_data(memo_on, as_user, incident_in):
    incident = incident_in("responding", level=3)
    client = as_user("office")
    client.get("/")  # a browser's first request gets its CSRF cookie; nothing is kept before it has one
    bell, _html = queries(client, "/command/notifications/bell/")
    for url in pages(incident):
        first, html = queries(client, url)
        second, again = queries(client, url)
        # about the cheapest page: the session, the person, the session's save, and for a page of one
        # incident the check that this person may see it (incidents/visibility.py); no page data
        assert second <= bell + 1 < first, (url, first, second, bell)
        assert again == html


def test_a_committed_write_shows_at_once(
    memo_on, as_user, user_of, incident_in, django_capture_on_commit_callbacks
):
    incident = incident_in("responding", level=3)
    client = as_user("office")
    url = f"/incidents/{incident.pk}/"
    client.get("/")
    queries(client, url)
    queries(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        follow_up_add(actor=user_of("office"), incident_id=incident.pk, note="页面缓存测试续报", data={})
    _n, html = queries(client, url)
    assert "页面缓存测试续报" in html


def test_each_person_gets_their_own_copy(memo_on, as_user, incident_in):
    incident_in("responding", level=3)
    office_html = queries(as_user("office"), "/command/tasks/")[1]
    police_html = queries(as_user("police"), "/command/tasks/")[1]
    assert office_html != police_html


def test_messages_are_never_served_from_a_kept_copy(memo_on, as_user, incident_in):
    incident = incident_in("responding", level=3)
    client = as_user("office")
    url = f"/incidents/{incident.pk}/"
    client.get("/")
    queries(client, url)
    storage = CookieStorage(None)
    client.cookies[storage.cookie_name] = storage._encode(
        [Message(constants.SUCCESS, "保存成功（测试消息）")]
    )
    _n, html = queries(client, url)
    assert "保存成功（测试消息）" in html
