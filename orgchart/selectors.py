"""Reads of the org chart, each a constant number of queries whatever the data size.
Other apps ask "who" here (DESIGN.md: services write, selectors read)."""

from django.db.models import Prefetch, Q
from django.utils import timezone

from .models import (
    Absence,
    Appointment,
    CommandBody,
    County,
    DutyShift,
    Expert,
    GroupLeader,
    GroupMembership,
    Person,
    Position,
    ServiceArea,
    Unit,
    UnitKind,
    WorkingGroup,
)

HOLDER = Appointment.Role.HOLDER


def appointments_qs():
    return Appointment.objects.select_related("person", "person__unit", "position", "unit", "group")


def on_duty(at=None):
    """The shift in force at ``at`` (default now), with its 值班员 and 带班领导, or None."""
    at = at or timezone.now()
    return (
        DutyShift.objects.select_related(
            "duty_officer", "duty_leader", "duty_officer__unit", "duty_leader__unit"
        )
        .filter(starts_at__lte=at, ends_at__gt=at)
        .order_by("-starts_at")
        .first()
    )


def shifts_between(start_date, end_date):
    return (
        DutyShift.objects.select_related("duty_officer", "duty_leader")
        .filter(date__gte=start_date, date__lte=end_date)
        .order_by("starts_at")
    )


def holders_by_post():
    """{(position code, unit id, group id): [Appointment, ...]} for every appointment: one query."""
    posts = {}
    for a in appointments_qs().order_by(
        "position__order", "-role", "person__name"
    ):  # holders before deputies
        posts.setdefault((a.position.code, a.unit_id, a.group_id), []).append(a)
    return posts


def group_leaders(groups, posts):
    """Resolve 附件3 组长 to people: heads / deputy heads of the named units, plus any explicit
    group_leader appointment. ``groups`` must have ``leaders`` prefetched."""
    resolved = {}
    for g in groups:
        people = []
        for gl in g.leaders.all():
            if gl.unit_id is None:
                continue  # 事发地县级政府: resolved per incident
            people += posts.get((gl.position_code, gl.unit_id, None), [])
        people += posts.get(("group_leader", None, g.pk), [])
        resolved[g.pk] = people
    return resolved


def away_ids(at=None):
    """Ids of the people recorded absent at ``at`` (one query)."""
    at = at or timezone.now()
    return set(Absence.objects.filter(starts_at__lte=at, ends_at__gt=at).values_list("person_id", flat=True))


def present_or_acting(appointments, away):
    """Who fills a post now: its holders present, or — every holder away (or the post vacant) — its
    designated deputies (AB角) present (DOMAIN §6 "Acting deputies everywhere"; as the permission layer)."""
    holders = [a for a in appointments if a.role == HOLDER and a.person.active]
    present = [a for a in holders if a.person_id not in away]
    if present:
        return present
    return [a for a in appointments if a.role != HOLDER and a.person.active and a.person_id not in away]


def leader_posts_by_group():
    """{group id: [(position code, unit id or None = 事发地县级政府)]} for 附件3 组长 (one query)."""
    result = {}
    for g in GroupLeader.objects.order_by("group_id", "order"):
        result.setdefault(g.group_id, []).append((g.position_code, g.unit_id))
    return result


def current_group_leaders(keys, *, at=None, posts=None, away=None, leader_posts=None):
    """The people leading each activated group NOW: for every 组长 post (附件3) its holders present, or
    while they are recorded absent the unit's designated deputy (AB角), plus explicit group_leader
    appointments. ``keys``: iterable of (incident id, group id, county government id). Returns
    {(incident id, group id): [Appointment, ...]}. Three queries whatever the number of groups; the
    holder leads again on return, nothing to hand back."""
    posts = posts if posts is not None else holders_by_post()
    away = away if away is not None else away_ids(at)
    leader_posts = leader_posts if leader_posts is not None else leader_posts_by_group()
    result = {}
    for incident_id, group_id, county_gov_id in keys:
        people = []
        for code, unit_id in leader_posts.get(group_id, []):
            unit_id = unit_id if unit_id is not None else county_gov_id
            if unit_id is not None:
                people += present_or_acting(posts.get((code, unit_id, None), []), away)
        people += present_or_acting(posts.get(("group_leader", None, group_id), []), away)
        seen, unique = set(), []
        for a in people:
            if a.person_id not in seen:
                seen.add(a.person_id)
                unique.append(a)
        result[(incident_id, group_id)] = unique
    return result


def groups_qs():
    return WorkingGroup.objects.prefetch_related(
        Prefetch("leaders", queryset=GroupLeader.objects.select_related("unit")),
        Prefetch("memberships", queryset=GroupMembership.objects.select_related("unit")),
    )


def org_overview():
    """Everything the org-chart picture shows, in a fixed number of queries."""
    bodies = {b.code: b for b in CommandBody.objects.select_related("host_unit")}
    positions = list(Position.objects.select_related("body", "holder_unit"))
    posts = holders_by_post()
    units = list(
        Unit.objects.filter(active=True)
        .exclude(kind=UnitKind.COUNTY_GOVERNMENT)
        .select_related("parent")
        .order_by("order", "code")
    )
    members = [u for u in units if u.parent_id is None]
    companies = {}
    for u in units:
        if u.parent_id:
            companies.setdefault(u.parent_id, []).append(u)
    groups = list(groups_qs())
    leaders = group_leaders(groups, posts)
    return {
        "bodies": bodies,
        "positions": positions,
        "posts": posts,
        "member_units": members,
        "companies": companies,
        "groups": [(g, leaders[g.pk]) for g in groups],
        "counties": list(County.objects.select_related("government")),
        "service_areas": list(ServiceArea.objects.filter(active=True).prefetch_related("counties")),
    }


def unit_detail(code):
    unit = Unit.objects.select_related("parent").get(code=code)
    return {
        "unit": unit,
        "companies": list(unit.companies.filter(active=True).order_by("order", "code")),
        "appointments": list(
            appointments_qs()
            .filter(Q(unit=unit) | Q(person__unit=unit, unit__isnull=True))
            .order_by("position__order", "-role", "person__name")
        ),
        "people": list(Person.objects.filter(unit=unit, active=True).order_by("name")),
        "memberships": list(
            GroupMembership.objects.filter(Q(unit=unit) | Q(unit_id=unit.parent_id))
            .select_related("group")
            .order_by("group__order")
        ),
        "leads": list(GroupLeader.objects.filter(unit=unit).select_related("group").order_by("group__order")),
        "county": County.objects.filter(government=unit).first(),
    }


def group_detail(code):
    group = groups_qs().get(code=code)
    posts = holders_by_post()
    memberships = list(group.memberships.all())
    for m in memberships:
        m.liaisons = posts.get(("unit_liaison", m.unit_id, None), [])
    return {
        "group": group,
        "leaders": group_leaders([group], posts)[group.pk],
        "memberships": memberships,
        "experts": list(Expert.objects.filter(active=True)) if group.code == "experts" else [],
    }


def search(query, limit=20):
    q = (query or "").strip()
    if not q:
        return {"units": [], "people": [], "groups": [], "experts": []}
    return {
        "units": list(
            Unit.objects.filter(Q(name__icontains=q) | Q(current_name__icontains=q)).order_by("order")[:limit]
        ),
        "people": list(
            Person.objects.select_related("unit")
            .filter(
                Q(name__icontains=q)
                | Q(mobile__contains=q)
                | Q(title__icontains=q)
                | Q(user__username__icontains=q)
            )
            .order_by("name")[:limit]
        ),
        "groups": list(WorkingGroup.objects.filter(name__icontains=q)[:limit]),
        "experts": list(Expert.objects.filter(Q(name__icontains=q) | Q(field__icontains=q))[:limit]),
    }
