"""Writes to the org chart, each one audited: who, when, what (DESIGN.md: services write, selectors read).

Every action here is one named function with keyword-only arguments. Each one

- checks the actor's authority itself (``orgchart.edit``, ``roster.edit`` for the duty roster: 附件2,
  市指挥部办公室承担日常工作), so no entry point can skip the rule;
- runs in one transaction, locks the row it changes (``select_for_update``) and compares the new values
  with the *locked* row, so two office staff editing the same unit are serialised and each diff is true;
- saves with ``update_fields`` and writes exactly one ``OrgChange`` row (``changes`` = {field: [old, new]},
  JSON-safe: dates and decimals as strings, related objects and choices by their display names);
- changes nothing and records nothing when nothing differs;
- raises ``ValidationError`` with a Chinese message and leaves the database untouched on bad input.

What is recorded is always in Chinese (the language of the plan), whatever the actor's UI language.

The rooms: ``recording`` (the audit itself), ``units`` (units, companies, working-group members),
``people`` (people, appointments, absences), ``roster`` (the duty roster), ``directory`` (service areas,
experts). Callers use ``orgchart.services.<name>``: the public names are gathered here.
"""

from .directory import EXPERT_FIELDS, SERVICE_AREA_FIELDS, expert_save, service_area_save
from .people import (
    LAST_OFFICE_HOLDER,
    PERSON_FIELDS,
    absence_add,
    absence_remove,
    appointment_add,
    appointment_remove,
    appointment_text,
    person_create,
    person_update,
    validate_appointment_scope,
    validate_person,
)
from .recording import LOGGED_MODELS, m2m_names, record_edit, snapshot
from .roster import ROSTER_POSITIONS, month_days, roster_copy_pattern, roster_eligible_ids, roster_month_save
from .units import (
    CATEGORY_COMPANY_TYPES,
    COMPANY_FIELDS,
    PLAN_MEMBER_NOT_REMOVABLE,
    UNIT_OFFICE_FIELDS,
    company_create,
    group_member_add,
    group_member_remove,
    unit_update,
)

__all__ = [
    "CATEGORY_COMPANY_TYPES",
    "COMPANY_FIELDS",
    "EXPERT_FIELDS",
    "LAST_OFFICE_HOLDER",
    "LOGGED_MODELS",
    "PERSON_FIELDS",
    "PLAN_MEMBER_NOT_REMOVABLE",
    "ROSTER_POSITIONS",
    "SERVICE_AREA_FIELDS",
    "UNIT_OFFICE_FIELDS",
    "absence_add",
    "absence_remove",
    "appointment_add",
    "appointment_remove",
    "appointment_text",
    "company_create",
    "expert_save",
    "group_member_add",
    "group_member_remove",
    "m2m_names",
    "month_days",
    "person_create",
    "person_update",
    "record_edit",
    "roster_copy_pattern",
    "roster_eligible_ids",
    "roster_month_save",
    "service_area_save",
    "snapshot",
    "unit_update",
    "validate_appointment_scope",
    "validate_person",
]
