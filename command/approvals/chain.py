"""The approval chain of a level change (DOMAIN.md §5; §5.3.1–§5.3.6), as data and pure functions.

A request moves through steps; each step needs one action of ``orgchart.permissions.RULES``:

    activate / raise to Ⅳ or Ⅲ      decide (办公室主任)                          §5.3.1、§5.3.2
    activate / raise to Ⅱ           report (办公室主任) → decide (指挥长)            §5.3.3
    activate / raise to Ⅰ           report (办公室主任) → propose (指挥长) → decide (总指挥)   §5.3.3、§5.3.4
    lower from Ⅰ or Ⅱ               report (办公室主任) → decide (指挥长, 市指挥部)     §5.3.5
    lower from Ⅲ to Ⅳ               decide (办公室主任)                          §5.3.5
    end Ⅰ or Ⅱ                      decide (现场指挥部指挥长)                      §5.3.6
    end Ⅲ or Ⅳ                      decide (办公室主任)                          §5.3.6

Office staff draft (``level.draft``). Whoever submits starts at the furthest step they hold themselves:
the office director's Ⅱ request is already reported; the commander's Ⅰ request is already proposed (the
plan: 指挥长向总指挥报告，建议启动Ⅰ级响应). Someone who holds the decision acts directly (no request).
The "report" step before a commander's lowering is a reading: §5.3.5 names 市指挥部 (the commander)
without saying who brings it to him; the plan's pattern (§5.3.3) is that the office director reports.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from orgchart.permissions import DEVIATION_CLAUSE, deviation_action


class Kind:
    ACTIVATE = "activate"
    RAISE = "raise"
    LOWER = "lower"
    END = "end"


KIND_LABELS = {
    Kind.ACTIVATE: _("启动响应"),
    Kind.RAISE: _("提高响应级别"),
    Kind.LOWER: _("降低响应级别"),
    Kind.END: _("结束响应"),
}

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

STEP_ACTIONS = {"draft": "level.draft", "report": "level.report.2", "propose": "level.propose.1"}


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
        return Kind.END
    if state == "assessing":
        return Kind.ACTIVATE
    if from_level is None or to_level is None or to_level == from_level:
        raise RouteError(_("新的响应级别与当前级别相同。"))
    return Kind.RAISE if to_level < from_level else Kind.LOWER  # a smaller number is a higher level


def route(kind, from_level, to_level, firm_level=None):
    """The chain for a change; ``RouteError`` if the change is not one the plan knows. ``firm_level``:
    the firm 附件4 recommendation when the request was made; activating below it is a deviation decided
    by the authority for the recommended level, along that level's chain (附件4, reading)."""
    if kind == Kind.ACTIVATE and firm_level and to_level in (1, 2, 3, 4) and to_level > firm_level:
        return deviation_route(from_level, to_level, firm_level)
    if kind in (Kind.ACTIVATE, Kind.RAISE):
        if to_level not in (1, 2, 3, 4):
            raise RouteError(_("响应级别只能是Ⅰ级、Ⅱ级、Ⅲ级或Ⅳ级。"))
        if kind == Kind.RAISE and (from_level is None or to_level >= from_level):
            raise RouteError(_("提高响应级别须高于当前级别。"))
        clause = {1: "§5.3.4", 2: "§5.3.3", 3: "§5.3.2", 4: "§5.3.1"}[to_level]
        if kind == Kind.RAISE:
            clause = f"§5.3.5、{clause}"
        steps = {1: ("report", "propose", "decide"), 2: ("report", "decide")}.get(to_level, ("decide",))
        move = "activate" if kind == Kind.ACTIVATE else "change_level"
        return Route(kind, from_level, to_level, f"level.activate.{to_level}", clause, steps, move)
    if kind == Kind.LOWER:
        if from_level is None or to_level not in (1, 2, 3, 4) or to_level <= from_level:
            raise RouteError(_("降低响应级别须低于当前级别。"))
        if from_level <= 2:
            return Route(
                kind,
                from_level,
                to_level,
                "level.lower.from_1_2",
                "§5.3.5",
                ("report", "decide"),
                "change_level",
                reading=True,
            )
        return Route(kind, from_level, to_level, "level.lower.3_to_4", "§5.3.5", ("decide",), "change_level")
    if kind == Kind.END:
        if from_level not in (1, 2, 3, 4):
            raise RouteError(_("事件未在响应中，无需结束响应。"))
        action = "response.end.1_2" if from_level <= 2 else "response.end.3_4"
        return Route(kind, from_level, None, action, "§5.3.6", ("decide",), "end_response")
    raise RouteError(_("未知的请示类型。"))


def deviation_route(from_level, to_level, firm_level):
    steps = {1: ("report", "propose", "decide"), 2: ("report", "decide")}.get(firm_level, ("decide",))
    clause = {1: "§5.3.4", 2: "§5.3.3", 3: "§5.3.2", 4: "§5.3.1"}[to_level]
    return Route(
        Kind.ACTIVATE,
        from_level,
        to_level,
        deviation_action(firm_level),
        f"{DEVIATION_CLAUSE}、{clause}",
        steps,
        "activate",
        reading=True,
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
