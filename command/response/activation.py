"""What an activated level sets up (§5.3, 附件1, 附件3) — one service, run after the transition commits,
idempotent: running it again, or raising Ⅲ → Ⅱ, adds only what is missing and never duplicates (every
row it writes has a unique constraint and is written with ``ignore_conflicts``).

    Ⅳ/Ⅲ  the checklist of §5.3.1 / §5.3.2. The office picks the groups (``groups_activate``) and sends
         a working team, HQ leaders and experts to the scene (``calldowns.calldown_add``), 附件1.
    Ⅱ/Ⅰ  the on-site HQ (§2.2) with the commander and deputies; the eight groups (附件3) with their
         leaders and member units, 事发地县级政府 resolved from the incident; §5.3.3's eight duties
         (Ⅰ adds §5.3.4); one assignment per group (附件3 duties) and per unit concerned (附件2 duties);
         the call to the scene (§5.3.3(1)) for the commander, the deputies and the heads of those units.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.choices import ResponseLevel, State
from incidents.recording import recorded
from orgchart.models import Appointment, CompanyType, Unit, UnitKind
from orgchart.selectors import (
    away_ids,
    current_group_leaders,
    groups_qs,
    holders_by_post,
    present_or_acting,
)

from ..assignments.models import ActivatedGroup, Assignment, GroupUnit
from ..assignments.notices import notify_new_assignments
from ..common import CommandError, lock_incident, require_authority, timeline_add
from .calldowns import calldowns_notify, new_token
from .emergency_plan import (
    CALLDOWN_CLAUSE,
    CHECKLISTS,
    COUNTY_GOVERNMENT_CLAUSE,
    ONSITE_DEPUTY_POSITIONS,
    county_government_duties,
)
from .models import (
    CallDown,
    ChecklistItem,
    LevelSetup,
    OnsiteHQ,
    OnsiteMember,
)

HOLDER = Appointment.Role.HOLDER


def resolve_units(group_memberships, incident, include_county, water=None):
    """附件3 member units for this incident: a category (各供热企业, 各供水企业) becomes the incident's own
    company when it is one of them, and the water companies serving the incident's county (``water``:
    category id → companies; DOMAIN §6 reading); the other registered companies are offered to the office
    (``company_offers``). The county government is the incident's county's (事发地县级政府)."""
    units = []
    for m in group_memberships:
        unit = m.unit
        if not unit.active:
            continue
        if unit.kind == UnitKind.ENTERPRISE_CATEGORY:
            company = incident.company
            if company is not None and company.parent_id == unit.pk and company.active:
                units.append(company)
            units.extend((water or {}).get(unit.pk, ()))
            continue
        units.append(unit)
    if include_county and incident.county.government_id:
        units.append(incident.county.government)
    seen, result = set(), []
    for u in units:
        if u.pk not in seen:
            seen.add(u.pk)
            result.append(u)
    return result


def leaders_record(group, incident, posts, away, leader_posts=None):
    """The record of who leads ``group`` for ``incident`` at activation (see ``leaders_snapshot``)."""
    key = (incident.pk, group.pk)
    found = current_group_leaders(
        [(*key, incident.county.government_id)], posts=posts, away=away, leader_posts=leader_posts
    )
    return leaders_snapshot(found[key])


def leaders_snapshot(leaders):
    """Who led the group at activation, for the record (附件3 组长; an absent holder's deputy, AB角, is
    named as acting). Who leads *now* — sign, remind — is ``orgchart.selectors.current_group_leaders``."""
    names = []
    for a in leaders:
        post = f"{a.unit if a.unit_id else ''}{a.position.name}"
        if a.role != HOLDER:
            post += _("（AB角，代理）")
        names.append({"person": a.person_id, "name": a.person.name, "post": post})
    return names


def _setup_groups(incident, groups, *, level, now, posts, away):
    """Activate ``groups`` for the incident with their units and one assignment each; returns the new
    (group assignments, unit assignments, units) counts."""
    gov = incident.county.government_id
    leaders = current_group_leaders([(incident.pk, g.pk, gov) for g in groups], posts=posts, away=away)
    ActivatedGroup.objects.bulk_create(
        [
            ActivatedGroup(
                incident=incident,
                group=g,
                at=now,
                level=level,
                leaders=leaders_snapshot(leaders[(incident.pk, g.pk)]),
            )
            for g in groups
        ],
        ignore_conflicts=True,
    )
    activated = {a.group_id: a for a in ActivatedGroup.objects.filter(incident=incident)}
    links, units = [], {}
    water = serving_water_companies(incident)
    for g in groups:
        for u in resolve_units(g.memberships.all(), incident, g.includes_county, water):
            links.append(GroupUnit(activated_group=activated[g.pk], unit=u, added_at=now))
            units[u.pk] = u
    GroupUnit.objects.bulk_create(links, ignore_conflicts=True)
    before = Assignment.objects.filter(incident=incident).count()
    Assignment.objects.bulk_create(
        [
            Assignment(
                incident=incident,
                group=g,
                title=g.name,
                duties=g.duties,
                clause=g.clause,
                level=level,
                created_at=now,
            )
            for g in groups
        ]
        + [
            Assignment(
                incident=incident,
                unit=u,
                title=u.display_name,
                **unit_duties(u),
                level=level,
                created_at=now,
            )
            for u in units.values()
        ],
        ignore_conflicts=True,
    )
    return Assignment.objects.filter(incident=incident).count() - before, list(units.values())


def serving_water_companies(incident):
    """{category id: [water companies serving the incident's county]} (one query)."""
    found = {}
    for u in Unit.objects.filter(
        kind=UnitKind.ENTERPRISE,
        company_type=CompanyType.WATER,
        active=True,
        serves_counties=incident.county_id,
    ).select_related("parent"):
        found.setdefault(u.parent_id, []).append(u)
    return found


def unit_duties(unit):
    """A unit's assignment text and clause: its 附件2 duties; the 事发地县级政府 has no 附件2 entry, and
    carries the plan's words for it (§5.2, §6.3, §7.1; DOMAIN §6 reading) — never an empty text."""
    duties = unit.plan_duties or unit.duties
    if unit.kind == UnitKind.COUNTY_GOVERNMENT and not duties:
        return {"duties": county_government_duties(), "clause": COUNTY_GOVERNMENT_CLAUSE}
    return {"duties": duties, "clause": unit.plan_duties_clause or unit.duties_clause or "附件2"}


def _checklist(incident, level, now):
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                incident=incident,
                code=code,
                clause=clause,
                text=text,
                level=level,
                order=100 * (5 - level) + i,
            )
            for i, (code, clause, text) in enumerate(CHECKLISTS[level])
        ],
        ignore_conflicts=True,
    )


def _calldown_rows(incident, level, now, people):
    """people: [(Person, role, post)] → new CallDown rows (existing ones untouched)."""
    clause = CALLDOWN_CLAUSE[level]
    return [
        CallDown(
            incident=incident,
            person=p,
            name=p.name,
            post=post,
            phone=p.mobile,
            role=role,
            clause=clause,
            level=level,
            token=new_token(),
            notified_at=now,
        )
        for p, role, post in people
    ]


def response_setup(incident_id, *, now=None):
    """Set up what the incident's current level needs (see the module docstring). Returns the
    LevelSetup row, or None when the incident is not responding (nothing to do)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        if incident.state != State.RESPONDING or not incident.level:
            return None
        level = int(incident.level)
        setup, created = LevelSetup.objects.get_or_create(
            incident=incident, level=level, defaults={"at": now}
        )
        _checklist(incident, level, now)
        if level >= 3:
            if created:
                setup.summary = summary_low(level)
                setup.save(update_fields=["summary"])
                with recorded():
                    timeline_add(
                        incident,
                        actor=None,
                        at=now,
                        summary=summary_low(level),
                        clause=CALLDOWN_CLAUSE[level],
                    )
            return setup
        counts = _setup_high(incident, level, now)
        if created:
            _record_setup_high(setup, incident, level, now, counts)
        return setup


def _setup_high(incident, level, now):
    """Ⅱ/Ⅰ: the on-site HQ with its commander and deputies, the eight groups with their units and
    assignments, and the call to the scene. Returns (groups, new assignments, people called)."""
    posts, away = holders_by_post(), away_ids(now)
    OnsiteHQ.objects.get_or_create(incident=incident, defaults={"established_at": now})
    members = _onsite_members(posts, away)
    OnsiteMember.objects.bulk_create(
        [
            OnsiteMember(incident=incident, person=p, role=role, post=post, clause="§2.2", added_at=now)
            for p, role, post, _cd in members
        ],
        ignore_conflicts=True,
    )
    groups = list(groups_qs().order_by("order"))
    new_assignments, units = _setup_groups(incident, groups, level=level, now=now, posts=posts, away=away)
    called = {p.pk: (p, cd_role, post) for p, _r, post, cd_role in members}
    for u in units:
        for a in present_or_acting(posts.get(("unit_head", u.pk, None), []), away):
            called.setdefault(
                a.person_id,
                (a.person, CallDown.Role.UNIT_HEAD, _("%(unit)s负责人") % {"unit": u.display_name}),
            )
    existing = set(
        CallDown.objects.filter(incident=incident, person__isnull=False).values_list("person_id", flat=True)
    )
    rows = _calldown_rows(incident, level, now, [v for k, v in called.items() if k not in existing])
    CallDown.objects.bulk_create(rows, ignore_conflicts=True)
    new_ids = list(
        CallDown.objects.filter(incident=incident, token__in=[r.token for r in rows]).values_list(
            "pk", flat=True
        )
    )
    calldowns_notify(new_ids)
    _notify_assignments(incident.pk)
    return len(groups), new_assignments, len(new_ids)


def _onsite_members(posts, away):
    """[(person, on-site role, post, call-down role)]: the commander and the deputies of §2.2 — holders
    present, or the deputies (AB角) acting for them (``orgchart.selectors.present_or_acting``)."""
    members = []
    for a in present_or_acting(posts.get(("commander", None, None), []), away):
        members.append((a.person, OnsiteMember.Role.COMMANDER, _("指挥长"), CallDown.Role.COMMANDER))
    for code in ONSITE_DEPUTY_POSITIONS:
        for key, appts in posts.items():
            if key[0] == code:
                for a in present_or_acting(appts, away):
                    post = a.position.holder_definition
                    members.append((a.person, OnsiteMember.Role.DEPUTY, post, CallDown.Role.DEPUTY))
    return members


def _record_setup_high(setup, incident, level, now, counts):
    groups, new_assignments, people = counts
    with recorded():
        summary = _(
            "%(level)s响应：成立现场指挥部，启用%(groups)s个工作组，下达%(assignments)s项任务分工，"
            "通知%(people)s人赶赴现场"
        ) % {
            "level": ResponseLevel(level).label,
            "groups": groups,
            "assignments": new_assignments,
            "people": people,
        }
        if level == 1:
            summary += _("；按§5.3.4加强现场指挥部力量")
        setup.summary = summary
        setup.save(update_fields=["summary"])
        timeline_add(incident, actor=None, at=now, summary=summary, clause=CALLDOWN_CLAUSE[level])


def _notify_assignments(incident_id):
    transaction.on_commit(lambda: notify_new_assignments(incident_id), robust=True)


def summary_low(level):
    return _(
        "%(level)s响应：按%(clause)s列出工作清单；由市指挥部办公室派出工作组、市指挥部领导和专家赶赴现场，"
        "视情启用工作组（附件1）"
    ) % {"level": ResponseLevel(level).label, "clause": "§5.3.1" if level == 4 else "§5.3.2"}


def groups_activate(*, incident_id, actor, group_codes, now=None):
    """Ⅳ/Ⅲ: the office activates the groups it picks (附件1; at Ⅱ/Ⅰ all eight are already active)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        require_authority(actor, "command.record", incident)
        if incident.state != State.RESPONDING:
            raise CommandError(_("只有响应中的事件才能启用工作组。"))
        codes = set(group_codes)
        groups = list(groups_qs().filter(code__in=codes).order_by("order"))
        if not groups or len(groups) != len(codes):
            raise CommandError(_("请选择要启用的工作组。"))
        already = set(ActivatedGroup.objects.filter(incident=incident).values_list("group_id", flat=True))
        groups = [g for g in groups if g.pk not in already]
        if not groups:
            raise CommandError(_("所选工作组均已启用。"))
        posts, away = holders_by_post(), away_ids(now)
        _setup_groups(incident, groups, level=int(incident.level), now=now, posts=posts, away=away)
        _notify_assignments(incident.pk)
        with recorded():
            timeline_add(
                incident,
                actor=actor,
                at=now,
                summary=_("启用工作组：%(names)s") % {"names": "、".join(g.name for g in groups)},
                clause="附件1、附件3",
            )
    return groups


def group_unit_add(*, incident_id, actor, group_code, unit_id, now=None):
    """The on-site commander adds a unit to a group for this incident (附件3: 现场指挥部指挥长可视情况
    调整工作组组成单位及职责); the unit gets its assignment."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        require_authority(actor, "onsite.adjust_groups", incident)
        if incident.state != State.RESPONDING:
            raise CommandError(_("事件已不在响应中，不能再调整工作组。"))
        ag = (
            ActivatedGroup.objects.filter(incident=incident, group__code=group_code)
            .select_related("group")
            .first()
        )
        unit = Unit.objects.filter(pk=unit_id, active=True).exclude(kind=UnitKind.ENTERPRISE_CATEGORY).first()
        if ag is None or unit is None:
            raise CommandError(_("请选择已启用的工作组和要加入的单位。"))
        link, created = GroupUnit.objects.get_or_create(
            activated_group=ag, unit=unit, defaults={"from_plan": False, "added_at": now}
        )
        if not created:
            raise CommandError(
                _("%(unit)s已在%(group)s中。") % {"unit": unit.display_name, "group": ag.group.name}
            )
        assign_unit(
            incident,
            unit,
            actor=actor,
            now=now,
            summary=gettext_lazy("%(group)s增加成员单位：%(unit)s"),
            group=ag.group.name,
            clause="附件3",
        )
    return link


def assign_unit(incident, unit, *, actor, now, summary, clause, group=""):
    """A unit added to an activated group gets its own assignment, carrying its duties (附件2), once
    (a second call adds nothing), and the timeline says so in the plan's language. ``summary`` is a
    gettext'd text with ``%(unit)s`` (and ``%(group)s``), formatted in Chinese."""
    Assignment.objects.bulk_create(
        [
            Assignment(
                incident=incident,
                unit=unit,
                title=unit.display_name,
                **unit_duties(unit),
                level=int(incident.level),
                created_at=now,
            )
        ],
        ignore_conflicts=True,
    )
    with recorded():
        timeline_add(
            incident,
            actor=actor,
            at=now,
            summary=str(summary) % {"group": group, "unit": unit.display_name},
            clause=clause,
        )
