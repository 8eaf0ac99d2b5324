"""Fixtures for incident tests: the demo people, and incidents in any state, made cheaply.

An incident is reported through ``incidents.services.incident_report`` (as 办公室工作人员) and then walked
through the lifecycle by the people the plan gives the authority (DOMAIN.md §5):

    reported ─start_assessment(office)→ assessing ─activate(Ⅳ/Ⅲ director, Ⅱ commander, Ⅰ general)→
    responding ─end_response(Ⅲ/Ⅳ director, Ⅰ/Ⅱ on-site commander)→ response_ended
    ─begin_aftermath(office)→ aftermath ─archive(office)→ archived;
    assessing ─close_without_response(office)→ handled_without_response; reported ─dismiss(office)→ dismissed.

Fixtures (all need the demo set, which they request):

- ``people``: the demo users by role: office, director, commander, general, police, deputy_commander
  (demo-deputy-secretary-general, AB角 of the commander), deputy_director (demo-city_admin-deputy).
- ``make_incident(**fields)``: a fresh ``reported`` incident (default: 盐湖区, default service area,
  heat_source_pipeline, occurred/reported one hour ago); ``fields`` override the report data.
- ``incident_in(state, level=None, **fields)``: an incident walked to ``state``; ``level`` (1–4, default Ⅲ)
  is the response level for responding / response_ended / aftermath / archived.
- ``walk(incident, state, level=None)``: walk an existing ``reported`` incident to ``state``.
- ``authorised(move, incident, level=None)``: the demo user who may make ``move`` on ``incident`` now.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.choices import State

# Walking uses these reasons (a reason is never wrong: the plan wants decisions written down).
REASON = "测试：按预案研判决定"


def ensure_plan_version():
    """The 2021 plan version comes from a data migration; a transactional test's flush removes it."""
    from incidents.models import PlanVersion
    from incidents.plan_rules import RULES_2021

    if PlanVersion.current() is None:
        import datetime

        PlanVersion.objects.update_or_create(
            code="2021",
            defaults={
                "doc_no": "运政办发〔2021〕68 号",
                "title": "运城市城市集中供热突发事件应急预案",
                "issued_on": datetime.date(2021, 12, 23),
                "in_force": True,
                "rules": RULES_2021,
            },
        )


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


def report_data(**overrides):
    from orgchart.models import County, ServiceArea

    now = timezone.now()
    data = {
        "title": "测试：管线破裂停热",
        "category": "heat_source_pipeline",
        "service_area": ServiceArea.objects.get(is_default=True),
        "county": County.objects.get(code="yanhu"),
        "occurred_at": now - timedelta(hours=1),
        "reported_at": now - timedelta(hours=1),
    }
    data.update(overrides)
    if "county" in overrides and "service_area" not in overrides:
        # the service area covering the county (附件4(1), reading): the built-up area or the county's own
        data["service_area"] = (
            ServiceArea.objects.filter(counties=data["county"]).order_by("-is_default", "name").first()
        )
    return data


@pytest.fixture
def make_incident(people):
    from incidents.services import incident_report

    def make(actor=None, **fields):
        ensure_plan_version()
        return incident_report(actor=actor or people.office, data=report_data(**fields))

    return make


def _activator(people, level):
    return {1: people.general, 2: people.commander, 3: people.director, 4: people.director}[int(level)]


def _ender(people, level):
    return people.commander if int(level) <= 2 else people.director


@pytest.fixture
def authorised(people):
    """The demo user with the authority for ``move`` (DOMAIN.md §5), given the incident's level now."""

    def who(move, incident, level=None):
        if move == "activate":
            return _activator(people, level or 3)
        if move == "change_level":
            new, old = int(level), int(incident.level)
            if new < old:  # raising: whoever activates the new level
                return _activator(people, new)
            return people.commander if old <= 2 else people.director
        if move == "end_response":
            return _ender(people, incident.level)
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
        incident.activate(_activator(people, level), level=level, reason=REASON)
        if state == State.RESPONDING:
            return incident
        _mark_ended_conditions(incident)
        incident.end_response(_ender(people, level), reason=REASON)
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


def settle_aftermath(incident, office):
    """What the archive gate asks (§7; issue 9), done through the services: each open §7.1 item closed
    as not applicable, the investigation record (if there was an accident) and the office summary
    submitted."""
    from aftermath import plan, services
    from command.models import Assignment

    for task in Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES):
        services.item_not_applicable(task_id=task.pk, user=office, reason="测试：本事件不涉及")
    kinds = (["investigation"] if services.needs_investigation(incident) else []) + ["summary"]
    for kind in kinds:
        raw = {f.name: ("0" if f.kind in ("int", "money") else f"测试：{f.label}") for f in plan.FIELDS[kind]}
        services.save_draft(incident_id=incident.pk, kind=kind, user=office, raw=raw)
        services.submit(incident_id=incident.pk, kind=kind, user=office)


def _mark_ended_conditions(incident):
    """§5.3.6: all rescued, hazards controlled (set directly: follow-ups are tested elsewhere)."""
    from incidents.models import Incident

    Incident.objects.filter(pk=incident.pk).update(
        still_trapped=0, still_missing=0, dead_unrecovered=0, hazards_controlled=True
    )
    incident.refresh_from_db()


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
