"""The statistics page and its exports (issue 10): over a chosen period (by the time of report, both days
included), drills left out unless ``drills=1`` (§8.1). Every table is built once (``statistics_tables``,
kept for the dashboard's version) and shown three ways: the page, an Excel workbook (``export.xlsx``)
and CSV (``export.csv``, or ``table=<key>`` for one table alone); see ``exports``."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from orgchart.permissions import can

from . import live
from .charts import DASHBOARD_SCRIPTS, chart_period
from .exports import about_lines, csv_text, filename, xlsx
from .signals import statistics_exported
from .statistics_tables import incident_table, statistics_tables
from .stats import period

# Who may read the statistics: the office and the command (the posts that see every unit's tasks).
PERMISSION = "task.view_all"


# ---- requests -----------------------------------------------------------------------------------------


def _require(user):
    if not can(user, PERMISSION):
        raise PermissionDenied(_("统计分析供市指挥部及其办公室使用，您当前的岗位无权查看。"))


def _params(request):
    """(first day, last day, period errors, include drills, the query string of the chosen filters)."""
    first, last, errors = chart_period(request.GET)
    drills = request.GET.get("drills") == "1"
    query = {"from": first.isoformat(), "to": last.isoformat()}
    if drills:
        query["drills"] = "1"
    return first, last, errors, drills, urlencode(query)


# The tables are kept for the dashboard's version (command/dashboard/live.py: any write that matters starts afresh)
# and at most this long, which bounds what the version does not watch: reminders sent, and outages
# reaching 24 hours with the clock alone. The page says so.
CACHE_SECONDS = 60


def _tables(first, last, drills):
    start, end = period(first, last)
    sections = live.memo(
        "statistics",
        (first, last, drills, get_language()),
        lambda: statistics_tables(start, end, include_drills=drills),
        seconds=CACHE_SECONDS,
    )
    return sections, [t for s in sections for t in s.tables]


@login_required
def statistics(request):
    _require(request.user)
    first, last, errors, drills, query = _params(request)
    sections, tables = _tables(first, last, drills)
    years = next(t for t in tables if t.key == "years")
    total, responses, _long, drill_count = years.total[1:5]
    return render(
        request,
        "command/dashboard/statistics.html",
        {
            "first": first,
            "last": last,
            "errors": errors,
            "error_fields": {name for name, _msg in errors},
            "drills": drills,
            "drill_count": drill_count,
            "total": total,
            "responses": responses,
            "sections": sections,
            "query": query,
            "xlsx_url": reverse("command:statistics_xlsx") + "?" + query,
            "csv_url": reverse("command:statistics_csv") + "?" + query,
            "dashboard_scripts": DASHBOARD_SCRIPTS,
        },
    )


def _record(request, kind, fmt, first, last, drills):
    """The download record (issue 16: an auditor asks who exported which statistics)."""
    period = f"{first:%Y-%m-%d}—{last:%Y-%m-%d}{'（含演练）' if drills else ''}"
    # documents keeps the record (it sits above command: it listens, command does not import it)
    statistics_exported.send(sender=None, request=request, kind=kind, fmt=fmt, period=period)


def _attachment(content, content_type, name):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


@login_required
def export_xlsx(request):
    _require(request.user)
    first, last, _errors, drills, _query = _params(request)
    _sections, tables = _tables(first, last, drills)
    content = xlsx(
        [*tables, incident_table(first, last, drills)],
        about_lines(first, last, drills, request.user, timezone.now()),
    )
    _record(request, "statistics", "xlsx", first, last, drills)
    return _attachment(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename(first, last, drills, "xlsx"),
    )


@login_required
def export_csv(request):
    _require(request.user)
    first, last, _errors, drills, _query = _params(request)
    _sections, tables = _tables(first, last, drills)
    key = request.GET.get("table")
    if key:
        chosen = [t for t in tables if t.key == key]
        if not chosen:
            return HttpResponseBadRequest(
                _("没有名为“%(key)s”的统计表。可用：%(keys)s")
                % {"key": key[:40], "keys": "、".join(t.key for t in tables)},
                content_type="text/plain; charset=utf-8",
            )
        content = csv_text(chosen)
        name = filename(first, last, drills, "csv").replace(".csv", f"_{key}.csv")
    else:
        content = csv_text(tables, about_lines(first, last, drills, request.user, timezone.now()))
        name = filename(first, last, drills, "csv")
    _record(request, f"statistics:{key}" if key else "statistics", "csv", first, last, drills)
    return _attachment(content.encode("utf-8"), "text/csv; charset=utf-8", name)
