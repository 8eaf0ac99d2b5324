"""What happened: incidents, their follow-up reports, the upward reporting log and the timeline.

Grading and recommendation are ``rules.py`` (pure); state changes are ``lifecycle.py`` (one place, the
transition table), which this package never imports (it is plugged in as ``STATE_MACHINE``); these
modules hold the data and the facts derived from it.
"""

from .facts import FACT_FIELDS, IncidentFacts, OutageHours
from .incident import (
    ONSITE_COMMANDER_PROVIDERS,
    STATE_MACHINE,
    UNIT_PROVIDERS,
    YUNCHENG_BOUNDS,
    Incident,
    Source,
    rederive_service_area,
    service_area_refusal,
)
from .plan import LinkedEvent, PlanVersion
from .records import FirstMeasure, FollowUpReport, Recipient, Submission, TimelineEvent, UpwardReport

__all__ = [
    "FACT_FIELDS",
    "ONSITE_COMMANDER_PROVIDERS",
    "STATE_MACHINE",
    "UNIT_PROVIDERS",
    "YUNCHENG_BOUNDS",
    "FirstMeasure",
    "FollowUpReport",
    "Incident",
    "IncidentFacts",
    "LinkedEvent",
    "OutageHours",
    "PlanVersion",
    "Recipient",
    "Source",
    "Submission",
    "TimelineEvent",
    "UpwardReport",
    "rederive_service_area",
    "service_area_refusal",
]
