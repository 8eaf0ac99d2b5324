"""Who decides each change of response level (DOMAIN.md §5; §5.3.1–§5.3.6): the ONE table.

A key is (kind, from level, to level); the row names the ``orgchart.permissions.RULES`` action that
decides, the clause, and the steps before the decision (report by the office director, proposal by the
commander). The permission rules take their clauses from it, the incident's lifecycle asks it who may
move, and the approval chain (``command.approvals.chain``) and the pages build their routes from it.

    activate / raise to Ⅳ or Ⅲ      decide (办公室主任)                          §5.3.1、§5.3.2
    activate / raise to Ⅱ           report (办公室主任) → decide (指挥长)            §5.3.3
    activate / raise to Ⅰ           report (办公室主任) → propose (指挥长) → decide (总指挥)   §5.3.3、§5.3.4
    lower from Ⅰ or Ⅱ               report (办公室主任) → decide (指挥长, 市指挥部)     §5.3.5
    lower from Ⅲ to Ⅳ               decide (办公室主任)                          §5.3.5
    end Ⅰ or Ⅱ                      decide (现场指挥部指挥长)                      §5.3.6
    end Ⅲ or Ⅳ                      decide (办公室主任)                          §5.3.6

Activating below a firm 附件4 recommendation is a deviation (``deviates``): the authority for the
recommended level decides it, along that level's chain (附件4, reading; DOMAIN.md §6).
The "report" step before a commander's lowering is a reading: §5.3.5 names 市指挥部 (the commander)
without saying who brings it to him; the plan's pattern (§5.3.3) is that the office director reports.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

LEVELS = (1, 2, 3, 4)  # Ⅰ (highest) … Ⅳ: a smaller number is a higher level


class LevelChange(models.TextChoices):
    """The kinds of level change (``command.LevelRequest.Kind``)."""

    ACTIVATE = "activate", _("启动响应")
    RAISE = "raise", _("提高响应级别")
    LOWER = "lower", _("降低响应级别")
    END = "end", _("结束响应")


# Who activates each level, and the clause (§5.3.1–§5.3.4); raising is decided by whoever activates the
# new level (§5.3.5).
ACTIVATE_ACTION = {level: f"level.activate.{level}" for level in LEVELS}
ACTIVATE_CLAUSE = {1: "§5.3.4", 2: "§5.3.3", 3: "§5.3.2", 4: "§5.3.1"}
ADJUST_CLAUSE = "§5.3.5"  # raising and lowering: 响应级别调整
END_CLAUSE = "§5.3.6"

# Deciding not to respond, or to respond below a FIRM 附件4 recommendation, is a deviation that only the
# authority for the recommended level decides (reading of 附件4 and §5.3.1–§5.3.4), with a written reason.
DEVIATION_CLAUSE = "附件4（解读：不启动或低于确定建议级别，须由建议级别的决定者决定）"


def deviation_action(recommended_level):
    """The action that decides a deviation from a firm recommendation of this level."""
    return f"deviation.{int(recommended_level)}"


def deviates(firm_level, level):
    """Would ``level`` (None: no response at all) deviate from a firm 附件4 recommendation of
    ``firm_level`` (None: no firm recommendation)? Not responding, or activating *below* it, does
    (DOMAIN.md §6: 附件4 condition (4) starts a response, or starts higher; it never justifies lower)."""
    if not firm_level:
        return False
    return level is None or int(level) > int(firm_level)


# Who takes each step before the decision: the office drafts (§5.3), the office director reports a Ⅱ/Ⅰ
# matter to the commander (§5.3.3), the commander proposes Ⅰ to the general commander (§5.3.4).
STEP_ACTIONS = {"draft": "level.draft", "report": "level.report.2", "propose": "level.propose.1"}

# The steps before each decider's decision; a deviation follows the recommended level's chain.
STEPS_BEFORE = {
    ACTIVATE_ACTION[1]: ("report", "propose"),
    deviation_action(1): ("report", "propose"),
    ACTIVATE_ACTION[2]: ("report",),
    deviation_action(2): ("report",),
    "level.lower.from_1_2": ("report",),  # reading (see above)
}


@dataclass(frozen=True)
class Approval:
    """One row: who decides the change (a ``RULES`` action) and under which clause."""

    kind: str
    from_level: int | None
    to_level: int | None
    decide_action: str
    clause: str
    reading: bool = False

    @property
    def steps(self):
        """The steps of its chain, e.g. ("report", "decide"); drafting is how a request starts."""
        return (*STEPS_BEFORE.get(self.decide_action, ()), "decide")


def _rows():
    for to in LEVELS:
        yield Approval(LevelChange.ACTIVATE, None, to, ACTIVATE_ACTION[to], ACTIVATE_CLAUSE[to])
    for frm in LEVELS:
        for to in LEVELS:
            if to < frm:
                clause = f"{ADJUST_CLAUSE}、{ACTIVATE_CLAUSE[to]}"
                yield Approval(LevelChange.RAISE, frm, to, ACTIVATE_ACTION[to], clause)
            elif to > frm and frm <= 2:
                yield Approval(
                    LevelChange.LOWER, frm, to, "level.lower.from_1_2", ADJUST_CLAUSE, reading=True
                )
            elif to > frm:
                yield Approval(LevelChange.LOWER, frm, to, "level.lower.3_to_4", ADJUST_CLAUSE)
        end_action = "response.end.1_2" if frm <= 2 else "response.end.3_4"
        yield Approval(LevelChange.END, frm, None, end_action, END_CLAUSE)


# (kind, from level, to level) → Approval: every change the plan knows (20 rows). Activating starts from
# no level; ending goes to none.
APPROVALS = {(a.kind, a.from_level, a.to_level): a for a in _rows()}


def approval(kind, from_level, to_level):
    """The row for a change (activating: from no level; ending: to none); KeyError if the plan has none."""
    if kind == LevelChange.ACTIVATE:
        from_level = None
    if kind == LevelChange.END:
        to_level = None
    return APPROVALS[(kind, from_level, to_level)]


def deviation_approval(to_level, firm_level):
    """Activating at ``to_level`` below a firm recommendation of ``firm_level``: decided by the authority
    for the recommended level, along that level's chain (附件4, reading)."""
    return Approval(
        LevelChange.ACTIVATE,
        None,
        to_level,
        deviation_action(firm_level),
        f"{DEVIATION_CLAUSE}、{ACTIVATE_CLAUSE[to_level]}",
        reading=True,
    )
