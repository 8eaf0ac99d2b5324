"""Filters of the document templates: Chinese dates (GB/T 9704-2012 7.3.5.1: 成文日期用阿拉伯数字将年、
月、日标全), money in 元 and 万元, figures that are 待核定, text split into paragraphs, 一、二、 numbering."""

from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.templatetags.incident_tags import fmt_number

register = template.Library()

CN_DIGITS = "零一二三四五六七八九"


def _local(value):
    if value is None or value == "":
        return None
    if hasattr(value, "hour") and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def cn_date(value):
    """2026年11月28日"""
    value = _local(value)
    if value is None:
        return "—"
    return _("%(y)s年%(m)s月%(d)s日") % {"y": value.year, "m": value.month, "d": value.day}


@register.filter
def cn_datetime(value):
    """2026年11月28日3时05分"""
    value = _local(value)
    if value is None:
        return "—"
    return _("%(date)s%(h)s时%(mi)02d分") % {"date": cn_date(value), "h": value.hour, "mi": value.minute}


@register.filter
def cn_time(value):
    """3时05分"""
    value = _local(value)
    if value is None:
        return "—"
    return _("%(h)s时%(mi)02d分") % {"h": value.hour, "mi": value.minute}


@register.filter
def yuan(value):
    """860,000元（86万元） — exact: Decimal arithmetic, no float."""
    if value in (None, ""):
        return "—"
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    text = _("%(n)s元") % {"n": fmt_number(d)}
    if d >= 10000:
        wan = fmt_number(d / Decimal(10000))
        text += _("（%(n)s万元）") % {"n": wan}
    return text


@register.filter
def count_or_dash(value):
    return "—" if value in (None, "") else fmt_number(value)


@register.simple_tag
def figure(value, pending=False, unit=""):
    """A 附件5 figure: "1人", "1人（待核定）", "不详" when unknown (None is unknown, never 0)."""
    if value in (None, ""):
        return _("不详")
    text = f"{fmt_number(value)}{unit}"
    return text + _("（待核定）") if pending else text


@register.filter
def paragraphs(text):
    """The lines of a text field, each a paragraph of the document (blank lines dropped)."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


@register.filter
def cn_number(n):
    """1 → 一, 12 → 十二, 20 → 二十 (section numbers 一、二、…)."""
    n = int(n)
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{CN_DIGITS[tens] if tens > 1 else ''}十{CN_DIGITS[ones] if ones else ''}"


@register.filter
def yes_no(value):
    return _("是") if value else _("否")


@register.filter
def field_value(value, name=""):
    """A value of a 续报 change, as the document prints it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return yes_no(value)
    if hasattr(value, "hour"):
        return cn_datetime(value)
    if name == "direct_loss_yuan":
        return yuan(value)
    if name == "affected_area_m2":
        return _("%(n)s平方米") % {"n": fmt_number(value)}
    if name == "affected_households":
        return _("%(n)s户") % {"n": fmt_number(value)}
    if isinstance(value, int | Decimal):
        return fmt_number(value)
    return str(value)


@register.simple_tag
def decided_by(name, post=""):
    """市指挥部办公室主任张三 — the post the decision was taken in, then the name."""
    return f"{post}{name}" if post else name
