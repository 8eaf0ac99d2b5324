"""What every room of the command app shares: its refusals, the incident lock, the plan's authority
check, who may act now and the command's event on the timeline (the 【演练】 mark and the plan's language
are ``incidents.recording``'s).

Refusals raise ``CommandError`` (a rule of the plan or a stale page; Chinese message) or
``PermissionDenied`` (the plan gives this to someone else); either way nothing is changed.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident, TimelineEvent
from orgchart.models import Appointment
from orgchart.permissions import RULES, can


class CommandError(Exception):
    """A refusal with a message for the person (Chinese first)."""


class AlreadyDecided(CommandError):
    """Nothing to do: someone else has just decided the request (two approvers at once). Information for
    the one who came second, not an error (issue 17 point 11)."""


def person_name(user):
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


def timeline_add(incident, *, actor, summary, clause, at=None, reason="", data=None, actor_post=""):
    """One command event on the incident's timeline, recorded in the plan's language."""
    return TimelineEvent.objects.create(
        incident=incident,
        at=at or timezone.now(),
        actor=actor,
        actor_name=person_name(actor) if actor else _("系统"),
        actor_post=actor_post,
        kind=TimelineEvent.Kind.COMMAND,
        summary=summary[:300],
        reason=reason,
        clause=clause[:60],
        data=data or {},
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
