"""How the incident's record is written, whatever the actor's UI language: in the plan's language, with
the 【演练】 mark on drills (§8.1). Pure helpers, imported by the models and the services alike."""

from django.conf import settings
from django.utils import translation

# §8.1: everything about a drill is marked, so that no one mistakes it for a real incident.
DRILL_MARK = "【演练】"


def recorded():
    """Timeline summaries are written in Chinese, the plan's language, whatever the actor's UI language."""
    return translation.override(settings.LANGUAGE_CODE)


def drill_mark(text, is_drill):
    """``text`` with the 【演练】 mark in front when it is about a drill (§8.1)."""
    return f"{DRILL_MARK}{text}" if is_drill else text
