"""The incident page's timeline (issue 15): the latest 50 events, and "更早的记录" loading the next 50 with
htmx (keyset pagination on (at, id)), or as a plain link without JavaScript; the page stays small and
costs the same number of SQL queries whatever the length of the timeline."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import html

from incidents.models import TimelineEvent
from incidents.selectors import TIMELINE_PAGE
from tests.support.incidents import assign_unit
from tests.support.incidents import report_incident as make_incident

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def add_events(incident, office, n, *, start=0, same_time=False):
    """n note events, one a minute (or all at the same instant: the id breaks the tie)."""
    base = timezone.now() - timedelta(days=3)
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            incident=incident,
            at=base if same_time else base + timedelta(minutes=start + i),
            actor=office,
            actor_name="王文静",
            actor_post="市指挥部办公室",
            kind="note",
            summary=f"测试记录{start + i:04d}",
            reason="现场情况说明：" + "供热管网抢修进展，" * 4,
            clause="§5.3",
        )
        for i in range(n)
    )


def rows(content):
    tree = html.fromstring(content.decode() if isinstance(content, bytes) else content)
    return [
        li.xpath(".//strong")[0].text_content() for li in tree.xpath('//li[@data-testid="timeline-event"]')
    ]


def more_link(content):
    tree = html.fromstring(content.decode() if isinstance(content, bytes) else content)
    links = tree.xpath('//a[@data-testid="timeline-more-link"]')
    return links[0] if links else None


def queries(client, url, **kw):
    client.get(url, **kw)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **kw).status_code == 200
    return len(ctx.captured_queries)


def newest_first(incident):
    return list(
        TimelineEvent.objects.filter(incident=incident)
        .order_by("-at", "-id")
        .values_list("summary", flat=True)
    )


def test_the_page_shows_the_latest_50_and_stays_small_at_500_events(as_user, user_of):
    office = user_of("office")
    incident = make_incident(office)
    add_events(incident, office, 500)
    client = as_user("office")
    page = client.get(f"/incidents/{incident.pk}/")
    assert page.status_code == 200
    assert len(page.content) <= 100 * 1024, f"{len(page.content)} bytes"
    assert rows(page.content) == newest_first(incident)[:TIMELINE_PAGE]
    link = more_link(page.content)
    assert link is not None and link.text_content().strip() == "更早的记录"
    assert link.get("hx-get") == link.get("href")  # htmx, and a plain link without JavaScript


def test_more_walks_the_whole_timeline_once_in_order_with_htmx(as_user, user_of):
    office = user_of("office")
    incident = make_incident(office)
    add_events(incident, office, 130)
    add_events(incident, office, 40, start=1000, same_time=True)  # ties on `at` across a page boundary
    client = as_user("office")
    page = client.get(f"/incidents/{incident.pk}/").content
    seen, link, pages = rows(page), more_link(page), 1
    while link is not None:
        part = client.get(link.get("hx-get"), headers=HX)
        assert part.status_code == 200
        text = part.content.decode()
        assert "<html" not in text and "<li" in text  # the rows and the next button, swapped for the button
        assert 'hx-target="closest li"' in text or more_link(part.content) is None
        seen += rows(part.content)
        link, pages = more_link(part.content), pages + 1
    assert seen == newest_first(incident)
    assert len(seen) == 170 and pages == 4


def test_without_javascript_the_link_opens_a_page_of_older_events(as_user, user_of):
    office = user_of("office")
    incident = make_incident(office, title="测试：无脚本")
    add_events(incident, office, 120)
    client = as_user("general")
    page = client.get(f"/incidents/{incident.pk}/").content
    older = client.get(more_link(page).get("href"))
    assert older.status_code == 200
    text = older.content.decode()
    assert "<html" in text and "测试：无脚本" in text and f"/incidents/{incident.pk}/" in text
    assert rows(older.content) == newest_first(incident)[TIMELINE_PAGE : 2 * TIMELINE_PAGE]
    last = client.get(more_link(older.content).get("href")).content
    assert rows(last) == newest_first(incident)[2 * TIMELINE_PAGE :]
    assert more_link(last) is None


def test_a_broken_cursor_is_a_clear_400_and_an_unknown_incident_404(as_user, user_of):
    office = user_of("office")
    incident = make_incident(office)
    client = as_user("office")
    for raw in ("abc", "12", "-5", "1-x", "9" * 40 + "-1"):
        resp = client.get(f"/incidents/{incident.pk}/timeline/?before={raw}")
        assert resp.status_code == 400, raw
        assert "更早的记录" in resp.content.decode()
    assert client.get("/incidents/999999/timeline/?before=1-1").status_code == 404


def test_the_timeline_needs_a_login(client, demo, user_of):
    incident = make_incident(user_of("office"))
    resp = client.get(f"/incidents/{incident.pk}/timeline/")
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ["office", "police"])
def test_queries_do_not_grow_with_the_timeline(as_user, user_of, role):
    office = user_of("office")
    incident = make_incident(office, outage_started_at=timezone.now() - timedelta(hours=5))
    add_events(incident, office, 60)
    if role == "police":  # its unit on the incident (issue 16, finding 7)
        assign_unit(incident, "public_security")
    client = as_user(role)
    url = f"/incidents/{incident.pk}/"
    small = queries(client, url)
    part = more_link(client.get(url).content).get("hx-get")
    small_part = queries(client, part, headers=HX)
    add_events(incident, office, 600, start=100)
    assert queries(client, url) == small
    part = more_link(client.get(url).content).get("hx-get")
    assert queries(client, part, headers=HX) == small_part
    # session, user, the page of events; the session save (3); the person and their posts (2); for a
    # unit: the incident, its units and the unit's tasks (issue 16, finding 7)
    assert small_part <= (11 if role == "police" else 8)


def test_the_cursor_is_exact_to_the_microsecond(user_of):
    from incidents.views_lists import parse_timeline_cursor, timeline_cursor

    at = timezone.now().replace(microsecond=123456)
    assert parse_timeline_cursor(timeline_cursor((at, 42))) == (at, 42)
    assert re.fullmatch(r"\d+-42", timeline_cursor((at, 42)))


def test_the_forms_load_when_opened(as_user, user_of):
    """续报 and 信息报送: the page carries them closed; htmx loads each when opened; without JavaScript
    "?form=" opens the page with the form in place; a refused 续报 comes back open with its errors."""
    office = user_of("office")
    incident = make_incident(office, outage_started_at=timezone.now() - timedelta(hours=2))
    client = as_user("office")
    url = f"/incidents/{incident.pk}/"
    page = client.get(url).content.decode()
    for name, testid, field in (
        ("follow_up", "follow-up-form", 'name="note"'),
        ("report", "report-log-form", 'name="sender"'),
    ):
        assert f'data-testid="{testid}"' in page and field not in page
        part = client.get(f"{url}?part={name}_form", headers=HX)
        assert (
            part.status_code == 200
            and field in part.content.decode()
            and "<html" not in part.content.decode()
        )
        assert "csrfmiddlewaretoken" in part.content.decode()
        full = client.get(f"{url}?form={name}").content.decode()
        assert "<html" in full and field in full
    refused = client.post(f"{url}follow-up/", {"note": "", "still_trapped": "-1"})
    assert refused.status_code == 422
    assert 'name="note"' in refused.content.decode() and "未保存" in refused.content.decode()
    from incidents.services import incident_link

    incident_link(actor=office, incident_id=incident.pk, event_name="测试：2026年1月寒潮")
    assert re.search(r'<datalist id="event-names"[^>]*></datalist>', client.get(url).content.decode())
    names = client.get(f"{url}?part=event_names", headers=HX).content.decode()
    assert '<option value="测试：2026年1月寒潮">' in names  # the link form's names, when it is focused
    police = as_user("commander")
    assert police.get(f"{url}?part=report_form", headers=HX).status_code == 403
    assert 'name="sender"' not in police.get(f"{url}?form=report").content.decode()


def test_the_memoised_rows_follow_every_new_event_and_the_language(as_user, user_of):
    """The rows are memoised under a digest of what they show: a new event (even one dated earlier than
    the latest) shows at once, and another language gets its own rows."""
    office = user_of("office")
    incident = make_incident(office)
    add_events(incident, office, 60)
    client = as_user("office")
    url = f"/incidents/{incident.pk}/"
    first = rows(client.get(url).content)
    TimelineEvent.objects.create(
        incident=incident, actor=office, actor_name="王文静", kind="note", summary="最新记录"
    )
    assert rows(client.get(url).content) == ["最新记录", *first[:-1]]
    TimelineEvent.objects.create(
        incident=incident,
        at=timezone.now() - timedelta(days=3) + timedelta(minutes=30, seconds=30),  # between two shown
        actor=office,
        kind="note",
        summary="补记",
    )
    assert rows(client.get(url).content) == newest_first(incident)[:TIMELINE_PAGE]
    client.post("/i18n/setlang/", {"language": "en", "next": url})
    english = client.get(url).content.decode()
    part = english.split('data-testid="timeline-list"')[1].split("</ol>")[0]
    assert "Reason" in part and "理由" not in part


def test_follow_ups_show_the_latest_20_and_more_loads_the_rest(as_user, user_of):
    from incidents.models import FollowUpReport
    from incidents.selectors import FOLLOW_UPS_PAGE

    office = user_of("office")
    incident = make_incident(office)
    base = timezone.now() - timedelta(days=1)

    def add(n, start):
        FollowUpReport.objects.bulk_create(
            FollowUpReport(
                incident=incident,
                at=base + timedelta(minutes=start + i),
                note=f"续报{start + i:03d}",
                changes={"affected_households": [i, i + 1]},
                grade_before="",
                grade_after="",
                reporter=office,
            )
            for i in range(n)
        )

    def notes(content):
        doc = html.fromstring(content.decode())
        return [
            li.xpath('.//div[@class="pre-wrap"]')[0].text
            for li in doc.xpath('//li[@data-testid="follow-up"]')
        ]

    add(5, 0)
    client = as_user("office")
    url = f"/incidents/{incident.pk}/"
    small = queries(client, url)
    add(40, 100)
    assert queries(client, url) == small
    page = client.get(url).content
    expected = [f.note for f in FollowUpReport.objects.filter(incident=incident).order_by("-at", "-id")]
    seen = notes(page)
    assert seen == expected[:FOLLOW_UPS_PAGE]
    link = html.fromstring(page.decode()).xpath('//a[@data-testid="follow-ups-more-link"]')[0]
    while link is not None:
        part = client.get(link.get("hx-get"), headers=HX).content
        assert b"<html" not in part
        seen += notes(part)
        more = html.fromstring(part.decode()).xpath('//a[@data-testid="follow-ups-more-link"]')
        link = more[0] if more else None
    assert seen == expected
    plain = client.get(f"{url}?follow_ups={FOLLOW_UPS_PAGE}")  # without JavaScript: the page from there
    assert notes(plain.content) == expected[FOLLOW_UPS_PAGE : 2 * FOLLOW_UPS_PAGE]
