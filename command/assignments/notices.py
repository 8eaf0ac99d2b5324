"""Who is told of a task: its unit's liaison and head, or its group's leaders (holders present, or the
deputies acting for them), after the transaction commits."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from incidents.models import Incident
from incidents.recording import drill_mark
from orgchart.models import Appointment
from orgchart.selectors import current_group_leaders

from ..common import users_who_can
from ..notifications.services import notify
from .models import ActivatedGroup, Assignment


def doers(task):
    """Users to tell about a task: the unit's liaison and head (or acting deputies), or the group's leaders."""
    users = []
    if task.unit_id:
        user_ids = Appointment.objects.filter(
            unit_id=task.unit_id, position__code__in=("unit_liaison", "unit_head"), person__active=True
        ).values_list("person__user", flat=True)
        users += list(get_user_model().objects.filter(pk__in=[u for u in user_ids if u]))
    elif task.group_id:
        person_ids = group_leader_person_ids([(task.incident_id, task.group_id)]).get(
            (task.incident_id, task.group_id), set()
        )
        users += list(get_user_model().objects.filter(person__pk__in=person_ids))
    if task.person_id:
        users += list(get_user_model().objects.filter(person__pk=task.person_id))
    return users


def group_leader_person_ids(pairs, at=None):
    """{(incident id, group id): {person ids}} of whoever leads each activated group now — holders
    present, or acting deputies (AB角) for the whole absence (``orgchart.selectors.current_group_leaders``).
    Four queries whatever the number of groups."""
    pairs = list(pairs)
    if not pairs:
        return {}
    gov = dict(
        Incident.objects.filter(pk__in={i for i, _g in pairs}).values_list("pk", "county__government_id")
    )
    leaders = current_group_leaders([(i, g, gov.get(i)) for i, g in pairs], at=at)
    return {key: {a.person_id for a in appts} for key, appts in leaders.items()}


def notify_new_task(task):
    task_id = task.pk

    def send():
        t = Assignment.objects.select_related("incident", "group", "unit").get(pk=task_id)
        notify(
            doers(t),
            key=f"task:{task_id}:{t.updated_at.timestamp():.0f}",
            kind="task",
            title=drill_mark(_("新任务，请签收：%(title)s") % {"title": t.title}, t.incident.is_drill),
            body=t.incident.title,
            url=reverse("command:task", args=[task_id]),
            incident=t.incident,
        )

    transaction.on_commit(send, robust=True)


def notify_new_assignments(incident_id):
    """After an activation: each unit's liaison and head, and each group's leaders, are told of their
    assignments (in-app, exactly once per assignment and person). Three queries whatever the size."""
    tasks = list(
        Assignment.objects.filter(incident_id=incident_id, kind=Assignment.Kind.ASSIGNMENT).select_related(
            "incident"
        )
    )
    if not tasks:
        return
    incident = tasks[0].incident
    by_unit = {}
    for unit_id, user_id in Appointment.objects.filter(
        unit_id__in=[t.unit_id for t in tasks if t.unit_id],
        position__code__in=("unit_liaison", "unit_head"),
        person__active=True,
        person__user__isnull=False,
    ).values_list("unit_id", "person__user"):
        by_unit.setdefault(unit_id, set()).add(user_id)
    leaders = {
        g: people
        for (_i, g), people in group_leader_person_ids(
            [
                (incident_id, g)
                for g in ActivatedGroup.objects.filter(incident_id=incident_id).values_list(
                    "group_id", flat=True
                )
            ]
        ).items()
    }
    users = {u.pk: u for u in get_user_model().objects.filter(person__isnull=False).select_related("person")}
    by_person = {u.person.pk: u for u in users.values()}
    for t in tasks:
        targets = [users[u] for u in by_unit.get(t.unit_id, ()) if u in users] if t.unit_id else []
        if t.group_id and not t.unit_id:
            targets = [by_person[p] for p in leaders.get(t.group_id, ()) if p in by_person]
        notify(
            targets,
            key=f"task:{t.pk}:assigned",
            kind="task",
            title=drill_mark(_("新任务，请签收：%(title)s") % {"title": t.title}, incident.is_drill),
            body=incident.title,
            url=reverse("command:task", args=[t.pk]),
            incident=incident,
        )


def notify_return(task):
    task_id = task.pk

    def send():
        t = Assignment.objects.select_related("incident").get(pk=task_id)
        users = [
            u for u in users_who_can("task.issue", t.incident) if u.pk != getattr(t.created_by, "pk", None)
        ]
        if t.created_by_id:
            users.append(t.created_by)
        notify(
            users,
            key=f"task-returned:{task_id}:{t.updated_at.timestamp():.0f}",
            kind="task_returned",
            title=drill_mark(
                _("任务被退回：%(title)s。理由：%(why)s") % {"title": t.title, "why": t.returned_reason},
                t.incident.is_drill,
            ),
            body=t.incident.title,
            url=reverse("command:task", args=[task_id]),
            incident=t.incident,
        )

    transaction.on_commit(send, robust=True)
