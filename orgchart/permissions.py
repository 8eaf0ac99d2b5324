"""The one permission layer: "may this person do this action on this object?"

Answers come from the person's appointments (positions, with their unit or group) and from deputies
(AB角) acting for an absent holder, never from ``is_staff``/``is_superuser``. Each rule cites the
plan's clause; DOMAIN.md §5 is the table this transcribes. Later apps add no ad-hoc checks: they
call ``can``/``require`` with an action below, and pass an object that says which units it concerns
(``permission_unit_ids()``) where a rule is scoped to units.

Cost: ``authority_for(user)`` runs two queries (appointments; holders' absences for deputy posts)
and is cached on the user object for the request, so a page asking a hundred times costs the same.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .approvals import (
    ACTIVATE_ACTION,
    ACTIVATE_CLAUSE,
    ADJUST_CLAUSE,
    DEVIATION_CLAUSE,
    END_CLAUSE,
    deviation_action,
)
from .grants import Grant, grants_of, position_names


@dataclass(frozen=True)
class Rule:
    action: str
    positions: tuple
    clause: str
    label: str
    # "unit": the appointment's unit must be one the object concerns (obj.permission_unit_ids()).
    # "onsite": the on-site commander recorded for the incident (obj.onsite_commander_person_id()), or,
    # where none is recorded yet, the posts in ``positions``.
    scope: str = "none"
    reading: bool = False
    # A decision: the posts above the ones named may take it too (``ABOVE``, a reading).
    decision: bool = False
    # The posts the plan names (``positions`` before ``ABOVE`` adds the higher ones): an approval waits
    # for them, and they are the ones told; the higher authority may still act.
    named: tuple = ()


OFFICE = ("office_staff", "office_director")
UNIT_PEOPLE = ("unit_liaison", "unit_head", "unit_deputy_head")

# "A higher authority may do what a lower one may" (reading of §2, §5.3): the commander and the general
# commander may take any decision the office director may; the general commander any the commander may.
# Never the reverse. Applies to the rules marked ``decision=True``.
ABOVE = {
    "office_director": ("commander", "general_commander"),
    "commander": ("general_commander",),
}
ABOVE_CLAUSE = "§2、§5.3（解读：上级可决定下级职权内事项）"
# The clauses of the level decisions and of a deviation (DEVIATION_CLAUSE, deviation_action) are those of
# the approval table, ``orgchart.approvals``: one place says who decides each level change.


# Who sees every incident and every unit's work: the office, the duty staff and the command posts (§2,
# 附件2). A member unit's people see only the incidents that concern their unit (reading of §2/附件2).
VIEW_ALL = (
    *OFFICE,
    "duty_officer",
    "duty_leader",
    "commander",
    "onsite_commander",
    "onsite_deputy",
    "general_commander",
    "deputy_secretary_general",
    "deputy_housing",
    "deputy_city_admin",
    "deputy_emergency",
    "deputy_fire",
)
VIEW_CLAUSE = "§2、附件2（解读：成员单位只看本单位参与的事件，县级政府只看本县事件）"

RULES = {
    r.action: r
    for r in (
        Rule("incident.report", OFFICE + UNIT_PEOPLE, "§5.1", "接报、登记事件"),
        Rule("incident.follow_up", OFFICE, "§5.1", "续报"),
        Rule(
            "incident.follow_up_unit", UNIT_PEOPLE, "§5.1", "续报（事发企业、参与处置的单位）", scope="unit"
        ),
        Rule("incident.assess", OFFICE, "§5.1、附件1", "启动研判"),
        Rule("level.draft", OFFICE, "§5.3、附件1", "起草响应级别请示"),
        Rule(ACTIVATE_ACTION[4], ("office_director",), ACTIVATE_CLAUSE[4], "启动Ⅳ级响应", decision=True),
        Rule(ACTIVATE_ACTION[3], ("office_director",), ACTIVATE_CLAUSE[3], "启动Ⅲ级响应", decision=True),
        Rule("level.report.2", ("office_director",), ACTIVATE_CLAUSE[2], "向指挥长报告（Ⅱ级）"),
        Rule(ACTIVATE_ACTION[2], ("commander",), ACTIVATE_CLAUSE[2], "启动Ⅱ级响应", decision=True),
        Rule("level.propose.1", ("commander",), ACTIVATE_CLAUSE[1], "建议总指挥启动Ⅰ级响应"),
        Rule(ACTIVATE_ACTION[1], ("general_commander",), ACTIVATE_CLAUSE[1], "启动Ⅰ级响应"),
        Rule("level.lower.from_1_2", ("commander",), ADJUST_CLAUSE, "降低Ⅰ级、Ⅱ级响应", decision=True),
        Rule("level.lower.3_to_4", ("office_director",), ADJUST_CLAUSE, "Ⅲ级降为Ⅳ级", decision=True),
        # §5.3.6 (reading): the on-site commander recorded for the incident (§5.3.3(2)); none yet: the
        # commander. A standing appointment as on-site commander alone is not enough.
        Rule(
            "response.end.1_2",
            ("commander",),
            f"{END_CLAUSE}、§5.3.3(2)（解读）",
            "结束Ⅰ级、Ⅱ级响应（本事件现场指挥部指挥长；尚未记录的，由指挥长）",
            scope="onsite",
            reading=True,
        ),
        Rule("response.end.3_4", ("office_director",), END_CLAUSE, "结束Ⅲ级、Ⅳ级响应", decision=True),
        Rule(
            deviation_action(1),
            ("general_commander",),
            f"{DEVIATION_CLAUSE}、{ACTIVATE_CLAUSE[1]}",
            "决定不启动响应或低于Ⅰ级确定建议启动",
            reading=True,
        ),
        Rule(
            deviation_action(2),
            ("commander",),
            f"{DEVIATION_CLAUSE}、{ACTIVATE_CLAUSE[2]}",
            "决定不启动响应或低于Ⅱ级确定建议启动",
            reading=True,
            decision=True,
        ),
        Rule(
            deviation_action(3),
            ("office_director",),
            f"{DEVIATION_CLAUSE}、{ACTIVATE_CLAUSE[3]}",
            "决定不启动响应或低于Ⅲ级确定建议启动",
            reading=True,
            decision=True,
        ),
        Rule(
            deviation_action(4),
            ("office_director",),
            f"{DEVIATION_CLAUSE}、{ACTIVATE_CLAUSE[4]}",
            "决定不启动Ⅳ级确定建议的响应",
            reading=True,
            decision=True,
        ),
        Rule("incident.reopen", ("office_director",), "§5（解读）", "重新打开已结束的事件", reading=True),
        Rule(
            "level.phone_record",
            OFFICE,
            "§5.3（电话请示，解读）",
            "记录电话请示的决定（电话请示，某某同意）",
            reading=True,
        ),
        Rule(
            "command.record",
            (*OFFICE, "commander", "onsite_commander", "onsite_deputy"),
            "§5.3.3、附件1、附件2（办公室）",
            "记录处置工作：工作清单、到岗确认、领导批示、派出工作组、启用工作组",
            reading=True,
        ),
        Rule(
            "onsite.add_member",
            ("commander", "onsite_commander"),
            "§2.1、§2.2",
            "为现场指挥部增加成员",
        ),
        Rule(
            "onsite.adjust_groups",
            ("onsite_commander", "commander"),
            "附件3（现场指挥部指挥长可视情况调整工作组组成单位及职责）",
            "调整工作组组成单位",
        ),
        Rule(
            "task.issue",
            (*OFFICE, "commander", "onsite_commander", "onsite_deputy"),
            "§5.3.3(2)（现场指挥部指挥各组迅速开展行动）、附件2（办公室）",
            "下达、改派、关闭任务",
            reading=True,
        ),
        Rule(
            "task.view_all",
            VIEW_ALL,
            "§2、附件2",
            "查看全部工作组和成员单位的任务",
            reading=True,
        ),
        Rule(
            "incident.view_all",
            (*VIEW_ALL, "group_leader"),
            VIEW_CLAUSE,
            "查看全部事件及各单位的任务",
            reading=True,
        ),
        Rule(
            "incident.view_unit",
            UNIT_PEOPLE,
            VIEW_CLAUSE,
            "查看本单位参与的事件（被分派任务、事发企业、事发地县级政府）",
            scope="unit",
            reading=True,
        ),
        Rule("aftermath.manage", OFFICE, "§7", "后期处置、调查评估、归档"),
        # Not a clause of the plan: the system's own rule (issue 16: an auditor asks).
        Rule("audit.downloads", OFFICE, "系统安全规定", "查看文书和统计导出的下载记录", reading=True),
        Rule("task.sign", UNIT_PEOPLE, "附件2、附件3", "签收、反馈本单位任务", scope="unit", reading=True),
        Rule(
            "orgchart.edit",
            OFFICE,
            "附件2（市指挥部办公室承担日常工作）",
            "维护组织体系、人员、工作组成员",
            reading=True,
        ),
        Rule("roster.edit", OFFICE, "附件2 办公室（值班表，解读）", "编排值班表", reading=True),
        Rule(
            "api.manage",
            OFFICE,
            "附件2（市指挥部办公室承担日常工作）",
            "签发、吊销接口令牌，查看和重发推送",
            reading=True,
        ),
        # Not a clause of the plan: the system's own rule, kept with the others so the page lists it.
        Rule("account.unlock", ("office_director",), "系统安全规定", "提前解除登录锁定", reading=True),
    )
}


def positions_of(rule):
    """The posts a rule names, plus those above them where the rule is a decision (``ABOVE``)."""
    if not rule.decision:
        return rule.positions
    above = [p for pos in rule.positions for p in ABOVE.get(pos, ())]
    return tuple(dict.fromkeys((*rule.positions, *above)))


RULES = {
    a: Rule(**{**r.__dict__, "positions": positions_of(r), "named": r.positions}) for a, r in RULES.items()
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: Rule
    reason: str
    via: str = ""  # the post that grants it, e.g. "办公室主任"
    acting_for: tuple = field(default_factory=tuple)  # names of the absent holders a deputy acts for

    def __bool__(self):
        return self.allowed

    @property
    def clause(self):
        return self.rule.clause


class Authority:
    """What one person may do now: their own posts plus the posts they act in as a deputy."""

    def __init__(self, person, grants, at):
        self.person, self.grants, self.at = person, grants, at

    def holds(self, position_code, *, unit_id=None):
        return any(
            g.position == position_code and (unit_id is None or g.unit_id == unit_id) for g in self.grants
        )

    def decide(self, action, obj=None):
        rule = RULES.get(action)
        if rule is None:
            raise KeyError(f"unknown action {action!r}; add it to orgchart.permissions.RULES")
        unit_ids = None
        if rule.scope == "unit":
            unit_ids = set(obj.permission_unit_ids()) if obj is not None else set()
        if rule.scope == "onsite":
            recorded = _recorded_onsite_commander(obj)
            if recorded is not None:
                return self._decide_recorded(rule, recorded)
        for g in self.grants:
            if g.position not in rule.positions:
                continue
            if unit_ids is not None and g.unit_id not in unit_ids:
                continue
            return Decision(True, rule, "", via=g.position_name, acting_for=g.acting_for)
        who = "、".join(position_names(rule.positions))
        reason = _("按预案%(clause)s，“%(label)s”须由%(who)s进行。") % {
            "clause": rule.clause,
            "label": rule.label,
            "who": who,
        }
        if rule.scope == "unit":
            reason += _("（仅限本单位相关事项）")
        return Decision(False, rule, reason)

    def _decide_recorded(self, rule, recorded):
        """The on-site commander recorded for the incident (``recorded``: person id, name) decides, while
        present (an absent person holds no grants)."""
        person_id, name = recorded
        if self.person is not None and self.person.pk == person_id and self.grants:
            return Decision(True, rule, "", via=_("现场指挥部指挥长"))
        reason = _("按预案%(clause)s，“%(label)s”须由本事件现场指挥部指挥长%(name)s进行。") % {
            "clause": rule.clause,
            "label": rule.label,
            "name": name,
        }
        return Decision(False, rule, reason)


def _recorded_onsite_commander(obj):
    """(person id, name) of the on-site commander recorded for the incident, or None (duck-typed: the
    incident answers ``onsite_commander()``)."""
    getter = getattr(obj, "onsite_commander", None)
    return getter() if getter is not None else None


def phone_authority(user):
    """The Authority for a decision taken by telephone and recorded by the office (电话请示): an absent
    holder keeps their own posts, since absence (leave, travel) is exactly when 电话请示 is used (DOMAIN §6
    reading, labelled （外出，电话同意）). Returns (Authority, away now). Not cached."""
    return _authority(user, timezone.now(), by_phone=True)


def authority_for(user, *, at=None):
    """The Authority of a user (anonymous or without a Person: no posts). Cached per user object."""
    cached = getattr(user, "_orgchart_authority", None)
    cache = at is None  # one answer per request: the user object lives as long as the request
    if cached is not None and cache:
        return cached
    authority, _away = _authority(user, at or timezone.now())
    if authority.person is not None and cache:
        user._orgchart_authority = authority
    return authority


def _authority(user, at, *, by_phone=False):
    """(Authority, away now) of ``user`` at ``at`` (``by_phone``: an absent holder keeps their posts)."""
    person, grants, away = grants_of(user, at, by_phone=by_phone)
    return Authority(person, grants, at), away


def act_in_post(user, *, position, position_name, unit_id=None, group_id=None):
    """A system acting for a unit (an API token, ``api/``): for this user object (one request) the
    permission layer answers as for a holder of ``position`` in ``unit_id`` — the same rules, no
    appointment on the org chart. Returns the Authority."""
    authority = Authority(None, (Grant(position, position_name, unit_id, group_id),), timezone.now())
    user._orgchart_authority = authority
    return authority


def can(user, action, obj=None):
    """Decision (truthy when allowed) for ``user`` doing ``action`` on ``obj`` now."""
    return authority_for(user).decide(action, obj)


def require(user, action, obj=None):
    """Raise PermissionDenied with the plan's reason unless allowed; return the Decision."""
    decision = can(user, action, obj)
    if not decision:
        raise PermissionDenied(decision.reason)
    return decision


# ---- who sees which incident (finding 7 of issue 16): the ONE place of the rule ------------------


def sees_all_incidents(user):
    """The office, duty and command posts see every incident and every unit's work."""
    return bool(can(user, "incident.view_all"))


def viewer_unit_ids(user):
    """The units a member unit's person acts for (their unit posts), for the scoped view."""
    return sorted({g.unit_id for g in authority_for(user).grants if g.position in UNIT_PEOPLE and g.unit_id})


def may_view_incident(user, incident):
    """May ``user`` read ``incident``? The office and command: always; a member unit's people: when the
    incident concerns their unit (assigned to it, its company, its county's government: ``VIEW_CLAUSE``)."""
    return sees_all_incidents(user) or bool(can(user, "incident.view_unit", incident))


def view_scope(user):
    """None for those who see everything; else the tuple of unit ids a member unit's person acts for."""
    return None if sees_all_incidents(user) else tuple(viewer_unit_ids(user))


def unit_scope_q(model, units, prefix=""):
    """Q: incidents (reached through ``prefix``, e.g. "incident__") that concern ``units``: assigned to
    one of them (an Assignment), reported by one as the company, or in the county one governs."""
    assigned = model.objects.filter(assignments__unit_id__in=units).values("pk")
    return (
        Q(**{f"{prefix}company_id__in": units})
        | Q(**{f"{prefix}county__government_id__in": units})
        | Q(**{f"{prefix}pk__in": assigned})
    )


def visible_incidents(user, qs):
    """``qs`` (incidents) narrowed to those ``user`` may read: the same rule as ``may_view_incident``
    in SQL (one subquery; no import of the command app: the reverse relation ``assignments``)."""
    return scoped_incidents(qs, view_scope(user))


def scoped_incidents(qs, scope, prefix=""):
    """``qs`` narrowed to ``scope`` (``view_scope``; None: unchanged); ``prefix`` reaches the incident."""
    if scope is None:
        return qs
    if not scope:
        return qs.none()
    return qs.filter(unit_scope_q(apps.get_model("incidents", "Incident"), scope, prefix))


def visible_timeline(user, qs):
    """Timeline events (``qs``) without other units' task details for a member unit's people."""
    return scoped_timeline(qs, view_scope(user))


def scoped_timeline(qs, scope):
    """Events of ``scope`` (None: all): an event about a task (``data["task"]``, written by
    command.assignments.services) shows only when the task is the unit's own (``VIEW_CLAUSE``)."""
    if scope is None:
        return qs
    mine = apps.get_model("command", "Assignment").objects.filter(unit_id__in=scope)
    return qs.exclude(Q(data__has_key="task") & ~Q(data__task__in=list(mine.values_list("pk", flat=True))))


def require_view_incident(user, incident):
    """404 unless ``user`` may read ``incident`` (its existence is not revealed)."""
    if not may_view_incident(user, incident):
        raise Http404(_("没有找到该事件，或按%(clause)s您无权查看。") % {"clause": VIEW_CLAUSE})
