"""The incident's state machine (DOMAIN.md §5): one table of moves, one function that performs them.

Every move locks the incident row, checks the source state and the actor's authority (the org chart's
permission layer), checks the move's own conditions, saves with ``update_fields`` and writes one
append-only timeline event, all in one transaction. A refused move raises ``TransitionError`` (or
``PermissionDenied``) with a Chinese message and changes nothing. Two people acting at once: the second
waits for the lock, then finds the state changed and is told so.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgchart.approvals import DEVIATION_CLAUSE, LevelChange, approval, deviates, deviation_action
from orgchart.permissions import can

from .archive import allow_archive_write
from .choices import ResponseLevel, State
from .models import Incident, TimelineEvent
from .recording import recorded
from .signals import incident_moved
from .timeline import post_label, timeline_add

# What must be done before an incident in aftermath may be archived (§7; issue 9): callables
# ``check(incident) -> [message, ...]`` registered by the apps that own the records (aftermath).
# Incidents handled without a response, or dismissed, archive with their reason alone.
ARCHIVE_CHECKS = []


def archive_blockers(incident):
    """Why this incident in aftermath cannot be archived yet (empty: it can)."""
    if incident.state != State.AFTERMATH:
        return []
    return [message for check in ARCHIVE_CHECKS for message in check(incident)]


class TransitionError(Exception):
    """A move the plan does not allow now; the message says why (Chinese first)."""


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    sources: tuple
    target: str | None  # None: stays in the same state (level adjustment)
    clause: str
    needs_reason: bool = False


MOVES = {
    m.name: m
    for m in (
        Move("start_assessment", gettext_lazy("启动研判"), (State.REPORTED,), State.ASSESSING, "§5.1、附件1"),
        Move("activate", gettext_lazy("启动响应"), (State.ASSESSING,), State.RESPONDING, "§5.3"),
        Move(
            "change_level",
            gettext_lazy("调整响应级别"),
            (State.RESPONDING,),
            None,
            "§5.3.5",
            needs_reason=True,
        ),
        Move("end_response", gettext_lazy("结束响应"), (State.RESPONDING,), State.RESPONSE_ENDED, "§5.3.6"),
        Move("begin_aftermath", gettext_lazy("转入后期处置"), (State.RESPONSE_ENDED,), State.AFTERMATH, "§7"),
        Move(
            "archive",
            gettext_lazy("归档"),
            (State.AFTERMATH, State.HANDLED_WITHOUT_RESPONSE, State.DISMISSED),
            State.ARCHIVED,
            "§7",
        ),
        Move(
            "close_without_response",
            gettext_lazy("不启动响应（已处置）"),
            (State.ASSESSING,),
            State.HANDLED_WITHOUT_RESPONSE,
            "§5.1、附件1",
            needs_reason=True,
        ),
        Move(
            "dismiss",
            gettext_lazy("撤销（误报或重复）"),
            (State.REPORTED, State.ASSESSING),
            State.DISMISSED,
            "§5.1",
            needs_reason=True,
        ),
        Move(
            "reopen",
            gettext_lazy("重新打开"),
            (State.HANDLED_WITHOUT_RESPONSE, State.DISMISSED, State.ARCHIVED),
            State.ASSESSING,
            "§5（解读）",
            needs_reason=True,
        ),
    )
}


def _level(value):
    """A response level 1–4; anything else (2.5, "x", None, True) is refused, never truncated."""
    text = str(value).strip() if not isinstance(value, bool | float) and value is not None else ""
    if not text.isdigit() or int(text) not in (1, 2, 3, 4):
        raise TransitionError(_("响应级别只能是Ⅰ级、Ⅱ级、Ⅲ级或Ⅳ级。"))
    return ResponseLevel(int(text))


def level_approval(incident, move, level):
    """The row of the approval table (``orgchart.approvals``: who decides, clause) for a level move:
    activating (§5.3.1–§5.3.4), raising or lowering (§5.3.5), ending (§5.3.6)."""
    if move.name == "activate":
        return approval(LevelChange.ACTIVATE, None, int(_level(level)))
    if move.name == "change_level":
        new, old = _level(level), ResponseLevel(incident.level)
        if new == old:
            raise TransitionError(_("新的响应级别与当前级别相同（%(level)s）。") % {"level": old.label})
        kind = LevelChange.RAISE if new < old else LevelChange.LOWER  # a smaller number is a higher level
        return approval(kind, int(old), int(new))
    return approval(LevelChange.END, incident.level, None)


def authority(incident, move, kwargs):
    """(action, clause) the actor needs for this move on this incident."""
    if move.name in ("activate", "change_level", "end_response"):
        row = level_approval(incident, move, kwargs.get("level"))
        return row.decide_action, row.clause
    if move.name == "close_without_response":
        rec = deviation_from(incident, move.name, None, kwargs.get("now"))
        if rec is not None:  # declining a firm recommendation: its authority decides (附件4, reading)
            return deviation_action(rec.level), move.clause
    action = {
        "start_assessment": "incident.assess",
        "close_without_response": "incident.assess",
        "dismiss": "incident.assess",
        "begin_aftermath": "aftermath.manage",
        "archive": "aftermath.manage",
        "reopen": "incident.reopen",
    }[move.name]
    return action, move.clause


def backed_levels(recommendation):
    """Levels that need no written reason (DOMAIN.md §3): the firm 附件4 recommendation and its
    alternative. Any other level is the command's judgment, 附件4 condition (4)."""
    if not recommendation.firm:
        return set()
    return {recommendation.level, *(a.level for a in recommendation.alternatives)}


def is_judgment(level, recommendation):
    """Is activating (or raising to) ``level`` the command's own judgment, 附件4 condition (4), that needs a
    written reason? Yes unless it is the firm recommendation or its alternative (DOMAIN.md §3). The one
    rule: the lifecycle, the level request and its form read it."""
    return level not in backed_levels(recommendation)


def deviation_from(incident, move_name, level, now):
    """The firm 附件4 recommendation this move would deviate from, or None (DOMAIN §6 reading of 附件4):
    deciding not to respond (未启动响应（已处置）) or activating *below* a firm recommendation. Condition
    (4) starts a response where nothing else holds, or higher; it never justifies going lower. Lowering
    a running response is §5.3.5's adjustment, decided by its own authority."""
    if move_name not in ("activate", "close_without_response"):
        return None
    rec = incident.recommendation(now)
    if not rec.firm or not rec.level:
        return None
    chosen = _level(level) if move_name == "activate" else None
    return rec if deviates(rec.level, chosen) else None


def _check_deviation(incident, spec, level, reason, actor, now, system):
    """Only the authority for the recommended level decides a deviation, with a written reason; office
    staff never. Returns the timeline data and summary suffix, or ({}, "")."""
    rec = deviation_from(incident, spec.name, level, now)
    if rec is None:
        return {}, ""
    recommended = ResponseLevel(int(rec.level))
    decision = _SYSTEM if system else can(actor, deviation_action(recommended), incident)
    if not decision:
        raise PermissionDenied(decision.reason)
    if not reason:
        raise TransitionError(
            _("附件4确定建议为%(level)s：不启动响应或低于建议级别启动是偏离，须写明理由（%(clause)s）。")
            % {"level": recommended.label, "clause": DEVIATION_CLAUSE}
        )
    chosen = int(_level(level)) if spec.name == "activate" else None
    with recorded():
        suffix = _("（偏离附件4确定建议%(level)s）") % {"level": recommended.label}
    data = {"deviation": {"recommended": int(recommended), "chosen": chosen, "clauses": list(rec.clauses)}}
    return data, suffix


def check_conditions(incident, move, kwargs, now):
    """The move's own conditions; returns extra clauses to record (附件4 condition (4) when used)."""
    if move.name == "activate" and deviation_from(incident, move.name, kwargs["level"], now) is not None:
        return [DEVIATION_CLAUSE]  # the deviation's authority and reason: _check_deviation
    if move.name == "close_without_response" and deviation_from(incident, move.name, None, now):
        return [DEVIATION_CLAUSE]
    if move.name in ("activate", "change_level") and _level(kwargs["level"]) < (incident.level or 5):
        # DOMAIN.md §3: the firm 附件4 recommendation or its alternative needs no reason; any other level
        # is the command's judgment, 附件4 condition (4), and needs a written reason.
        rec = incident.recommendation(now)
        level = _level(kwargs["level"])
        if is_judgment(level, rec):
            if not kwargs["reason"]:
                raise TransitionError(
                    _(
                        "%(level)s不是附件4的确定建议级别（或其备选）：按附件4第4项（市指挥部认为需要启动的其他情形）"
                        "启动须写明理由。"
                    )
                    % {"level": level.label}
                )
            judgment = rec.condition_4_clause.rsplit(" ", 1)[0]
            number = incident.rules_data["command_judgment"][str(int(level))]
            return [f"{judgment} {number}"]
        return list(rec.clauses)
    if move.name == "end_response":
        # §5.3.6: 遇难遇险人员全部救出，导致次生、衍生事故的威胁和危害得到控制或者消除后
        failing = []
        if incident.still_trapped:
            failing.append(_("仍有 %(n)s 人被困") % {"n": incident.still_trapped})
        if incident.still_missing:
            failing.append(_("仍有 %(n)s 人失联") % {"n": incident.still_missing})
        if incident.dead_unrecovered:
            failing.append(_("仍有 %(n)s 名遇难人员未救出") % {"n": incident.dead_unrecovered})
        if not incident.hazards_controlled:
            failing.append(_("次生、衍生事故的威胁和危害尚未记录为已控制或消除"))
        if failing:
            raise TransitionError(_("不能结束响应（§5.3.6）：%(why)s。") % {"why": "；".join(failing)})
    if move.name == "archive":
        failing = archive_blockers(incident)
        if failing:
            raise TransitionError(_("不能归档（§7）：%(why)s。") % {"why": "；".join(failing)})
    if move.name == "dismiss" and kwargs.get("merged_into") is not None:
        target_id = getattr(kwargs["merged_into"], "pk", kwargs["merged_into"])
        if target_id == incident.pk:
            raise TransitionError(_("不能把事件合并到它自己。"))
        target = Incident.objects.filter(pk=target_id).values("state", "merged_into_id").first()
        if target is None:
            raise TransitionError(_("要合并到的事件 #%(pk)s 不存在。") % {"pk": target_id})
        if target["state"] == State.DISMISSED or target["merged_into_id"]:
            raise TransitionError(
                _("事件 #%(pk)s 本身已撤销或已合并，请合并到保留的那一个事件。") % {"pk": target_id}
            )
    return []


class _SystemDecision:
    """Stands in for a permission decision when a move follows from another one (``system=True``)."""

    allowed = True
    acting_for = ()
    reason = ""

    @property
    def via(self):
        with recorded():
            return _("随响应结束转入（§7）")

    def __bool__(self):
        return True


_SYSTEM = _SystemDecision()


def perform(incident_id, *, move, **kwargs):
    """Perform ``move`` on the incident as ``actor``; returns the updated incident (see ``_perform``).
    Entering and leaving the archive are the only writes an archived incident allows (issue 9)."""
    if move in ("archive", "reopen"):
        with allow_archive_write():
            return _perform(incident_id, move=move, **kwargs)
    return _perform(incident_id, move=move, **kwargs)


def _perform(
    incident_id,
    *,
    move,
    actor,
    reason="",
    expected_state=None,
    expected_level=None,
    level=None,
    merged_into=None,
    now=None,
    summary_suffix="",
    context=None,
    system=False,
):
    """Perform ``move`` on the incident as ``actor``; returns the updated incident.

    ``context`` (JSON-able) is stored on the timeline event and passed to ``incident_moved`` receivers,
    e.g. the level-change request that led to the move, or a decision taken by phone (电话请示);
    ``summary_suffix`` is appended to the event's summary (e.g. "（电话请示，张三同意，李四记录）").
    ``system=True``: the move is the plan's consequence of a move just authorised in the same transaction
    (ending a response moves the incident to aftermath, §7), so no separate authority is checked; the
    event says so."""
    spec = MOVES[move]
    reason = (reason or "").strip()
    now = now or timezone.now()
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("county", "plan_version", "service_area")
            .get(pk=incident_id)
        )
        _check_fresh(incident, spec, expected_state, expected_level)
        if spec.name in ("activate", "change_level"):
            level = _level(level)
        checked = _authorise(incident, spec, actor, level, reason, merged_into, now, system)
        old_state, old_level = incident.state, incident.level
        _apply(incident, spec, level, merged_into, now)
        _record(incident, spec, actor, checked, (old_state, old_level), now, reason, summary_suffix, context)
    return incident


def _check_fresh(incident, spec, expected_state, expected_level):
    """The state (and level) the actor saw is still the incident's, and the move starts from it."""
    state = State(incident.state)
    if expected_state is not None and state != expected_state:
        raise TransitionError(
            _("操作未执行：事件状态已变为“%(state)s”（可能有他人刚刚处理），请刷新后再试。")
            % {"state": state.label}
        )
    if expected_level is not None and incident.level != (int(expected_level) if expected_level else None):
        raise TransitionError(_("操作未执行：响应级别已被他人调整，请刷新后再试。"))
    if state not in spec.sources:
        raise TransitionError(
            _("事件当前为“%(state)s”，不能“%(move)s”。") % {"state": state.label, "move": spec.label}
        )


@dataclass(frozen=True)
class _Checked:
    """What a permitted move records: the action and clauses, the decision, the deviation if any."""

    action: str
    clause: str
    decision: object
    deviation: dict
    suffix: str


def _authorise(incident, spec, actor, level, reason, merged_into, now, system):
    """The actor's authority, the deviation rule, the reason and the move's conditions, in this order;
    raises ``PermissionDenied`` or ``TransitionError``."""
    action, clause = authority(incident, spec, {"level": level, "now": now})
    decision = _SYSTEM if system else can(actor, action, incident)
    if not decision:
        raise PermissionDenied(decision.reason)
    deviation, deviation_suffix = _check_deviation(incident, spec, level, reason, actor, now, system)
    if spec.needs_reason and not reason:
        raise TransitionError(_("“%(move)s”须写明理由。") % {"move": spec.label})
    extra_clauses = check_conditions(
        incident, spec, {"merged_into": merged_into, "level": level, "reason": reason}, now
    )
    if extra_clauses:
        clause = "、".join([clause, *extra_clauses])
    return _Checked(action, clause, decision, deviation, deviation_suffix)


def _apply(incident, spec, level, merged_into, now):
    """Set the new state and level on the locked incident and save only what changed."""
    move, fields = spec.name, []
    target = spec.target
    if move == "reopen" and incident.state == State.ARCHIVED and incident.level is not None:
        # An incident archived after a response reopens into its aftermath, with its level: the
        # correction is a new revision of the record there (DOMAIN.md §5, reading; issue 9).
        target = State.AFTERMATH
    if target is not None and target != incident.state:
        incident.state = target
        fields.append("state")
    if move in ("activate", "change_level"):
        incident.level, incident.level_since = int(_level(level)), now
        fields += ["level", "level_since"]
    if move == "reopen" and target == State.ASSESSING:
        incident.level = incident.level_since = incident.merged_into = None
        fields += ["level", "level_since", "merged_into"]
    if move == "dismiss" and merged_into is not None:
        incident.merged_into_id = getattr(merged_into, "pk", merged_into)
        fields.append("merged_into")
    incident.save(update_fields=[*fields, "updated_at"])


def _record(incident, spec, actor, checked, old, now, reason, summary_suffix, context):
    """The move's timeline event, then ``incident_moved`` for the receivers, in the move's transaction."""
    move, (old_state, old_level) = spec.name, old
    event = timeline_add(
        incident,
        kind=TimelineEvent.Kind.LEVEL if move == "change_level" else TimelineEvent.Kind.STATE,
        actor=actor,
        at=now,
        actor_post=post_label(checked.decision),
        from_state=old_state,
        to_state=incident.state,
        from_level=old_level,
        to_level=incident.level,
        summary=_summary(incident, spec, old_level) + checked.suffix + summary_suffix,
        reason=reason,
        clause=checked.clause,
        data={
            "move": move,
            "action": checked.action,
            "acting_for": list(checked.decision.acting_for),
            **checked.deviation,
            **(context or {}),
        },
    )
    incident_moved.send(
        sender=Incident,
        incident=incident,
        move=move,
        actor=actor,
        from_state=old_state,
        from_level=old_level,
        event=event,
        context=context or {},
    )


def _summary(incident, spec, old_level):
    """The event's summary, in the plan's language."""
    with recorded():
        if spec.name == "activate":
            return _("启动%(level)s响应") % {"level": ResponseLevel(incident.level).label}
        if spec.name == "change_level":
            return _("响应级别由%(old)s调整为%(new)s") % {
                "old": ResponseLevel(old_level).label,
                "new": ResponseLevel(incident.level).label,
            }
        if spec.name == "dismiss" and incident.merged_into_id is not None:
            return _("撤销：与事件 #%(pk)s 重复，已合并") % {"pk": incident.merged_into_id}
        return str(spec.label)


def allowed_moves(incident, user):
    """The moves this user could make now (for the buttons on the incident page); no side effects.
    Conditions (reasons, §5.3.6) are checked when the move is made, not here."""
    result = []
    for spec in MOVES.values():
        if incident.state not in spec.sources:
            continue
        if spec.name in ("activate", "change_level"):
            levels = []
            for lv in ResponseLevel:
                if spec.name == "change_level" and lv == incident.level:
                    continue
                try:
                    action, _clause = authority(incident, spec, {"level": lv})
                except TransitionError:
                    continue
                if can(user, action, incident) and (
                    spec.name != "activate" or _may_deviate_to(incident, lv, user)
                ):
                    levels.append(lv)
            if levels:
                result.append((spec, levels))
            continue
        action, _clause = authority(incident, spec, {})
        if can(user, action, incident):
            result.append((spec, []))
    return result


def _may_deviate_to(incident, level, user):
    rec = deviation_from(incident, "activate", level, None)
    return rec is None or bool(can(user, deviation_action(rec.level), incident))
