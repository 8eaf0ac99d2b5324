"""The suite's fixtures, in one plugin (loaded by ``pytest_plugins`` in tests/conftest.py): the browser and
its pages, the plan's text, the demo set and its logins, incidents in any state, a fresh user per call, a
real Celery worker. Helpers that are plain functions live in tests/support/ (imported, not requested).

Incidents are reported through ``incidents.services.incident_report`` (as 办公室工作人员) and walked through
the lifecycle by the people the plan gives the authority (DOMAIN.md §5):

    reported ─start_assessment(office)→ assessing ─activate(Ⅳ/Ⅲ director, Ⅱ commander, Ⅰ general)→
    responding ─end_response(Ⅲ/Ⅳ director, Ⅰ/Ⅱ on-site commander)→ response_ended
    ─begin_aftermath(office)→ aftermath ─archive(office)→ archived;
    assessing ─close_without_response(office)→ handled_without_response; reported ─dismiss(office)→ dismissed.

- ``people``: the demo users by role: office, director, commander, general, police, deputy_commander
  (demo-deputy-secretary-general, AB角 of the commander), deputy_director (demo-city_admin-deputy).
- ``make_incident(**fields)``: a fresh ``reported`` incident (default: 盐湖区, default service area,
  heat_source_pipeline, occurred/reported one hour ago); ``fields`` override the report data.
- ``incident_in(state, level=None, **fields)``: an incident walked to ``state``; ``level`` (1–4, default Ⅲ)
  is the response level for responding / response_ended / aftermath / archived.
- ``walk(incident, state, level=None)``: walk an existing ``reported`` incident to ``state``.
- ``authorised(move, incident, level=None)``: the demo user who may make ``move`` on ``incident`` now.
"""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone, translation
from playwright.sync_api import sync_playwright

from command.dashboard import live
from config.celery import app
from incidents.choices import State
from incidents.models import PlanVersion
from incidents.services import incident_report
from orgchart.demo import DEMO_PASSWORD
from orgchart.models import Person
from tests.support import snapshot
from tests.support.aftermath import GRADE_FIGURES
from tests.support.browser import CHROMIUM_ARGS, SCREENSHOTS, SIZES, VIEWPORTS
from tests.support.documents import build_full_incident
from tests.support.incidents import (
    REASON,
    activator,
    ender,
    ensure_plan_version,
    mark_ended_conditions,
    report_data,
    settle_aftermath,
)
from tests.support.plan import PLAN_DOC_NO, REPO_ROOT, plan_text_file
from tests.support.workers import Worker


@pytest.fixture(scope="session")
def plan_text():
    """The plan's full Chinese text, for the checks that transcriptions are its exact words.

    A clone of the project on its own has no ``../shared/seed/``: these checks are then skipped with a
    message saying what they need. In CI (``CI`` set) the text must be there and a missing one fails."""
    path = plan_text_file()
    if path is None:
        message = (
            f"预案全文（{PLAN_DOC_NO} 号）不在 {REPO_ROOT.parent}/shared/seed/：跳过逐字核对。"
            f" / The plan's full text ({PLAN_DOC_NO}) is not in ../shared/seed/: transcription checks skipped."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser():
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(path):
        pytest.fail(
            f"找不到 Chromium：{path}。安装：apt-get install chromium fonts-noto-cjk / Chromium missing"
        )

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser):
    """new_page("phone") → a fresh, logged-out page in a Chinese-locale context of that size. Other
    keywords go to the browser context (``viewport``, ``reduced_motion``, ``java_script_enabled``,
    ``storage_state``, ``accept_downloads``)."""
    contexts = []

    def make(size="desktop", **options):
        options.setdefault("viewport", VIEWPORTS[size])
        ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def sized_page(new_page):
    """sized_page("wall") → new_page at the dashboard's sizes (``SIZES``) with reduced motion, so ECharts
    draws without animation and a screenshot shows the finished chart; js=False for a page without
    JavaScript; other keywords as for new_page."""

    def make(size="desktop", js=True, **options):
        return new_page(
            size, viewport=SIZES[size], reduced_motion="reduce", java_script_enabled=js, **options
        )

    return make


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture
def login(live_server):
    def do(page, username, password=None):

        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password or DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("domcontentloaded")
        return page

    return do


@pytest.fixture
def demo_accounts(demo):
    """The demo logins (part of the demo set)."""


# ---- data: the plan's org chart and the demo set, loaded once per test database ------------------
# Loading takes seconds, so it happens once in django_db_setup; each `db` test rolls back on top of it.
# Transactional tests (browser, real worker) run last and flush the database afterwards, so the `demo`
# fixture puts the data back when it finds the tables empty: from a copy taken right after loading
# (tests/support/snapshot.py), not by loading again.

_LOADED = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_plan", demo=True, verbosity=0)
        _LOADED["copies"] = snapshot.take()
    snapshot.fast_flush()


@pytest.fixture
def demo(db):
    """The plan's org chart plus the demo set (the demo accounts attached to their posts)."""
    if not Person.objects.filter(user__username="director").exists():
        if "copies" in _LOADED:
            snapshot.restore(_LOADED["copies"])
        else:  # a database kept from an earlier run (--reuse-db … without django_db_setup's copy)
            call_command("load_plan", demo=True, verbosity=0)
    PlanVersion.ensure_2021()  # a flushed database (after transactional tests) loses the migration's row


@pytest.fixture
def as_user(client, demo, user_of):
    """as_user("office") → the Django test client logged in as that demo account."""

    def login(username):
        client.logout()
        client.force_login(user_of(username))
        return client

    return login


@pytest.fixture
def user_of():

    return lambda username: get_user_model().objects.get(username=username)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (zh-hans): a request in English (LocaleMiddleware)
    leaves its language active in the thread, which would leak into the next test."""

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_memo(settings):
    """Figures kept for the dashboard's version (``live.memo``) are off in tests: a test's writes are never
    committed, so the version would not move between its requests. tests/command/test_memo.py turns it on."""
    settings.DASHBOARD_MEMO = False


@pytest.fixture(autouse=True)
def _dashboard_version():
    """Each test starts with no dashboard version in the cache (command/live.py), so nothing cached at an
    earlier test's version is read, and no cached system status. The cache is Redis, shared by the tests
    of this run: only these keys are removed (the Celery broker lives in the same database)."""

    cache.delete_many([live.KEY, live.HEALTH_KEY])
    yield


# ---- incidents in any state ----------------------------------------------------------------------


@pytest.fixture
def people(demo, user_of):
    class People(dict):
        __getattr__ = dict.__getitem__

    return People(
        office=user_of("office"),
        director=user_of("director"),
        commander=user_of("commander"),
        general=user_of("general"),
        police=user_of("police"),
        deputy_commander=user_of("demo-deputy-secretary-general"),
        deputy_director=user_of("demo-city_admin-deputy"),
    )


@pytest.fixture
def make_incident(people):

    def make(actor=None, **fields):
        ensure_plan_version()
        return incident_report(actor=actor or people.office, data=report_data(**fields))

    return make


@pytest.fixture
def authorised(people):
    """The demo user with the authority for ``move`` (DOMAIN.md §5), given the incident's level now."""

    def who(move, incident, level=None):
        if move == "activate":
            return activator(people, level or 3)
        if move == "change_level":
            new, old = int(level), int(incident.level)
            if new < old:  # raising: whoever activates the new level
                return activator(people, new)
            return people.commander if old <= 2 else people.director
        if move == "end_response":
            return ender(people, incident.level)
        if move == "reopen":
            return people.director
        return people.office  # start_assessment, close_without_response, dismiss, begin_aftermath, archive

    return who


@pytest.fixture
def walk(people):
    def go(incident, state, level=None):
        state = State(state)
        level = int(level or 3)
        if state == State.REPORTED:
            return incident
        if state == State.DISMISSED:
            incident.dismiss(people.office, reason=REASON)
            return incident
        incident.start_assessment(people.office)
        if state == State.ASSESSING:
            return incident
        if state == State.HANDLED_WITHOUT_RESPONSE:
            incident.close_without_response(people.office, reason=REASON)
            return incident
        incident.activate(activator(people, level), level=level, reason=REASON)
        if state == State.RESPONDING:
            return incident
        mark_ended_conditions(incident)
        incident.end_response(ender(people, level), reason=REASON)
        if state == State.RESPONSE_ENDED:
            return incident
        incident.begin_aftermath(people.office)
        if state == State.AFTERMATH:
            return incident
        settle_aftermath(incident, people.office)
        incident.archive(people.office)
        assert state == State.ARCHIVED
        return incident

    return go


@pytest.fixture
def incident_in(make_incident, walk):
    """incident_in("responding", level=2) → an incident walked there by the people with the authority."""

    def make(state, level=None, **fields):
        incident = make_incident(**fields)
        walk(incident, state, level)
        incident.refresh_from_db()
        assert incident.state == state
        return incident

    return make


@pytest.fixture
def fresh():
    """A fresh user object (permissions are cached per user object, i.e. per request)."""

    return lambda username: get_user_model().objects.select_related("person").get(username=username)


@pytest.fixture
def firm_two(make_incident):
    """make an assessing incident recommended at a firm Ⅱ (附件4 Ⅱ(1), 24 h passed)."""

    def make(**fields):
        now = timezone.now()
        data = {
            "outage_started_at": now - timedelta(hours=30),
            "occurred_at": now - timedelta(hours=30),
            "reported_at": now - timedelta(hours=29),
            "affected_area_m2": 20_000_000,
        }
        data.update(fields)
        incident = make_incident(**data)

        incident.start_assessment(get_user_model().objects.get(username="office"))
        incident.refresh_from_db()
        return incident

    return make


@pytest.fixture
def in_aftermath(incident_in):
    """in_aftermath(grade=None, level=3, **fields) → an incident walked to aftermath with the 附件5
    figures of that accident grade (None: no accident)."""

    def make(grade=None, level=3, **fields):
        return incident_in("aftermath", level=level, **{**GRADE_FIGURES[grade], **fields})

    return make


@pytest.fixture
def full_incident(make_incident, fresh, django_capture_on_commit_callbacks):
    return build_full_incident(make_incident, fresh, django_capture_on_commit_callbacks)


@pytest.fixture
def worker(tmp_path, settings):
    """A real `celery -A config worker` process on the test database and this run's own queue, sharing
    this test's MEDIA_ROOT (as docker-compose's worker shares the media volume with web); stopped
    afterwards. Yields its log file. Needs a transactional test (the worker reads committed rows)."""

    app.control.purge()  # messages left by earlier tests in this run's queue
    celery = Worker(tmp_path, "documents", MEDIA_ROOT=str(settings.MEDIA_ROOT))
    try:
        celery.wait_ready(timeout=60)
        yield celery.log
    finally:
        celery.stop()
