"""Incidents for tests: report data, the demo people who may make each move, the aftermath settled
through the services, a unit assigned, follow-up form data."""

import datetime
from datetime import timedelta

from django.utils import timezone

from aftermath import plan, services
from command.models import Assignment
from incidents.models import Incident, PlanVersion
from incidents.plan_rules import RULES_2021
from orgchart.models import County, ServiceArea, Unit

# Walking uses these reasons (a reason is never wrong: the plan wants decisions written down).
REASON = "测试：按预案研判决定"


def ensure_plan_version():
    """The 2021 plan version comes from a data migration; a transactional test's flush removes it."""

    if PlanVersion.current() is None:
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


def report_data(**overrides):

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


def activator(people, level):
    return {1: people.general, 2: people.commander, 3: people.director, 4: people.director}[int(level)]


def ender(people, level):
    return people.commander if int(level) <= 2 else people.director


def settle_aftermath(incident, office):
    """What the archive gate asks (§7; issue 9), done through the services: each open §7.1 item closed
    as not applicable, the investigation record (if there was an accident) and the office summary
    submitted."""

    for task in Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES):
        services.item_not_applicable(task_id=task.pk, user=office, reason="测试：本事件不涉及")
    kinds = (["investigation"] if services.needs_investigation(incident) else []) + ["summary"]
    for kind in kinds:
        raw = {f.name: ("0" if f.kind in ("int", "money") else f"测试：{f.label}") for f in plan.FIELDS[kind]}
        services.save_draft(incident_id=incident.pk, kind=kind, user=office, raw=raw)
        services.submit(incident_id=incident.pk, kind=kind, user=office)


def mark_ended_conditions(incident):
    """§5.3.6: all rescued, hazards controlled (set directly: follow-ups are tested elsewhere)."""

    Incident.objects.filter(pk=incident.pk).update(
        still_trapped=0, still_missing=0, dead_unrecovered=0, hazards_controlled=True
    )
    incident.refresh_from_db()


def report_incident(actor, title="热力站爆管", **kw):
    now = timezone.now()
    values = {
        "title": title,
        "category": "heat_source_pipeline",
        "facility": "heat_station",
        "service_area": ServiceArea.objects.get(is_default=True),
        "county": County.objects.get(name="盐湖区"),
        "occurred_at": now - timedelta(hours=2),
        "reported_at": now - timedelta(hours=1),
        "description": "热力站一次网爆管。",
        "plan_version": PlanVersion.current(),
        "created_by": actor,
    }
    values.update(kw)
    return Incident.objects.create(**values)


def follow_up_data(incident, **over):
    def t(v):
        return f"{timezone.localtime(v):%Y-%m-%dT%H:%M}" if v else ""

    data = {
        "note": "",
        "outage_started_at": t(incident.outage_started_at),
        "estimated_restoration_at": t(incident.estimated_restoration_at),
        "restored_at": t(incident.restored_at),
        "affected_area_m2": incident.affected_area_m2 if incident.affected_area_m2 is not None else "",
        "affected_households": incident.affected_households or "",
        "deaths": "" if incident.deaths is None else incident.deaths,
        "serious_injuries": "" if incident.serious_injuries is None else incident.serious_injuries,
        "direct_loss": "" if incident.direct_loss_yuan is None else incident.direct_loss_yuan,
        "direct_loss_unit": "yuan",
        "people_at_risk_peak": incident.people_at_risk_peak,
        "still_trapped": incident.still_trapped,
        "still_missing": incident.still_missing,
        "dead_unrecovered": incident.dead_unrecovered,
    }
    data.update(over)
    return data


def assign_unit(incident, unit_code, *, kind=Assignment.Kind.ASSIGNMENT, title="配合处置"):
    return Assignment.objects.create(
        incident=incident,
        kind=kind,
        unit=Unit.objects.get(code=unit_code),
        title=title,
        duties=title,
        clause="附件2",
        level=incident.level or 4,
    )
