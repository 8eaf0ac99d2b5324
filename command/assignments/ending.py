"""Ending a response (§5.3.6) with a decision on each open task: closed, or carried into the aftermath
(§7); and, when it ends by another path, every open task carried (nothing is lost)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import lifecycle
from incidents.choices import State
from incidents.recording import recorded

from ..common import CommandError, lock_incident, timeline_add
from .models import Assignment
from .moves import MOVES
from .services import task_note_add


def response_end(*, incident_id, user, decisions, reason="", expected_level=None, now=None, context=None):
    """End the response (§5.3.6) as the person the plan names, with a decision on every open task:
    "close" (已关闭) or "carry" (转入后期处置, §7). The incident then moves to aftermath (§7). Refused,
    changing nothing, when a §5.3.6 condition fails (the message says which) or a decision is missing."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        open_tasks = list(
            Assignment.objects.select_for_update().filter(incident=incident, state__in=Assignment.OPEN_STATES)
        )
        missing = [t.title for t in open_tasks if decisions.get(t.pk) not in ("close", "carry")]
        if missing:
            raise CommandError(
                _("请对每项未完成的任务作出处理（关闭，或转入后期处置）：%(tasks)s。")
                % {"tasks": "、".join(missing[:5])}
            )
        closed = [t for t in open_tasks if decisions[t.pk] == "close"]
        carried = [t for t in open_tasks if decisions[t.pk] == "carry"]
        try:
            lifecycle.perform(
                incident.pk,
                move="end_response",
                actor=user,
                reason=reason,
                expected_state=State.RESPONDING,
                expected_level=expected_level if expected_level is not None else incident.level,
                now=now,
                context={"tasks_settled": True, **(context or {})},
            )
        except lifecycle.TransitionError as e:
            raise CommandError(str(e)) from None
        _settle_tasks(incident, user, closed, carried, now)
        lifecycle.perform(
            incident.pk,
            move="begin_aftermath",
            actor=user,
            now=now,
            system=True,
            context={"follows": "end_response"},
        )
    return incident


def _settle_tasks(incident, user, closed, carried, now):
    close = MOVES["close"]  # the command's move, taken with the end of the response (§5.3.6)
    for t in closed:
        old = t.state
        t.state = close.target
        t.save(update_fields=["state", "updated_at"])
        task_note_add(t, user, action="close", text=_("响应结束时关闭"), from_state=old, now=now)
    if carried:
        Assignment.objects.filter(pk__in=[t.pk for t in carried]).update(
            carried_to_aftermath=True, updated_at=now
        )
    if closed or carried:
        with recorded():
            timeline_add(
                incident,
                actor=user,
                at=now,
                summary=_("响应结束时未完成的任务：关闭%(closed)s项，转入后期处置%(carried)s项")
                % {"closed": len(closed), "carried": len(carried)},
                clause="§5.3.6、§7",
                data={"closed_tasks": [t.pk for t in closed], "carried_tasks": [t.pk for t in carried]},
            )


def carry_open_tasks(incident, user, now):
    """When a response ends by another path (an approved end request, the incident page): nothing is
    lost — every open task is carried into the aftermath (§7)."""
    open_tasks = list(
        Assignment.objects.filter(
            incident=incident, state__in=Assignment.OPEN_STATES, carried_to_aftermath=False
        )
    )
    if open_tasks:
        _settle_tasks(incident, user, [], open_tasks, now)
