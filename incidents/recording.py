"""How the incident's record is written, whatever the actor's UI language: in the plan's language
(``recorded``, from ``config.language``: the org chart writes its change log the same way), with the
【演练】 mark on drills (§8.1). Pure helpers, imported by the models and the services alike."""

from config.language import recorded

__all__ = ["DRILL_MARK", "drill_mark", "recorded"]

# §8.1: everything about a drill is marked, so that no one mistakes it for a real incident.
DRILL_MARK = "【演练】"


def drill_mark(text, is_drill):
    """``text`` with the 【演练】 mark in front when it is about a drill (§8.1)."""
    return f"{DRILL_MARK}{text}" if is_drill else text
