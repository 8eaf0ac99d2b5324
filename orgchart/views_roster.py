"""The office's editing of the duty roster (值班表, DOMAIN.md §4): one month at a time, ``roster.edit``."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .forms import RosterMonthForm
from .models import DutyShift, Person
from .permissions import require
from .views_edit import INVALID

# ------------------------------------------------------------------------------------------------
# Duty roster (值班表, DOMAIN.md §4)
# ------------------------------------------------------------------------------------------------


def _roster_form(request, year, month, *, data=None, pattern=None):
    days = services.month_days(year, month)
    shifts = {(s.date, s.kind): s for s in DutyShift.objects.filter(date__gte=days[0], date__lte=days[-1])}
    eligible = services.roster_eligible_ids()
    used = {pk for s in shifts.values() for pk in (s.duty_officer_id, s.duty_leader_id) if pk}
    people = list(
        Person.objects.filter(
            Q(pk__in=eligible["duty_officer"] | eligible["duty_leader"]) | Q(pk__in=used)
        ).order_by("name")
    )
    if pattern:
        pattern = {
            key: tuple(
                pk if pk in eligible[role] else None
                for pk, role in zip(pair, RosterMonthForm.ROLES, strict=True)
            )
            for key, pair in pattern.items()
        }
    return RosterMonthForm(
        data, year=year, month=month, shifts=shifts, people=people, eligible=eligible, pattern=pattern
    )


@login_required
def roster_edit(request, year, month):
    require(request.user, "roster.edit")
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404(_("没有这个月份。"))
    first = date(year, month, 1)
    if request.method == "POST":
        form = _roster_form(request, year, month, data=request.POST)
        if form.is_valid() and _roster_saved(request, form, year, month):
            return redirect(reverse("orgchart:duty") + f"?month={year:04d}-{month:02d}")
        copied = False
    else:
        copied = request.GET.get("copy") == "prev"
        pattern = services.roster_copy_pattern(year=year, month=month) if copied else None
        form = _roster_form(request, year, month, pattern=pattern)
    prev_month = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
    next_month = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return render(
        request,
        "orgchart/edit/roster.html",
        {
            "form": form,
            "first": first,
            "rows": form.rows(),
            "copied": copied,
            "today": timezone.localdate(),
            "prev_month": prev_month,
            "next_month": next_month,
            "shift_times": _shift_times(),
        },
        status=INVALID if form.errors else 200,
    )


def _roster_saved(request, form, year, month):
    """Save the month through the audited service; True with a message, False with the form's errors."""
    try:
        created, updated = services.roster_month_save(
            actor=request.user, year=year, month=month, rows=form.service_rows()
        )
    except ValidationError as e:
        form.add_service_error(e)
        return False
    if created or updated:
        messages.success(
            request,
            _("已保存%(y)s年%(m)s月值班表：新建%(c)s个班次，修改%(u)s个班次。")
            % {"y": year, "m": month, "c": created, "u": updated},
        )
    else:
        messages.info(request, _("值班表没有修改。"))
    return True


def _shift_times():
    out = []
    for kind, label in DutyShift.Kind.choices:
        start, length = DutyShift.SHIFT_TIMES[kind]
        end_hour = (start.hour + int(length.total_seconds() // 3600)) % 24
        out.append(
            {
                "label": label,
                "start": f"{start:%H:%M}",
                "end": f"{end_hour:02d}:{start:%M}",
                "next_day": start.hour + length.total_seconds() / 3600 >= 24,
            }
        )
    return out
