"""What the generator needs from the database: the plan in force and the demo set (``load_plan --demo``),
refused with a clear message where something is missing."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import DatabaseError

from incidents.models import PlanVersion
from orgchart.approvals import LevelChange, approval
from orgchart.models import Appointment, County, Person, ServiceArea, Unit
from orgchart.permissions import RULES, authority_for, can
from orgchart.selectors import groups_qs, holders_by_post, leader_posts_by_group

from .data import COUNTY_WEIGHTS, DEMO_COMPANIES, DEMO_USERS


@dataclass
class Context:
    plan: object
    area: object
    users: dict
    posts_of: dict  # (username, action) -> post name
    deciders: dict  # action -> the demo username who decides it (the approval table)
    counties: dict
    companies: dict
    groups: list
    posts: dict
    resolved: dict
    signer_of_unit: dict  # unit id -> Person (liaison, else head)
    person_user: dict  # person id -> (user id, name)


def missing_message(what):
    return (
        f"缺少预案组织体系或演示数据（{what}）：请先运行 python manage.py load_plan --demo。\n"
        f"The plan's org chart and the demo data are needed ({what}): run python manage.py load_plan --demo first."
    )


def load_context():
    plan, area = plan_and_area()
    users = demo_users()
    counties, companies, groups = demo_places()
    posts_of, deciders = decisions(users)
    return Context(
        plan=plan,
        area=area,
        users=users,
        posts_of=posts_of,
        deciders=deciders,
        counties=counties,
        companies=companies,
        groups=groups,
        posts=holders_by_post(),
        resolved=leader_posts_by_group(),  # 附件3 组长 posts, resolved per incident (AB角 included)
        signer_of_unit=unit_signers(),
        person_user={
            pk: (uid, name) for pk, uid, name in Person.objects.values_list("pk", "user_id", "name")
        },
    )


def plan_and_area():
    """The plan version in force and the default service area (with its heated area)."""
    try:
        plan = PlanVersion.current()
    except DatabaseError as exc:
        raise CommandError(
            "数据库尚未迁移：请先运行 python manage.py migrate 和 python manage.py load_plan --demo。\n"
            "The database is not migrated: run python manage.py migrate and python manage.py load_plan --demo."
        ) from exc
    if plan is None:
        raise CommandError(missing_message("没有现行的预案版本 / no plan version in force"))
    area = ServiceArea.objects.filter(is_default=True).first()
    if area is None or not area.heated_area_m2:
        raise CommandError(
            missing_message("默认供热服务区域或其供热面积 / the default service area or its heated area")
        )
    return plan, area


def demo_users():
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS).select_related("person")}
    lacking = [name for name in DEMO_USERS if name not in users or not hasattr(users[name], "person")]
    if lacking:
        raise CommandError(missing_message(f"演示账号 / demo accounts: {', '.join(lacking)}"))
    return users


def demo_places():
    """The 14 counties, the demo heating companies and the eight working groups."""
    counties = {c.code: c for c in County.objects.select_related("government")}
    if set(counties) != set(COUNTY_WEIGHTS):
        raise CommandError(missing_message("14个县（市、区）/ the 14 counties"))
    companies = {u.code: u for u in Unit.objects.filter(code__in=DEMO_COMPANIES).select_related("parent")}
    if len(companies) != len(DEMO_COMPANIES):
        raise CommandError(missing_message("演示供热企业 / demo heating companies"))
    groups = list(groups_qs().order_by("order"))
    if len(groups) != 8:
        raise CommandError(missing_message("八个工作组 / the eight working groups"))
    return counties, companies, groups


def unit_signers():
    """Who signs for a unit's task: its liaison, else its head."""
    signer = {}
    for a in Appointment.objects.filter(
        position__code__in=("unit_head", "unit_liaison"), role="holder", unit__isnull=False
    ).select_related("person", "position"):
        if a.position.code == "unit_liaison" or a.unit_id not in signer:
            signer[a.unit_id] = a.person
    return signer


def generated_actions():
    """The actions the generated moves take: the office's, and the decisions of the approval routes
    (the approval table ``orgchart.approvals``: activate or raise to each level, lower, end)."""
    decided = [
        *(approval(LevelChange.ACTIVATE, None, level) for level in (4, 3, 2, 1)),
        approval(LevelChange.LOWER, 3, 4),
        approval(LevelChange.LOWER, 2, 3),
        approval(LevelChange.END, 3, None),
        approval(LevelChange.END, 2, None),
    ]
    return ("incident.assess", "aftermath.manage", *(r.decide_action for r in decided))


def decisions(users):
    """(post of each demo user taking each action, the demo user who decides each action): the one
    holding a post the rule names (``orgchart.permissions.RULES``), the post as ``can`` answers it."""
    posts_of, deciders = {}, {}
    for action in generated_actions():
        named = RULES[action].named
        username = next(
            (u for u in DEMO_USERS if any(authority_for(users[u]).holds(pos) for pos in named)), None
        )
        decision = can(users[username], action) if username else None
        if not decision:
            who = username or "、".join(DEMO_USERS)
            raise CommandError(missing_message(f"{who} 无权 {action} / {who} may not {action}"))
        posts_of[(username, action)] = decision.via
        deciders[action] = username
    return posts_of, deciders
