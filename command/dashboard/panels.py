"""The overview's and the wall's panels (issue 8, made cheap by issue 15).

The five panels everybody sees the same (incidents, totals, map, task rates, latest events) are counted
in SQL, rendered once per dashboard version (``command/dashboard/live.py``) and kept in Django's cache with their
signatures and the time their content next changes by itself (``due``: a provisional 附件4
recommendation becoming firm, a task becoming overdue, the order of the outages after ``RESORT_SECONDS``).
Every tab that asks at that version gets the rendered HTML; a write bumps the version and the next tab
renders them again. The personal panel (等我处理: my approvals, my tasks, my call-downs) is read per
request: it is small, and the writes that change it bump the version too.
"""

import json
from datetime import timedelta

from django.db.models import Min, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from orgchart.models import Absence
from orgchart.selectors import on_duty

from ..approvals.selectors import pending_for
from ..assignments.models import Assignment
from ..assignments.services import Scope
from ..response.selectors import my_calldowns
from ..web import sig
from . import live, selectors

PANELS = ("waiting", "incidents", "totals", "map", "tasks", "events")
SHARED = ("incidents", "totals", "map", "tasks", "events")
# How many rows each panel lists: the wall screen (1920×1080, read from five metres) must fit one screen
# without scrolling; the overview should read at a glance. What is left out is counted ("另有 N 起").
LIMITS = {
    "overview": {"incidents": 10, "events": 12, "groups": None, "units": 12},
    "wall": {"incidents": 8, "events": 8, "groups": 5, "units": 5},
}
# The order of the outages (longest first) moves with time alone; the lists are read again this often
# (seconds) even when nothing was written. The hours themselves tick in the browser.
RESORT_SECONDS = 600
TEMPLATE = "command/dashboard/_dashboard_panels.html#{}"
# Part of the cache keys: change it when what is cached changes shape (a deploy then starts afresh).
FORMAT = 1


def map_data(counties, points, dark):
    return {
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
        # The optional points clicked on the map when the incidents were logged (issue 8).
        "points": [
            {
                "name": f"{timezone.localtime(p['reported_at']):%Y}-{p['pk']:05d} {p['title']}",
                "lon": float(p["lon"]),
                "lat": float(p["lat"]),
                "level": p["level"],
                "url": reverse("incidents:detail", args=[p["pk"]]),
            }
            for p in points
        ],
        "dark": dark,
    }


def waiting(user):
    """The per-user panel's data: requests waiting for my decision, my tasks to sign for, my call-downs."""
    scope = Scope(user)
    pending = pending_for(user)
    my_tasks = (
        scope.filter(
            Assignment.objects.filter(state="pending", incident__state__in=("responding", "aftermath"))
        ).count()
        if (scope.unit_ids or scope.led_groups)
        else 0
    )
    calls = my_calldowns(user)
    return {
        "pending": pending,
        "my_tasks": my_tasks,
        "calls": calls,
        "sig": sig([repr([(r.pk, r.stage) for r in pending] + [c.pk for c in calls] + [my_tasks])]),
    }


def next_absence_change(now):
    """When an absence next starts or ends: who may decide (AB角, DOMAIN.md §5) changes then, so what
    waits for whom (等我处理) may change without a write. One query."""
    found = Absence.objects.aggregate(
        starts=Min("starts_at", filter=Q(starts_at__gt=now)), ends=Min("ends_at", filter=Q(ends_at__gt=now))
    )
    return min((t for t in found.values() if t), default=None)


def shared_context(now, wall, scope=None):
    """What every user sees the same, counted and cut in SQL; with each panel's signature and the time
    the content next changes by itself (``due``)."""
    limits = LIMITS["wall" if wall else "overview"]
    shown, drills = selectors.active_incidents(now, limit=limits["incidents"], scope=scope)
    incidents = selectors.active(scope=scope)
    totals = selectors.totals(incidents, now=now)
    more = max(totals["count"] - len(shown), 0)
    breakdown = selectors.left_out(shown, incidents) if more else []
    counties = selectors.county_map(incidents)
    the_map = map_data(counties, selectors.map_points(incidents), wall)
    rates = selectors.task_rates(now, scope)
    events = selectors.latest_events(limits["events"], scope)
    groups, more_groups = selectors.capped(rates["groups"], limits["groups"])
    units, more_units = selectors.capped(rates["units"], limits["units"])
    rows = [(i.pk, i.state, i.level, i.updated_at, i.rec_status, i.fact_rec_level) for i in shown]
    times = [t for t in (totals["next_firm"], rates["next_due"], next_absence_change(now)) if t]
    sigs = {
        "incidents": sig(
            [repr([rows, more, breakdown, [(i.pk, i.state, i.level, i.updated_at) for i in drills]])]
        ),
        "totals": sig([repr({k: v for k, v in totals.items() if k != "next_firm"})]),
        "map": sig([json.dumps(the_map, ensure_ascii=False, sort_keys=True)]),
        "tasks": sig([repr([rates["all"], groups, more_groups, units, more_units])]),
        "events": sig([repr([e.pk for e in events])]),
    }
    return {
        "now": now,
        "wall": wall,
        "shown_incidents": shown,
        "more_incidents": more,
        "more_breakdown": breakdown,
        "drills": drills,
        "totals": totals,
        "map_json": json.dumps(the_map, ensure_ascii=False),
        "counties": counties,
        "rates": rates,
        "groups": groups,
        "units": units,
        "more_groups": more_groups,
        "more_units": more_units,
        "events": events,
        "sigs": sigs,
        "due": min([*times, now + timedelta(seconds=RESORT_SECONDS)]),
    }


def shared(now, wall, scope=None):
    """The shared panels at the current version: ``{"version", "html": {part: html}, "sigs", "due",
    "on_duty"}`` (``on_duty``: the shift in force, overview only), from the cache while the version holds
    and ``due`` has not passed; rendered (and cached) otherwise. Roster edits bump the version too.
    ``scope``: a member unit's (``orgchart.permissions.view_scope``): its own panels, cached apart."""
    version = live.current()
    who = "all" if scope is None else "u" + "-".join(map(str, scope))
    key = f"dashboard:panels:{FORMAT}:{'wall' if wall else 'overview'}:{who}:{get_language()}:{version}"
    found = live.get(key) if version is not None else None
    if found is not None and now < found["due"]:
        return found
    context = shared_context(now, wall, scope)
    found = {
        "version": version,
        "html": {part: render_to_string(TEMPLATE.format(part), context) for part in SHARED},
        "sigs": context["sigs"],
        "due": context["due"],
        "on_duty": None,
    }
    if not wall:  # who is on duty (值班表), shown on the overview: read again when the shift ends
        found["on_duty"] = shift = on_duty(now)
        if shift is not None:
            found["due"] = min(found["due"], shift.ends_at)
    if version is not None:
        live.put(key, found, RESORT_SECONDS * 2)
    return found


def mine(user, found, lands_on_tasks):
    """The personal panel of ``user`` at the version of ``found`` (the shared panels): ``{"html":
    {"waiting": html}, "sigs": {"waiting": sig}, "lands_on_tasks": bool, "due"}``, cached per user and
    version like the shared ones. ``lands_on_tasks(user)``: whether the home page sends them to 我的任务."""
    key = f"dashboard:mine:{FORMAT}:{user.pk}:{get_language()}:{found['version']}"
    entry = live.get(key) if found["version"] is not None else None
    now = timezone.now()
    if entry is not None and now < entry["due"]:
        return entry
    context = {"now": now, **waiting(user)}
    context["sigs"] = {"waiting": context["sig"]}
    entry = {
        "html": {"waiting": render_to_string(TEMPLATE.format("waiting"), context)},
        "sigs": context["sigs"],
        "lands_on_tasks": lands_on_tasks(user),
        "due": found["due"],
    }
    if found["version"] is not None:
        live.put(key, entry, RESORT_SECONDS * 2)
    return entry


def html(found, part, *, oob=False):
    """One shared panel's HTML; ``oob``: marked for an htmx out-of-band swap."""
    text = found["html"][part]
    if oob:
        mark = f'data-sig="{found["sigs"][part]}"'
        text = text.replace(mark, mark + ' hx-swap-oob="true"', 1)
    return mark_safe(text)
