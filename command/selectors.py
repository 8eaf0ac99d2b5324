"""Reads of the command app, each a constant number of queries whatever the data size."""

from django.db.models import Exists, OuterRef, Prefetch

from incidents.choices import State
from incidents.models import Incident, TimelineEvent
from orgchart.permissions import can

from .models import (
    ActivatedGroup,
    Assignment,
    CallDown,
    ChecklistItem,
    GroupUnit,
    Instruction,
    LevelRequest,
    LevelRequestStep,
    LevelSetup,
    Notification,
    OnsiteHQ,
    OnsiteMember,
)


def assigned_unit_ids(incident):
    """The units with an assignment on the incident (the units working in its activated groups): they
    are "on the incident" for unit-scoped permissions (DOMAIN.md §5: 续报 by any unit on the incident)."""
    if incident.pk is None:
        return []
    return Assignment.objects.filter(incident_id=incident.pk, unit__isnull=False).values_list(
        "unit_id", flat=True
    )


def requests_qs():
    return LevelRequest.objects.select_related(
        "incident", "incident__county", "created_by", "created_by__person"
    ).prefetch_related(Prefetch("history", queryset=LevelRequestStep.objects.order_by("at", "id")))


def pending_for(user):
    """Open requests waiting for this user at their current step (permissions are cached per user, so
    the cost is the one query for the open requests and their history)."""
    result = []
    for r in requests_qs().filter(status=LevelRequest.Status.OPEN).order_by("created_at"):
        if can(user, r.route.action(r.current_step), r.incident):
            result.append(r)
    return result


def open_requests():
    return list(requests_qs().filter(status=LevelRequest.Status.OPEN).order_by("created_at"))


def phone_decisions_to_confirm(user):
    """Decisions the office recorded as taken by phone with this user, not yet confirmed by them."""
    return list(
        LevelRequestStep.objects.filter(by_phone=True, actor=user)
        .exclude(outcome=LevelRequestStep.Outcome.CONFIRMED)
        .filter(~Exists(LevelRequestStep.objects.filter(confirms=OuterRef("pk"))))
        .select_related("request", "request__incident")
        .order_by("at")
    )


def my_calldowns(user):
    person = getattr(user, "person", None)
    if person is None:
        return []
    return list(
        CallDown.objects.filter(person=person, arrived_at__isnull=True, incident__state=State.RESPONDING)
        .select_related("incident")
        .order_by("notified_at")
    )


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user, limit=100):
    return list(Notification.objects.filter(recipient=user).select_related("incident")[:limit])


def command_incident(pk):
    return Incident.objects.select_related(
        "county", "county__government", "service_area", "plan_version", "company"
    ).get(pk=pk)


def command_page(incident, user):
    """Everything the incident's command page shows: a fixed number of queries. Assignments: only those
    the user may see (tasking.Scope; the office and the command see all)."""
    from .tasking import Scope

    visible = Scope(user).filter
    requests = list(requests_qs().filter(incident=incident))
    history = list(
        TimelineEvent.objects.filter(
            incident=incident, data__move__in=["activate", "change_level", "end_response"]
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
        "setups": list(LevelSetup.objects.filter(incident=incident)),
        "onsite_hq": OnsiteHQ.objects.filter(incident=incident).select_related("command_taken_by").first(),
        "onsite_members": list(
            OnsiteMember.objects.filter(incident=incident)
            .select_related("person")
            .order_by("role", "added_at", "id")
        ),
        "groups": groups,
        "assignments": list(
            visible(Assignment.objects.filter(incident=incident, kind=Assignment.Kind.ASSIGNMENT))
            .select_related("group", "unit")
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
