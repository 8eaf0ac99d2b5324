"""The approval chain of a level change (DOMAIN.md §5; §5.3.1–§5.3.6), as data and pure functions.

A request moves through steps; each step needs one action of ``orgchart.permissions.RULES``. Who decides
which change, under which clause, and the steps before the decision are the approval table
``orgchart.approvals.APPROVALS`` (one place, read by the permission rules and the incident's lifecycle too);
this module turns a row into a ``Route`` with the lifecycle move it performs.

Office staff draft (``level.draft``). Whoever submits starts at the furthest step they hold themselves:
the office director's Ⅱ request is already reported; the commander's Ⅰ request is already proposed (the
plan: 指挥长向总指挥报告，建议启动Ⅰ级响应). Someone who holds the decision acts directly (no request).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from orgchart.approvals import LEVELS, STEP_ACTIONS, LevelChange, approval, deviates, deviation_approval

STEP_LABELS = {
    "draft": _("起草"),
    "report": _("办公室主任报告"),
    "propose": _("指挥长建议"),
    "decide": _("决定"),
}
# What the person at each step does, as a verb for buttons and the record.
STEP_VERBS = {
    "draft": _("起草请示"),
    "report": _("报告指挥长"),
    "propose": _("建议总指挥启动"),
    "decide": _("批准"),
}

# The lifecycle move (``incidents.lifecycle.MOVES``) a decision of each kind performs.
MOVE_OF = {
    LevelChange.ACTIVATE: "activate",
    LevelChange.RAISE: "change_level",
    LevelChange.LOWER: "change_level",
    LevelChange.END: "end_response",
}


@dataclass(frozen=True)
class Route:
    kind: str
    from_level: int | None
    to_level: int | None
    decide_action: str
    clause: str
    steps: tuple  # e.g. ("report", "decide"); "draft" is never a step: it is how a request starts
    move: str  # the lifecycle move the decision performs
    reading: bool = False

    def action(self, step):
        return self.decide_action if step == "decide" else STEP_ACTIONS[step]


class RouteError(ValueError):
    pass


def kind_for(state, from_level, to_level, *, end=False):
    """The kind of a change from the incident's state/level to ``to_level`` (or the end)."""
    if end:
        return LevelChange.END
    if state == "assessing":
        return LevelChange.ACTIVATE
    if from_level is None or to_level is None or to_level == from_level:
        raise RouteError(_("新的响应级别与当前级别相同。"))
    return (
        LevelChange.RAISE if to_level < from_level else LevelChange.LOWER
    )  # a smaller number is a higher level


def _check_change(kind, from_level, to_level):
    """``RouteError`` (with the plan's words) unless the change is one the plan knows."""
    if kind in (LevelChange.ACTIVATE, LevelChange.RAISE):
        if to_level not in LEVELS:
            raise RouteError(_("响应级别只能是Ⅰ级、Ⅱ级、Ⅲ级或Ⅳ级。"))
        if kind == LevelChange.RAISE and (from_level not in LEVELS or to_level >= from_level):
            raise RouteError(_("提高响应级别须高于当前级别。"))
    elif kind == LevelChange.LOWER:
        if from_level is None or to_level not in LEVELS or to_level <= from_level:
            raise RouteError(_("降低响应级别须低于当前级别。"))
    elif kind == LevelChange.END:
        if from_level not in LEVELS:
            raise RouteError(_("事件未在响应中，无需结束响应。"))
    else:
        raise RouteError(_("未知的请示类型。"))


def route(kind, from_level, to_level, firm_level=None):
    """The chain for a change; ``RouteError`` if the change is not one the plan knows. ``firm_level``:
    the firm 附件4 recommendation when the request was made; activating below it is a deviation decided
    by the authority for the recommended level, along that level's chain (附件4, reading)."""
    if kind == LevelChange.ACTIVATE and to_level in LEVELS and deviates(firm_level, to_level):
        row = deviation_approval(to_level, firm_level)
    else:
        _check_change(kind, from_level, to_level)
        row = approval(kind, from_level, to_level)
    to_level = None if kind == LevelChange.END else to_level
    return Route(
        LevelChange(kind),
        from_level,
        to_level,
        row.decide_action,
        row.clause,
        row.steps,
        MOVE_OF[kind],
        row.reading,
    )


def start_stage(route_, holds):
    """Where a request submitted by someone starts: after the furthest step they hold (``holds(action)``
    → bool). Returns (stage index, step name the submitter's entry records) — ("draft", 0) for staff.
    A submitter who holds the decision gets ``len(steps) - 1`` with "decide": they act directly."""
    best = None
    for i, step in enumerate(route_.steps):
        if holds(route_.action(step)):
            best = i
    if best is None:
        return 0, "draft"
    if route_.steps[best] == "decide":
        return best, "decide"
    return best + 1, route_.steps[best]
