"""The command dashboard (issue 8): the overview after login, the wall screen (大屏) and the charts.

One poll per tab (issue 15): a hidden element asks every ``poll_seconds`` whether the dashboard changed,
sending the version it shows (``command/dashboard/live.py``), the time its content next changes by itself (a
provisional 附件4 recommendation becoming firm, a task becoming overdue, the order of the outages) and the
signatures of its panels. Unchanged: 204 with no SQL beyond the session and the user. Changed: only the
panels whose signature differs, as htmx out-of-band swaps, and a new poller. Polling pauses while the tab
is hidden. The hours without heat, the 24-hour clock and the wall's clock tick in the browser
(static/js/dashboard-live.js) from the timestamps in the page. A unit's people land on 我的任务 instead
(they only need their tasks)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.health import health_report
from config.htmx import asked_part, unchanged, unchanged_response, wants_partial
from incidents.choices import CATEGORY_SHORT, Category
from orgchart.permissions import authority_for, can, view_scope

from . import live, panels
from .charts import DASHBOARD_SCRIPTS, chart, chart_period, time_charts
from .stats import by_category, by_month, period
from .stats_times import response_stats

# The system's health on the home page is read at most this often (seconds): it asks the broker.
HEALTH_SECONDS = 15


def _lands_on_tasks(user):
    """A member unit's liaison, head or deputy head without a command post: 我的任务 first."""
    authority = authority_for(user)
    posts = {g.position for g in authority.grants}
    return bool(posts) and posts <= {"unit_liaison", "unit_head", "unit_deputy_head"}


def _context(request, now, *, wall=False):
    """The shared panels and, on the overview, the personal one — from the cache at this version."""
    found = panels.shared(now, wall, view_scope(request.user))  # finding 7 of issue 16
    context = {
        "now": now,
        "wall": wall,
        # How often the page asks whether it changed (a setting: tests shorten it).
        "poll_seconds": settings.DASHBOARD_POLL_SECONDS,
        "version": found["version"],
        "dashboard_scripts": DASHBOARD_SCRIPTS,
        "panels": {part: panels.html(found, part) for part in panels.SHARED},
        "sigs": dict(found["sigs"]),
        "due": found["due"],
        "found": found,
    }
    if not wall:  # the wall shows no personal panel
        mine = context["mine"] = panels.mine(request.user, found, _lands_on_tasks)
        context["panels"]["waiting"] = panels.html(mine, "waiting")
        context["sigs"]["waiting"] = mine["sigs"]["waiting"]
    context["due_ts"] = int(context["due"].timestamp())
    context["sig_token"] = "-".join(f"{k}.{v}" for k, v in sorted(context["sigs"].items()))
    return context


def _unchanged(request, now):
    """The poll's question without SQL: same version, and nothing due to change by itself yet."""
    try:
        version, due = int(request.GET.get("poll", "")), int(request.GET.get("due", ""))
    except ValueError:
        return False
    return version == live.current() and now.timestamp() < due


def _poll(request, now, wall):
    """Only the panels whose signature differs from the tab's (htmx out-of-band swaps) and a new poller."""
    context = _context(request, now, wall=wall)
    had = dict(pair.split(".", 1) for pair in request.GET.get("s", "").split("-") if "." in pair)
    out = [render_to_string(panels.TEMPLATE.format("poller"), context, request=request)]
    for part in panels.SHARED:
        if had.get(part) != context["sigs"][part]:
            out.append(panels.html(context["found"], part, oob=True))
    if not wall and had.get("waiting") != context["sigs"]["waiting"]:
        out.append(panels.html(context["mine"], "waiting", oob=True))
    return HttpResponse("".join(out))


@login_required
def overview(request, wall=False):
    """The home page after login. Also shows the system's health (database, broker, beat heartbeat) and
    who is on duty, which the first home page showed."""
    now = timezone.now()
    if wants_partial(request) and "poll" in request.GET:  # first: an unchanged poll reads nothing else
        if _unchanged(request, now):
            return unchanged_response()
        return _poll(request, now, wall)
    part = asked_part(request)
    if part == "clock":  # the wall's clock: no data needed
        return render(request, "command/dashboard/_dashboard_panels.html#clock", {"now": now})
    context = _context(request, now, wall=wall)
    if not wall and context["mine"]["lands_on_tasks"] and not request.GET.get("overview"):
        return redirect("command:my_tasks")
    if part in context["sigs"]:  # one panel (kept for links and tests)
        if unchanged(request, context["sigs"][part]):
            return unchanged_response()
        return HttpResponse(context["panels"][part])
    context["health"] = live.get(live.HEALTH_KEY)
    if context["health"] is None:
        context["health"] = health_report()
        live.put(live.HEALTH_KEY, context["health"], HEALTH_SECONDS)
    context["on_duty"] = context["found"]["on_duty"]
    template = "command/dashboard/wall.html" if wall else "command/dashboard/overview.html"
    return render(request, template, context)


@login_required
def wall(request):
    return overview(request, wall=True)


@login_required
def charts(request):
    """Incidents by category and by month, and the times of the response (issue 8), over a chosen period;
    drills excluded. Three queries for the figures, whatever the number of incidents."""
    first, last, errors = chart_period(request.GET)
    start, end = period(first, last)

    def figures():
        return (
            by_category(start, end),
            by_month(start, end),
            response_stats(start, end),
        )

    # Kept for the dashboard's version (a write that matters starts afresh); nothing here moves with the clock.
    cats, months, stats = live.memo("charts", (first, last, get_language()), figures, seconds=600)
    measures = time_charts(stats)
    context = {
        "first": first,
        "last": last,
        "errors": errors,
        "error_fields": {name for name, _msg in errors},
        "measures": measures,
        "month_rows": [
            (month, n, responses, *(m["months"][i][1:] for m in measures))
            for i, (month, n, responses) in enumerate(months)
        ],
        "total": sum(n for _c, n in cats),
        "category_chart": chart(
            "bar",
            _("按类别（§1.5）"),
            [
                f"{str(c).split(' ', 1)[0]} {CATEGORY_SHORT[v]}"
                for v, (c, _n) in zip(Category.values, cats, strict=True)
            ],
            [(_("事件数"), [n for _c, n in cats])],
            unit=_("起"),
            horizontal=True,
        ),
        "month_chart": chart(
            "line",
            _("按月份"),
            [m for m, _n, _r in months],
            [(_("事件数"), [n for _m, n, _r in months]), (_("启动响应"), [r for _m, _n, r in months])],
            unit=_("起"),
        ),
        "may_view_all": bool(can(request.user, "task.view_all")),
        "dashboard_scripts": DASHBOARD_SCRIPTS,
    }
    return render(request, "command/dashboard/charts.html", context)
