"""Who exists: the plan's organisation (§2, 附件2, 附件3) as data. Loaded by ``manage.py load_plan``
from ``orgchart/plan_2021.py``; kept up to date by the office, every edit recorded in ``OrgChange``.

``orgchart`` knows nothing of incidents (DESIGN.md): other apps ask it "who" through
``orgchart.selectors`` and "may this person do this" through ``orgchart.permissions``.

The models live in ``units`` (the plan's organisation), ``people`` (people, posts, absences, the duty
roster) and ``changes`` (the append-only change log); they are gathered here, so Django registers them
under the ``orgchart`` app and every caller imports ``orgchart.models``.
"""

from .changes import AppendOnlyModel, AppendOnlyQuerySet, OrgChange
from .people import Absence, Appointment, Channel, DutyShift, Person
from .units import (
    CommandBody,
    CompanyType,
    County,
    Expert,
    GroupLeader,
    GroupMembership,
    Position,
    ServiceArea,
    Unit,
    UnitKind,
    WorkingGroup,
)

__all__ = [
    "Absence",
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "Appointment",
    "Channel",
    "CommandBody",
    "CompanyType",
    "County",
    "DutyShift",
    "Expert",
    "GroupLeader",
    "GroupMembership",
    "OrgChange",
    "Person",
    "Position",
    "ServiceArea",
    "Unit",
    "UnitKind",
    "WorkingGroup",
]
