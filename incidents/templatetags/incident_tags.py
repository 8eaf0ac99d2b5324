"""Display helpers of the incident pages: durations as "3 小时 12 分", levels, states, numbers."""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from django import template
from django.utils.translation import gettext as _

from ..choices import CATEGORY_SHORT, STATE_COLOURS, AccidentGrade, ResponseLevel, State

register = template.Library()


def minutes_of(value):
    """Whole minutes of a duration given as hours (Fraction, Decimal, int) or a timedelta."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    return int(Fraction(value) * 60 // 1)


@register.filter
def hm(value):
    """3 小时 12 分 (floor to the minute; negative durations show as 0)."""
    minutes = minutes_of(value)
    if minutes is None:
        return "—"
    minutes = max(minutes, 0)
    return _("%(h)s 小时 %(m)s 分") % {"h": minutes // 60, "m": minutes % 60}


@register.filter
def fmt_number(value):
    """12,800,000 or 1,234.5 (exact: a Decimal is never turned into a float)."""
    if value in (None, ""):
        return "—"
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if d == d.to_integral_value():
        return f"{int(d):,}"
    text = f"{d:,.2f}" if d.as_tuple().exponent >= -2 else f"{d:,}"
    return text.rstrip("0").rstrip(".")


@register.filter
def percent(value):
    """An exact share (Fraction) as a percentage with at most two decimals: 40%, 33.33%."""
    if value is None:
        return "—"
    d = (Decimal(value.numerator) / Decimal(value.denominator) * 100).quantize(Decimal("0.01"))
    text = f"{d:f}".rstrip("0").rstrip(".")
    return f"{text}%"


@register.filter
def level_label(level):
    if level in (None, ""):
        return ""
    return ResponseLevel(int(level)).label


@register.filter
def level_class(level):
    return f"level-{int(level)}" if level not in (None, "") else ""


@register.filter
def state_label(state):
    return State(state).label if state else ""


@register.filter
def state_colour(state):
    return STATE_COLOURS.get(state, "secondary")


@register.filter
def category_short(code):
    return CATEGORY_SHORT.get(code, "")


@register.filter
def category_number(label):
    """ "1.5.1 突发性…" → "1.5.1"."""
    return str(label).split(" ", 1)[0]


@register.filter
def category_text(label):
    parts = str(label).split(" ", 1)
    return parts[1] if len(parts) == 2 else parts[0]


@register.filter
def grade_label(code):
    if not code:
        return _("无")
    return AccidentGrade(getattr(code, "value", code)).label
