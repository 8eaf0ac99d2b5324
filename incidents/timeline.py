"""The incident's timeline, written one way (DOMAIN.md §5): every app that records on an incident's
append-only timeline calls ``timeline_add`` — state moves, reports, follow-ups, command events
(``command.common.timeline_add`` fixes the kind) — inside the transaction of the write it records, with
its summary already in the plan's language (``recording.recorded``). Rows written many at once are built
by ``timeline_event`` and saved with ``bulk_create``."""

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import TimelineEvent

SUMMARY_MAX = 300  # TimelineEvent.summary
CLAUSE_MAX = 60  # TimelineEvent.clause


def actor_name(user):
    """The name recorded for ``user``: their person's name, else their username; 系统 without a user."""
    if user is None:
        return _("系统")
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


def post_label(decision):
    """The post a permission decision was taken in, with the holders a deputy acted for (代理)."""
    if not decision or not decision.via:
        return ""
    if decision.acting_for:
        return _("%(post)s（代理%(who)s）") % {"post": decision.via, "who": "、".join(decision.acting_for)}
    return decision.via


def timeline_event(
    incident,
    *,
    kind,
    actor,
    summary,
    at=None,
    actor_label=None,
    actor_post="",
    reason="",
    clause="",
    data=None,
    from_state="",
    to_state="",
    from_level=None,
    to_level=None,
):
    """One event on the incident's timeline, not yet saved: ``timeline_add`` saves it, the writers of
    many rows at once (the reminders' delivery, the generated winter) pass a list to ``bulk_create``.
    ``actor_label``: the name recorded when it is not the actor's (系统提醒)."""
    return TimelineEvent(
        incident=incident,
        at=at or timezone.now(),
        actor=actor,
        actor_name=actor_name(actor) if actor_label is None else actor_label,
        actor_post=actor_post,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        from_level=from_level,
        to_level=to_level,
        summary=summary[:SUMMARY_MAX],
        reason=reason,
        clause=clause[:CLAUSE_MAX],
        data=data or {},
    )


def timeline_add(incident, *, kind, actor, summary, **fields):
    """One event on the incident's timeline (``kind``: ``TimelineEvent.Kind``), saved; returns it. The
    fields are ``timeline_event``'s."""
    event = timeline_event(incident, kind=kind, actor=actor, summary=summary, **fields)
    event.save(force_insert=True)
    return event
