"""The posts a person holds now, as grants the permission table (``orgchart.permissions``) reads: their
own appointments, unless away, and the posts they act in as a deputy (AB角) while every holder is away.

Two queries: the person's appointments with whether they are away; the holders' absences for deputy posts.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from .models import Absence, Appointment, Position


@dataclass(frozen=True)
class Grant:
    position: str
    position_name: str
    unit_id: int | None
    group_id: int | None
    acting_for: tuple = ()


def grants_of(user, at, *, by_phone=False):
    """(person or None, tuple of Grants, away now) for ``user`` at ``at``; ``by_phone``: an absent holder
    keeps their own posts (电话请示, ``permissions.phone_authority``)."""
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    grants = []
    if person is not None and person.active:
        # one query: the posts, each with whether the person is away now (no post, no grant either way)
        absent = Absence.objects.filter(person=OuterRef("person"), starts_at__lte=at, ends_at__gt=at)
        mine = list(
            Appointment.objects.filter(person=person).select_related("position").annotate(away=Exists(absent))
        )
        away = any(a.away for a in mine)
        deputy_posts = [a for a in mine if a.role == Appointment.Role.DEPUTY]
        if not away or by_phone:
            grants += [
                Grant(a.position.code, a.position.name, a.unit_id, a.group_id)
                for a in mine
                if a.role == Appointment.Role.HOLDER
            ]
        if deputy_posts and not away:
            grants += acting_grants(deputy_posts, at)
    else:
        away = False
    return person, tuple(grants), away


def acting_grants(deputy_posts, at):
    """A deputy acts for a post when none of its holders is present (all away, or the post vacant)."""
    post = Q()
    for a in deputy_posts:
        post |= Q(position_id=a.position_id, unit_id=a.unit_id, group_id=a.group_id)
    holders = Appointment.objects.filter(post, role=Appointment.Role.HOLDER, person__active=True).values_list(
        "position_id", "unit_id", "group_id", "person__name", "person_id"
    )
    absent = set(
        Absence.objects.filter(
            starts_at__lte=at,
            ends_at__gt=at,
            person__appointments__in=Appointment.objects.filter(post, role=Appointment.Role.HOLDER),
        ).values_list("person_id", flat=True)
    )
    by_post = {}
    for pos, unit, group, name, pid in holders:
        by_post.setdefault((pos, unit, group), []).append((name, pid in absent))
    grants = []
    for a in deputy_posts:
        entries = by_post.get((a.position_id, a.unit_id, a.group_id), [])
        if all(is_away for _n, is_away in entries):
            grants.append(
                Grant(
                    a.position.code,
                    a.position.name,
                    a.unit_id,
                    a.group_id,
                    acting_for=tuple(n for n, _a in entries),
                )
            )
    return grants


POSITION_NAMES_CACHE = {}


def position_names(codes):
    """The names of the posts ``codes`` (cached for the process: the plan's post names do not change)."""
    missing = [c for c in codes if c not in POSITION_NAMES_CACHE]
    if missing:
        POSITION_NAMES_CACHE.update(Position.objects.filter(code__in=missing).values_list("code", "name"))
    return [POSITION_NAMES_CACHE.get(c, c) for c in codes]
