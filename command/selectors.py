"""Reads of the command app, each a constant number of queries whatever the data size."""

from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import Length, Substr

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


DUTIES_SHOWN = 160  # characters of an assignment's duties on the command page (the task page has all)


def command_page(incident, user):
    """Everything the incident's command page shows: a fixed number of queries. Assignments: only those
    the user may see (tasking.Scope; the office and the command see all)."""
    from .tasking import Scope

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


# ------------------------------------------------------------------------------------------------
# Task lists and the task board (issue 15): counted in SQL, each task rendered once, at most
# TASK_ROWS rows per request ("更多" loads the next ones)
# ------------------------------------------------------------------------------------------------

TASK_ROWS = 20  # a phone screen or two; "更多任务" loads the next
SIGNED_STATES = ("signed", "in_progress", "done")


def tasks_qs():
    return Assignment.objects.select_related("incident", "incident__county", "group", "unit", "person")


def ordered_tasks(qs, now):
    """Open before finished; overdue first, then by due time, priority and age."""
    return qs.annotate(
        _open=Case(
            When(state__in=Assignment.OPEN_STATES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        _overdue=Case(
            When(state__in=Assignment.OPEN_STATES, due_at__lt=now, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        _prio=Case(
            When(priority="urgent", then=Value(0)),
            When(priority="high", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    ).order_by("_open", "_overdue", "due_at", "_prio", "created_at", "id")


def task_page(qs, now, *, offset=0, size=TASK_ROWS):
    """One page of tasks in ``ordered_tasks`` order: (tasks, the offset of the next page or None).
    One query: the page's ids are picked on the narrow task rows first, then only those rows are joined
    to their incident, group, unit and person (not every open task of every active incident)."""
    page = ordered_tasks(qs.order_by(), now).values("pk")[offset : offset + size + 1]
    rows = list(ordered_tasks(tasks_qs().filter(pk__in=page), now))
    more = len(rows) > size
    del rows[size:]
    return rows, (offset + size if more else None)


def _counts(now):
    """The board's figures of a set of tasks, as SQL aggregates (a closed task is not counted)."""
    is_open = Q(state__in=Assignment.OPEN_STATES)
    return {
        "total": Count("id", filter=~Q(state=Assignment.State.CLOSED)),
        "signed": Count("id", filter=Q(state__in=SIGNED_STATES)),
        "done": Count("id", filter=Q(state=Assignment.State.DONE)),
        "overdue": Count("id", filter=is_open & Q(due_at__lt=now)),
        "open": Count("id", filter=is_open),
    }


def _with_rates(row):
    n = row["total"]
    row["signed_pct"] = round(100 * row["signed"] / n) if n else None
    row["done_pct"] = round(100 * row["done"] / n) if n else None
    return row


def board_summary(tasks, now):
    """The task board of one incident without its rows: the totals, each group's and each unit's
    figures, and a signature that changes with any task (its state, its overdue) — three queries
    whatever the number of tasks. ``tasks``: the incident's tasks this user may see.

    A task is listed once: under its group when it has one, else under its unit; a unit's figures
    count all its tasks, ``listed`` those shown under it."""
    totals = tasks.order_by().aggregate(**_counts(now), changed=Max("updated_at"), rows=Count("id"))
    groups = (
        tasks.filter(group__isnull=False)
        .order_by()
        .values("group_id", "group__code", "group__name", "group__order")
        .annotate(**_counts(now), listed=Count("id"))
    )
    units = (
        tasks.filter(unit__isnull=False)
        .order_by()
        .values("unit_id", "unit__code", "unit__name", "unit__current_name", "unit__order")
        .annotate(
            **_counts(now),
            listed=Count("id", filter=Q(group__isnull=True)),
            in_groups=Count("id", filter=Q(group__isnull=False)),
        )
    )
    by_group = [
        _with_rates(dict(r, key=f"g{r['group_id']}", code=r["group__code"], name=r["group__name"]))
        for r in sorted(groups, key=lambda r: (-r["overdue"], r["group__order"], r["group_id"]))
    ]
    by_unit = [
        _with_rates(
            dict(
                r,
                key=f"u{r['unit_id']}",
                code=r["unit__code"],
                name=r["unit__current_name"] or r["unit__name"],
            )
        )
        for r in sorted(units, key=lambda r: (-r["overdue"], -r["open"], r["unit__order"], r["unit_id"]))
    ]
    sig = "|".join(str(totals[k]) for k in ("rows", "changed", "total", "signed", "done", "overdue"))
    return {"totals": _with_rates(totals), "by_group": by_group, "by_unit": by_unit, "sig": sig}


def board_section(tasks, key):
    """The tasks listed under one section of the board: "g<id>" a group's, "u<id>" a unit's without a
    group. None when the key is not one."""
    kind, pk = key[:1], key[1:]
    if not pk.isdigit() or kind not in ("g", "u"):
        return None
    if kind == "g":
        return tasks.filter(group_id=int(pk))
    return tasks.filter(unit_id=int(pk), group__isnull=True)


def recorded_onsite_commander(incident):
    """(person id, name) of whoever took command on site for this incident (§5.3.3(2)), or None."""
    return (
        OnsiteHQ.objects.filter(incident_id=incident.pk, command_taken_by__isnull=False)
        .values_list("command_taken_by_id", "command_taken_by__name")
        .first()
    )
