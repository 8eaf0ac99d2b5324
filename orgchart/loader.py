"""Load the plan's organisation (``orgchart/plan_2021.py``) into the database, idempotently.

Plan-owned fields (names, duties, kinds, clauses, order, group leaders and members) are set from the
plan every time; office-owned fields (duty phones, current names after creation, active flags,
members the office added) are never overwritten. Running it twice changes nothing.
"""

from django.db import transaction

from . import plan_2021 as plan
from .models import (
    CommandBody,
    County,
    GroupLeader,
    GroupMembership,
    Position,
    ServiceArea,
    Unit,
    UnitKind,
    WorkingGroup,
)

# Posts the software needs besides the plan's named ones. 附件3 names group leaders as a unit's
# 主要负责人 or 分管负责人; liaisons receive a unit's assignments (a reading of 附件2).
EXTRA_POSITIONS = (
    {
        "code": "unit_head",
        "name": "主要负责人",
        "body": "",
        "scope": "unit",
        "holder_definition": "成员单位主要负责人",
        "clause": "附件2、附件3",
        "note": "",
        "is_reading": False,
    },
    {
        "code": "unit_deputy_head",
        "name": "分管负责人",
        "body": "",
        "scope": "unit",
        "holder_definition": "成员单位分管负责人",
        "clause": "附件3",
        "note": "",
        "is_reading": False,
    },
)
UNIT_SCOPED = {"unit_liaison"}
GROUP_SCOPED = {"group_leader"}
BODY_OF = {"city_hq": "city_hq", "office": "office", "general_hq": "general_hq", "onsite_hq": "onsite_hq"}

DEFAULT_SERVICE_AREA = {
    "code": "built-up-area",
    "name": "运城市城市建成区",
    "clause": "§1.4、附件4(1)（解读）",
    "counties": ("yanhu", "kaifaqu"),
}
# A county's own heating network is a service area of its own (附件4(1), reading: the outage share is
# computed only against a service area that covers the incident's county). The loader registers one per
# county outside the built-up area, its heated area left for the office to enter (unknown until then).
COUNTY_NETWORK = {
    "code": "county-{code}",
    "name": "{county}供热管网",
    "clause": "附件4(1)（解读：县（市）自有供热管网）",
}


def _sync(model, lookup, plan_fields, create_only=None):
    """update_or_create that writes only when a plan-owned field differs (so a second run is a no-op)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **plan_fields, **(create_only or {})), True
    changed = [f for f, v in plan_fields.items() if getattr(obj, f) != v]
    if changed:
        for f in changed:
            setattr(obj, f, plan_fields[f])
        obj.save(update_fields=changed)
    return obj, bool(changed)


@transaction.atomic
def load_plan():
    """Returns the number of rows created or changed (0 on a second run)."""
    units, touched = _load_units()
    touched += _load_counties()
    bodies, t = _load_bodies(units)
    touched += t
    touched += _load_positions(units, bodies)
    touched += _load_groups(units)
    touched += _load_default_service_area()
    touched += county_networks()
    return touched


def _load_units():
    """The member units of 附件2: ({code: Unit}, rows touched)."""
    touched, units = 0, {}
    for order, u in enumerate(plan.UNITS, start=1):
        units[u["code"]], t = _sync(
            Unit,
            {"code": u["code"]},
            {
                "name": u["name"],
                "kind": u["kind"],
                "duties": u["duties"],
                "duties_clause": u["clause"],
                "in_section_2_1": u["in_section_2_1"],
                "order": order * 10,
            },
            create_only={"current_name": u["current_name"]},
        )
        touched += t
    return units, touched


def _load_counties():
    """Each county and its government (事发地县级政府)."""
    touched = 0
    for order, c in enumerate(plan.COUNTIES, start=1):
        gov, t = _sync(
            Unit,
            {"code": f"gov-{c['code']}"},
            {
                "name": c["government"],
                "kind": UnitKind.COUNTY_GOVERNMENT,
                "order": 1000 + order * 10,
                "duties_clause": "§5.2、§6.3、§7.1",
            },
        )
        touched += t
        _c, t = _sync(
            County,
            {"code": c["code"]},
            {
                "name": c["county"],
                "government_id": gov.pk,
                "map_county": c["map_county"],
                "in_built_up_area": c["in_built_up_area"],
                "order": order,
            },
        )
        touched += t
    return touched


def _load_bodies(units):
    """The command bodies of §2: ({code: CommandBody}, rows touched)."""
    touched, bodies = 0, {}
    for order, (code, data) in enumerate(
        (
            ("general_hq", plan.GENERAL_HQ),
            ("city_hq", plan.CITY_HQ),
            ("office", plan.OFFICE),
            ("onsite_hq", plan.ONSITE_HQ),
        ),
        start=1,
    ):
        fields = {
            "name": data["name"],
            "short_name": data.get("short_name", ""),
            "duties": data.get("duties", ""),
            "note": data.get("note", ""),
            "clause": data["clause"],
            "order": order,
            "host_unit_id": units[data["host_unit"]].pk if data.get("host_unit") else None,
        }
        bodies[code], t = _sync(CommandBody, {"code": code}, fields)
        touched += t
    return bodies, touched


def _load_positions(units, bodies):
    """The posts the plan names and those the software needs (EXTRA_POSITIONS)."""
    touched = 0
    for order, p in enumerate((*plan.POSITIONS, *EXTRA_POSITIONS), start=1):
        scope = (
            "unit"
            if p["code"] in UNIT_SCOPED or p.get("scope") == "unit"
            else ("group" if p["code"] in GROUP_SCOPED else "none")
        )
        fields = {
            "name": p["name"],
            "holder_definition": p["holder_definition"],
            "clause": p["clause"],
            "note": p["note"],
            "scope": scope,
            "order": order * 10,
            "is_reading": p.get("is_reading", "解读" in p["clause"]),
            "body_id": bodies[BODY_OF[p["body"]]].pk if p["body"] in BODY_OF else None,
            "holder_unit_id": units[p["holder_unit"]].pk if p.get("holder_unit") else None,
        }
        _p, t = _sync(Position, {"code": p["code"]}, fields)
        touched += t
    return touched


def _load_groups(units):
    """The eight working groups of 附件3, their leaders and standing member units."""
    touched = 0
    for order, g in enumerate(plan.GROUPS, start=1):
        group, t = _sync(
            WorkingGroup,
            {"code": g["code"]},
            {
                "name": g["name"],
                "leader_text": g["leader_text"],
                "members_text": g["members_text"],
                "includes_county": g["includes_county"],
                "duties": g["duties"],
                "expert_tasks": g["expert_tasks"],
                "clause": g["clause"],
                "order": order,
            },
        )
        touched += t
        for i, (unit_code, rank) in enumerate(g["leaders"]):
            unit_id = None if unit_code == "county" else units[unit_code].pk
            _l, t = _sync(GroupLeader, {"group": group, "unit_id": unit_id, "rank": rank}, {"order": i})
            touched += t
        for i, unit_code in enumerate(g["member_units"]):
            _m, t = _sync(
                GroupMembership, {"group": group, "unit": units[unit_code]}, {"order": i, "from_plan": True}
            )
            touched += t
    return touched


def _load_default_service_area():
    """The city's built-up area (§1.4), created once; its counties set when it has none."""
    area = ServiceArea.objects.filter(code=DEFAULT_SERVICE_AREA["code"]).first()
    if area is None:
        area = ServiceArea.objects.create(
            code=DEFAULT_SERVICE_AREA["code"],
            name=DEFAULT_SERVICE_AREA["name"],
            clause=DEFAULT_SERVICE_AREA["clause"],
            is_default=True,
        )
        area.counties.set(County.objects.filter(code__in=DEFAULT_SERVICE_AREA["counties"]))
        return 1
    if not area.counties.exists():
        area.counties.set(County.objects.filter(code__in=DEFAULT_SERVICE_AREA["counties"]))
        return 1
    return 0


def county_networks():
    """A service area for each county not yet covered by one (its own network); returns how many."""
    made = 0
    for county in County.objects.filter(service_areas__isnull=True).order_by("order"):
        area, _created = ServiceArea.objects.get_or_create(
            code=COUNTY_NETWORK["code"].format(code=county.code),
            defaults={
                "name": COUNTY_NETWORK["name"].format(county=county.name),
                "clause": COUNTY_NETWORK["clause"],
            },
        )
        area.counties.add(county)
        made += 1
    return made
