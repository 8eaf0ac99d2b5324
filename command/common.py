"""What every room of the command app shares: its refusals, the incident lock, the plan's authority
check, who may act now and the command's event on the timeline (the 【演练】 mark and the plan's language
are ``incidents.recording``'s).

Refusals raise ``CommandError`` (a rule of the plan or a stale page; Chinese message) or
``PermissionDenied`` (the plan gives this to someone else); either way nothing is changed.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from incidents import timeline
from incidents.models import Incident, TimelineEvent
from orgchart.models import Appointment
from orgchart.permissions import RULES, can


class CommandError(Exception):
    """A refusal with a message for the person (Chinese first)."""


class AlreadyDecided(CommandError):
    """Nothing to do: someone else has just decided the request (two approvers at once). Information for
    the one who came second, not an error (issue 17 point 11)."""


def timeline_add(incident, *, actor, summary, clause, **fields):
    """One command event (``TimelineEvent.Kind.COMMAND``) on the incident's timeline, through the
    incidents' writer (``incidents.timeline.timeline_add``: at, reason, data, actor_post)."""
    return timeline.timeline_add(
        incident, kind=TimelineEvent.Kind.COMMAND, actor=actor, summary=summary, clause=clause, **fields
    )


def users_who_can(action, incident):
    """The users who may take ``action`` on ``incident`` now (holders, or deputies acting for absent
    holders): the people an approval waits for."""
    rule = RULES[action]
    recorded = incident.onsite_commander() if rule.scope == "onsite" and incident is not None else None
    if recorded is not None:  # §5.3.6: the on-site commander recorded for the incident
        users = get_user_model().objects.filter(person__pk=recorded[0]).values_list("pk", flat=True)
    else:  # the posts the plan names (a higher authority may act, but is not waited for)
        users = (
            Appointment.objects.filter(position__code__in=rule.named or rule.positions, person__active=True)
            .select_related("person__user")
            .values_list("person__user", flat=True)
            .distinct()
        )

    result = []
    for user in get_user_model().objects.filter(pk__in=list(users)).select_related("person"):
        if can(user, action, incident):
            result.append(user)
    return result


def lock_incident(incident_id):
    """The incident row, locked for this transaction (with what the command's writes read of it)."""
    try:
        return (
            Incident.objects.select_for_update(of=("self",))
            .select_related("county", "county__government", "plan_version", "service_area", "company")
            .get(pk=incident_id)
        )
    except Incident.DoesNotExist:
        raise CommandError(_("没有这个事件。")) from None


def require_authority(user, action, incident=None):
    """The plan's decision for ``user`` taking ``action``; refused (PermissionDenied) when it says no."""
    decision = can(user, action, incident)
    if not decision:
        raise PermissionDenied(decision.reason)
    return decision
