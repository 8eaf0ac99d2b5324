"""The dashboard under load (issue 15): the version in the cache bumped on commit by each kind of write
(never on a rollback), one poll per tab answered 204 with at most the session and user queries, only the
changed panels swapped out of band, and the facts stored on the incident equal to the computed ones after
every kind of write and as time passes."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from command.approvals.services import level_request_submit
from command.assignments.services import task_move
from command.dashboard import live
from command.models import Assignment
from command.response.calldowns import calldown_add, calldown_confirm
from incidents.models import Incident
from incidents.services import follow_up_add

HX = {"HX-Request": "true"}
# One poll URL per page: the version, the time the content changes by itself, the panels' signatures.
POLLER = re.compile(r'id="dash-poll"[^>]*hx-get="([^"]+)"')


def poll_url(html):
    return POLLER.search(html).group(1).replace("&amp;", "&")


def stored_equals_computed(incident, now=None):
    """The stored facts (``Incident.fact_*``) against ``grade()`` / ``recommendation()`` at ``now``."""
    incident = Incident.objects.select_related("service_area", "plan_version").get(pk=incident.pk)
    now = now or timezone.now()
    grade, _reasons = incident.grade()
    rec = incident.recommendation(now)
    assert incident.fact_grade == (grade.value if grade else "")
    assert incident.fact_grade_provisional == bool(incident.grade_provisional)
    assert incident.fact_rec_level == (int(rec.level) if rec.level else None)
    assert incident.stored_rec_status(now) == rec.status
    if incident.fact_rec_status == "provisional":
        assert incident.fact_rec_firm_at == incident.firm_at()
    return incident


def test_an_unchanged_poll_answers_204_with_at_most_three_queries(as_user, incident_in):
    incident_in("responding", level=3)
    client = as_user("director")
    for page in ("/", "/wall/"):
        url = poll_url(client.get(page).content.decode())
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, headers=HX).status_code == 204, page
        # the session (read, and saved again: SESSION_SAVE_EVERY_REQUEST keeps the wall logged in) and the
        # user — nothing of the dashboard. The savepoints are the test's transaction, not the request's.
        sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
        assert len(sql) <= 3, sql
        assert not [q for q in sql if "incidents_" in q or "command_" in q or "orgchart_" in q]


def test_a_changed_poll_swaps_only_the_changed_panels(
    as_user, incident_in, make_incident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident_in("responding", level=3)
    client = as_user("director")
    url = poll_url(client.get("/").content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        make_incident(title="测试：另一起停热")  # reported: no task, nothing for the director to decide
    response = client.get(url, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    swapped = set(re.findall(r'<section id="panel-(\w+)"[^>]*hx-swap-oob="true"', html))
    assert {"incidents", "totals", "events"} <= swapped
    assert not swapped & {"waiting", "tasks"}
    assert "测试：另一起停热" in html and html.count('<div id="dash-poll"') == 1
    # the new poller holds the new version: asked again, nothing changed
    assert client.get(poll_url(html), headers=HX).status_code == 204
    # a stale or garbled poll is answered with the changed panels, never an error
    assert client.get("/?poll=x&due=y", headers=HX).status_code == 200


def test_the_poll_comes_back_when_a_provisional_recommendation_becomes_firm(as_user, make_incident):
    """Nothing is written, but the 24 hours pass: the stored firm time is the content's own deadline."""
    now = timezone.now()
    incident = make_incident(
        outage_started_at=now - timedelta(hours=23, minutes=59, seconds=58),
        occurred_at=now - timedelta(hours=24),
        reported_at=now - timedelta(hours=24),
        affected_area_m2=20_000_000,
    )
    incident = stored_equals_computed(incident)
    assert incident.fact_rec_status == "provisional" and incident.fact_rec_level == 2
    client = as_user("director")
    html = client.get("/").content.decode()
    url = poll_url(html)
    due = int(re.search(r"due=(\d+)", url).group(1))
    assert due == int(incident.fact_rec_firm_at.timestamp())
    later = incident.fact_rec_firm_at + timedelta(seconds=1)
    assert incident.stored_rec_status(later) == incident.recommendation(later).status == "firm"


def _version_after(write, django_capture_on_commit_callbacks):
    before = live.current()
    with django_capture_on_commit_callbacks(execute=True):
        result = write()
    return before, live.current(), result


def test_each_kind_of_write_bumps_the_version_on_commit(
    incident_in, make_incident, people, user_of, django_capture_on_commit_callbacks
):
    cap = django_capture_on_commit_callbacks
    now = timezone.now()
    writes = {
        "report": lambda: make_incident(outage_started_at=now - timedelta(hours=2)),
    }
    before, after, incident = _version_after(writes["report"], cap)
    assert after > before, "report"
    steps = {
        "start_assessment": lambda: incident.start_assessment(people.office),
        "follow_up": lambda: follow_up_add(
            actor=people.office,
            incident_id=incident.pk,
            note="测试续报",
            data={"affected_area_m2": 9_000_000},
        ),
        "level_request": lambda: level_request_submit(
            incident_id=incident.pk, actor=people.office, to_level=4, reason="测试：按第4项研判"
        ),
        "activate": lambda: incident.activate(people.director, level=4, reason="测试"),
        "change_level": lambda: incident.change_level(people.director, level=3, reason="测试"),
        "restore": lambda: follow_up_add(
            actor=people.office,
            incident_id=incident.pk,
            note="已恢复供热",
            data={"restored_at": timezone.now()},
        ),
    }
    for name, write in steps.items():
        before, after, _result = _version_after(write, cap)
        assert after > before, name
        stored_equals_computed(incident)
    with cap(execute=True):  # activation issues the tasks on commit
        two = incident_in("responding", level=2)
    task = Assignment.objects.get(incident=two, unit__code="public_security", kind="assignment")
    police = type(people.police).objects.get(pk=people.police.pk)  # a fresh user: permissions are cached
    before, after, _r = _version_after(lambda: task_move(task_id=task.pk, user=police, move="sign"), cap)
    assert after > before, "task signed for"
    before, after, created = _version_after(
        lambda: calldown_add(incident_id=two.pk, actor=people.office, person_ids=[people.police.person.pk]),
        cap,
    )
    assert after > before and created, "call-down"
    before, after, _r = _version_after(lambda: calldown_confirm(token=created[0].token, what="received"), cap)
    assert after > before, "call-down confirmed"


class Boom(Exception):
    pass


def test_a_rolled_back_write_bumps_nothing(make_incident, people, django_capture_on_commit_callbacks):
    incident = make_incident()
    before = live.current()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            follow_up_add(actor=people.office, incident_id=incident.pk, note="测试", data={"deaths": 1})
            raise Boom
    assert live.current() == before and not callbacks
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        follow_up_add(actor=people.office, incident_id=incident.pk, note="测试", data={"deaths": 1})
        follow_up_add(actor=people.office, incident_id=incident.pk, note="测试", data={"deaths": 2})
    assert live.current() == before + 2  # once per transaction, however many rows it wrote
    assert len(callbacks) == 2


def test_the_version_survives_a_flushed_cache_going_forward(django_capture_on_commit_callbacks):
    from django.core.cache import cache

    seen = live.current()
    cache.delete(live.KEY)
    assert live.current() > seen  # set again from the clock: never a number a tab already holds


def test_stored_facts_equal_computed_after_each_kind_of_write(make_incident, people, incident_in):
    now = timezone.now()
    incident = make_incident(
        outage_started_at=now - timedelta(hours=3),
        affected_area_m2=20_000_000,
        deaths=3,
        deaths_pending=True,
    )
    stored = stored_equals_computed(incident)
    assert stored.fact_grade_provisional and stored.fact_rec_status == "provisional"
    incident.start_assessment(people.office)
    stored_equals_computed(incident)
    follow_up_add(
        actor=people.office,
        incident_id=incident.pk,
        note="核定",
        data={
            "deaths_pending": False,
            "serious_injuries": 12,
            "estimated_restoration_at": now + timedelta(hours=30),
        },
    )
    stored = stored_equals_computed(incident)
    assert stored.fact_grade and not stored.fact_grade_provisional and stored.fact_rec_status == "firm"
    incident.activate(people.commander, level=2, reason="测试")
    stored_equals_computed(incident)
    follow_up_add(actor=people.office, incident_id=incident.pk, note="恢复", data={"restored_at": now})
    stored = stored_equals_computed(incident)
    assert stored.fact_rec_status == "lapsed"
    incident.refresh_from_db()
    incident.change_level(people.commander, level=3, reason="测试")
    stored_equals_computed(incident)
    # the office corrects a service area's heated area: the outage share, so the facts, follow
    area = incident.service_area
    area.heated_area_m2 = area.heated_area_m2 * 2
    area.save()
    stored_equals_computed(incident)
    # and as time alone passes (no write), provisional → firm at the stored time
    fresh = make_incident(outage_started_at=now - timedelta(hours=1), affected_area_m2=20_000_000)
    fresh = stored_equals_computed(fresh)
    for later in (
        fresh.fact_rec_firm_at - timedelta(seconds=1),
        fresh.fact_rec_firm_at,
        now + timedelta(days=2),
    ):
        stored_equals_computed(fresh, later)


def test_the_personal_panel_follows_each_users_own_data(
    as_user, client, firm_two, people, incident_in, django_capture_on_commit_callbacks
):
    """待我处理 is per user: a request waiting for the director, a call-down for someone else — each sees
    their own in the next poll; the other's panel is not swapped."""
    cap = django_capture_on_commit_callbacks
    with cap(execute=True):
        incident = firm_two()
        two = incident_in("responding", level=2)
    director = as_user("director")
    director_poll = poll_url(director.get("/").content.decode())
    from django.test import Client

    from command.models import CallDown
    from orgchart.models import Person

    called = CallDown.objects.filter(incident=two).values("person_id")
    person = (
        Person.objects.filter(user__isnull=False).exclude(pk__in=called).exclude(user=people.director).first()
    )
    other = Client()  # someone not yet called to the scene
    other.force_login(person.user)
    other_poll = poll_url(other.get("/?overview=1").content.decode())

    with cap(execute=True):
        level_request_submit(incident_id=incident.pk, actor=people.office, to_level=2)
    html = director.get(director_poll, headers=HX).content.decode()
    assert re.search(r'<section id="panel-waiting"[^>]*hx-swap-oob="true"', html)
    assert "待我审批 1 件" in html
    html = other.get(other_poll, headers=HX).content.decode()
    assert 'id="panel-waiting"' not in html  # nothing new for them
    other_poll = poll_url(html)

    with cap(execute=True):
        calldown_add(incident_id=two.pk, actor=people.office, person_ids=[person.pk])
    html = other.get(other_poll, headers=HX).content.decode()
    assert re.search(r'<section id="panel-waiting"[^>]*hx-swap-oob="true"', html)
    assert "到岗通知待确认" in html


def test_without_the_cache_the_dashboard_still_answers_and_writes_still_succeed(
    as_user, make_incident, people, settings, django_capture_on_commit_callbacks
):
    """Redis unreachable: the overview and the wall are read from the database, a poll is answered with
    the panels (never a 204 it cannot vouch for), and a committed write is not turned into an error."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert live.current() is None
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(title="测试：缓存不可用时的接报")
    client = as_user("director")
    for page in ("/", "/wall/"):
        html = client.get(page).content.decode()
        assert f'data-testid="dash-incident-{incident.pk}"' in html, page
        assert client.get(poll_url(html), headers=HX).status_code == 200, page
