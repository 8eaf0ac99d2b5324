"""Reads of the incident's command page (on-site HQ, groups, checklist, call-down, instructions), each a
constant number of queries whatever the data size."""

from django.db.models import Exists, OuterRef, Prefetch
from django.db.models.functions import Length, Substr

from incidents.choices import State
from incidents.models import Incident, TimelineEvent

from ..approvals.models import LevelRequest
from ..approvals.selectors import requests_qs
from ..assignments.models import ActivatedGroup, Assignment, GroupUnit
from ..assignments.services import Scope
from .models import (
    CallDown,
    ChecklistItem,
    Instruction,
    LevelSetup,
    OnsiteHQ,
    OnsiteMember,
)

DUTIES_SHOWN = 160  # characters of an assignment's duties on the command page (the task page has all)


def my_calldowns(user):
    person = getattr(user, "person", None)
    if person is None:
        return []
    return list(
        CallDown.objects.filter(person=person, arrived_at__isnull=True, incident__state=State.RESPONDING)
        .select_related("incident")
        .order_by("notified_at")
    )


def command_incident(pk):
    """The incident with its on-site HQ and whether its level's setup is done (read with it, not apart)."""
    return (
        Incident.objects.select_related(
            "county", "service_area", "plan_version", "onsite_hq", "onsite_hq__command_taken_by"
        )
        .annotate(
            level_setup_done=Exists(
                LevelSetup.objects.filter(incident=OuterRef("pk"), level=OuterRef("level"))
            )
        )
        .get(pk=pk)
    )


def command_page(incident, user):
    """Everything the incident's command page shows: a fixed number of queries. Assignments: only those
    the user may see (assignments.services.Scope; the office and the command see all)."""
    visible = Scope(user).filter
    requests = list(requests_qs().filter(incident=incident))
    history = list(
        TimelineEvent.objects.filter(  # the kinds first: the (incident, kind) index skips the rest
            incident=incident,
            kind__in=[TimelineEvent.Kind.STATE, TimelineEvent.Kind.LEVEL],
            data__move__in=["activate", "change_level", "end_response"],
        ).order_by("at", "id")
    )
    groups = list(
        ActivatedGroup.objects.filter(incident=incident)
        .select_related("group")
        .prefetch_related(Prefetch("units", queryset=GroupUnit.objects.select_related("unit").order_by("id")))
        .order_by("group__order")
    )
    calldowns = list(CallDown.objects.filter(incident=incident).order_by("role", "notified_at", "id"))
    return {
        "requests": requests,
        "open_request": next((r for r in requests if r.status == LevelRequest.Status.OPEN), None),
        "level_history": history,
        "onsite_hq": getattr(incident, "onsite_hq", None),  # read with the incident (command_incident)
        "onsite_members": list(
            OnsiteMember.objects.filter(incident=incident)
            .select_related("person")
            .order_by("role", "added_at", "id")
        ),
        "groups": groups,
        "assignments": list(  # the duties' first 160 characters only: the page shows no more
            visible(Assignment.objects.filter(incident=incident, kind=Assignment.Kind.ASSIGNMENT))
            .select_related("group", "unit")
            .defer("duties")
            .annotate(duties_head=Substr("duties", 1, DUTIES_SHOWN), duties_length=Length("duties"))
            .order_by("created_at", "id")
        ),
        "checklist": list(ChecklistItem.objects.filter(incident=incident).order_by("order", "id")),
        "calldowns": calldowns,
        "instructions": list(Instruction.objects.filter(incident=incident).order_by("given_at", "id")),
    }


def calldown_board(incident):
    return list(CallDown.objects.filter(incident=incident).order_by("role", "notified_at", "id"))


def recorded_onsite_commander(incident):
    """(person id, name) of whoever took command on site for this incident (§5.3.3(2)), or None."""
    return (
        OnsiteHQ.objects.filter(incident_id=incident.pk, command_taken_by__isnull=False)
        .values_list("command_taken_by_id", "command_taken_by__name")
        .first()
    )
