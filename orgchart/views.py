"""Browse the org chart: who leads, who belongs, who is on duty. Everyone logged in may read it
(a police liaison needs the fire brigade's duty phone at 3 a.m. as much as the office does)."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from config.htmx import render_page

from . import selectors
from .models import Appointment, DutyShift, Person, Position, Unit, WorkingGroup
from .permissions import RULES, can


def _can_edit(request):
    return bool(can(request.user, "orgchart.edit"))


@login_required
def chart(request):
    overview = selectors.org_overview()
    posts = overview["posts"]
    by_code = {p.code: p for p in overview["positions"]}
    for u in overview["member_units"]:
        u.company_list = overview["companies"].get(u.pk, [])

    def post(code):
        return {"position": by_code[code], "people": posts.get((code, None, None), [])}

    deputies = [
        post(c)
        for c in (
            "deputy_secretary_general",
            "deputy_housing",
            "deputy_city_admin",
            "deputy_emergency",
            "deputy_fire",
        )
    ]
    return render(
        request,
        "orgchart/chart.html",
        {
            **overview,
            "general": post("general_commander"),
            "commander": post("commander"),
            "deputies": deputies,
            "office_director": post("office_director"),
            "office_staff": post("office_staff"),
            "onsite_commander": post("onsite_commander"),
            "onsite_deputy": post("onsite_deputy"),
            "shift": selectors.on_duty(),
            "can_edit": _can_edit(request),
        },
    )


@login_required
def unit(request, code):
    try:
        data = selectors.unit_detail(code)
    except Unit.DoesNotExist:
        raise Http404("没有这个单位 / no such unit") from None
    return render(request, "orgchart/unit.html", {**data, "can_edit": _can_edit(request)})


@login_required
def group(request, code):
    try:
        data = selectors.group_detail(code)
    except WorkingGroup.DoesNotExist:
        raise Http404("没有这个工作组 / no such group") from None
    return render(request, "orgchart/group.html", {**data, "can_edit": _can_edit(request)})


@login_required
def person(request, pk):
    p = get_object_or_404(Person.objects.select_related("unit", "user"), pk=pk)
    appointments = (
        Appointment.objects.filter(person=p)
        .select_related("position", "unit", "group")
        .order_by("position__order")
    )
    absences = p.absences.filter(ends_at__gt=timezone.now()).order_by("starts_at")
    return render(
        request,
        "orgchart/person.html",
        {"person": p, "appointments": appointments, "absences": absences, "can_edit": _can_edit(request)},
    )


def _month_bounds(day):
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


@login_required
def duty(request):
    now = timezone.now()
    today = timezone.localdate()
    month = request.GET.get("month", "")
    try:
        first = date(int(month[:4]), int(month[5:7]), 1) if month else today.replace(day=1)
    except ValueError:
        first = today.replace(day=1)
    if not 2000 <= first.year <= 2099:  # issue 16: year 0001 or 9999 has no previous or next month
        messages.error(request, _("没有%(m)s的值班表：月份须在2000年至2099年之间。") % {"m": month[:7]})
        first = today.replace(day=1)
    first, last = _month_bounds(first)
    shifts = list(selectors.shifts_between(first, last))
    current = next((s for s in shifts if s.starts_at <= now < s.ends_at), None) or selectors.on_duty(now)
    upcoming_night = next((s for s in shifts if s.kind == DutyShift.Kind.NIGHT and s.ends_at > now), None)
    days = {}
    for s in shifts:
        days.setdefault(s.date, {})[s.kind] = s
    prev_month = (first - timedelta(days=1)).replace(day=1)
    return render(
        request,
        "orgchart/duty.html",
        {
            "current": current,
            "tonight": upcoming_night,
            "first": first,
            "days": sorted(days.items()),
            "prev_month": prev_month,
            "next_month": last + timedelta(days=1),
            "now": now,
            "can_edit_roster": bool(can(request.user, "roster.edit")),
        },
    )


@login_required
def search(request):
    q = request.GET.get("q", "")[:50]
    results = selectors.search(q)
    context = {"q": q, "results": results, "found": any(results.values())}
    return render_page(request, "orgchart/search.html", context, partial="results")


@login_required
def contact_sheet(request):
    """A4 contact sheet for the day the system is down: by group and unit, duty phones."""
    overview = selectors.org_overview()
    posts = overview["posts"]
    by_code = {p.code: p for p in overview["positions"]}
    command = [
        (by_code[c], posts.get((c, None, None), []))
        for c in (
            "general_commander",
            "commander",
            "deputy_secretary_general",
            "deputy_housing",
            "deputy_city_admin",
            "deputy_emergency",
            "deputy_fire",
            "office_director",
        )
    ]
    units = [
        u
        for u in Unit.objects.filter(active=True).select_related("parent").order_by("order", "code")
        if not u.is_category
    ]
    rows = [
        (u, posts.get(("unit_head", u.pk, None), []), posts.get(("unit_liaison", u.pk, None), []))
        for u in units
    ]
    return render(
        request,
        "orgchart/contacts.html",
        {
            **overview,
            "command": command,
            "unit_rows": rows,
            "shift": selectors.on_duty(),
            "printed_at": timezone.localtime(),
        },
    )


@login_required
def authority(request):
    """Who may do what (DOMAIN.md §5), with the clause and today's holders."""
    posts = selectors.holders_by_post()
    names = dict(Position.objects.values_list("code", "name"))
    rows = []
    for rule in RULES.values():
        holders = [a for (code, _u, _g), appts in posts.items() if code in rule.positions for a in appts]
        rows.append(
            {
                "rule": rule,
                "positions": [names.get(c, c) for c in rule.positions],
                "holders": holders,
                "mine": bool(can(request.user, rule.action)) if rule.scope == "none" else None,
            }
        )
    may_unlock = bool(can(request.user, "account.unlock"))
    return render(request, "orgchart/authority.html", {"rows": rows, "may_unlock": may_unlock})
