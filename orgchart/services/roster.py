"""The duty roster (值班表, DOMAIN.md §4; shift times DutyShift.SHIFT_TIMES are a reading): audited writes."""

import calendar
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from config.language import recorded

from ..models import Appointment, DutyShift
from ..permissions import require
from .recording import apply_changes, field_label, record_change

ROSTER_POSITIONS = {"duty_officer": "duty_officer", "duty_leader": "duty_leader"}


def roster_eligible_ids():
    """{"duty_officer": {person ids}, "duty_leader": {person ids}}: active holders of the two posts."""
    out = {k: set() for k in ROSTER_POSITIONS}
    for code, pid in Appointment.objects.filter(
        position__code__in=ROSTER_POSITIONS.values(), person__active=True
    ).values_list("position__code", "person_id"):
        out[code].add(pid)
    return out


def month_days(year, month):
    return [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def roster_month_save(*, actor, year, month, rows):
    """Create or update the shifts of one month in one transaction.

    ``rows``: iterable of {"date", "kind", "duty_officer": Person | None, "duty_leader": Person | None}.
    A row for a shift that does not exist yet and names nobody creates nothing. A newly named 值班员 must
    hold the ``duty_officer`` post, a 带班领导 the ``duty_leader`` post (people kept unchanged may have
    left the post since). Writes one OrgChange for the month listing every changed shift. Returns
    (created, updated) counts.
    """
    require(actor, "roster.edit")
    try:
        days = month_days(year, month)
    except (ValueError, calendar.IllegalMonthError):
        raise ValidationError(_("没有这个月份。"), code="month") from None
    rows = list(rows)
    _check_rows(rows, days, year=year, month=month)
    with transaction.atomic(), recorded():
        edit = _RosterEdit()
        edit.compare(rows, existing=_locked_shifts(days), eligible=roster_eligible_ids())
        if not edit.changes:
            return 0, 0
        edit.write()
        record_change(
            actor=actor,
            action="create" if edit.to_create and not edit.to_update else "update",
            model=DutyShift,
            object_id=f"{year:04d}-{month:02d}",
            object_repr=f"{year}年{month}月值班表",
            changes=edit.changes,
            summary=f"编排{year}年{month}月值班表：新建{len(edit.to_create)}个班次，"
            f"修改{len(edit.to_update)}个班次",
        )
    return len(edit.to_create), len(edit.to_update)


def _check_rows(rows, days, *, year, month):
    """Every row in the month, of a known shift kind, each shift once."""
    errors = []
    seen = set()
    for r in rows:
        if r.get("date") not in days:
            errors.append(_("%(d)s不在%(y)s年%(m)s月内。") % {"d": r.get("date"), "y": year, "m": month})
        if r.get("kind") not in DutyShift.Kind.values:
            errors.append(_("未知的班次：%(k)s。") % {"k": r.get("kind")})
        if (r.get("date"), r.get("kind")) in seen:
            errors.append(_("%(d)s的同一班次填写了两次。") % {"d": r.get("date")})
        seen.add((r.get("date"), r.get("kind")))
    if errors:
        raise ValidationError(errors)


def _locked_shifts(days):
    """{(date, kind): shift} of the month, locked: two offices saving the same month are serialised."""
    return {
        (s.date, s.kind): s
        for s in DutyShift.objects.select_for_update(of=("self",))
        .select_related("duty_officer", "duty_leader")
        .filter(date__gte=days[0], date__lte=days[-1])
    }


class _RosterEdit:
    """The shifts of one month's save: those to create, those to update, and the month's diff."""

    def __init__(self):
        self.to_create, self.to_update, self.changes = [], [], {}

    def compare(self, rows, *, existing, eligible):
        """Apply ``rows`` onto the ``existing`` shifts; raise when a newly named person lacks the post."""
        problems = []
        for r in rows:
            shift = existing.get((r["date"], r["kind"]))
            kind_label = str(DutyShift.Kind(r["kind"]).label)
            diff = self._apply_row(r, shift)
            problems += _ineligible(r, diff, kind_label, eligible)
            for field, pair in diff.items():
                self.changes[f"{r['date']:%Y-%m-%d} {kind_label}·{field_label(DutyShift, field)}"] = pair
        if problems:
            raise ValidationError(problems, code="not_eligible")

    def _apply_row(self, row, shift):
        if shift is None:
            if row.get("duty_officer") is None and row.get("duty_leader") is None:
                return {}
            begins, ends = DutyShift.bounds(row["date"], row["kind"])
            shift = DutyShift(date=row["date"], kind=row["kind"], starts_at=begins, ends_at=ends)
            diff = apply_changes(shift, row, ROSTER_POSITIONS)
            self.to_create.append(shift)
            return diff
        diff = apply_changes(shift, row, ROSTER_POSITIONS)
        if diff:
            self.to_update.append(shift)
        return diff

    def write(self):
        try:
            with transaction.atomic():
                DutyShift.objects.bulk_create(self.to_create)
        except IntegrityError:
            raise ValidationError(_("值班表刚被他人同时修改，请刷新后重试。"), code="conflict") from None
        if self.to_update:
            DutyShift.objects.bulk_update(self.to_update, fields=list(ROSTER_POSITIONS))


def _ineligible(row, diff, kind_label, eligible):
    """Messages for the people newly named in ``diff`` who do not hold the post (值班员/带班领导)."""
    return [
        _("%(d)s %(k)s：%(p)s不是%(post)s。")
        % {"d": row["date"], "k": kind_label, "p": person.name, "post": field_label(DutyShift, field)}
        for field, person in ((f, row.get(f)) for f in diff)
        if person is not None and person.pk not in eligible[ROSTER_POSITIONS[field]]
    ]


def roster_copy_pattern(*, year, month):
    """Rows for (year, month) that repeat the previous month's day-of-month pattern (a suggestion
    the office reviews and saves; nothing is written here)."""
    first = date(year, month, 1)
    prev = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
    prev_days = month_days(prev.year, prev.month)
    shifts = {
        (s.date.day, s.kind): s
        for s in DutyShift.objects.filter(date__gte=prev_days[0], date__lte=prev_days[-1])
    }
    out = {}
    for d in month_days(first.year, first.month):
        for kind in DutyShift.Kind.values:
            s = shifts.get((d.day, kind))
            if s is not None:
                out[(d, kind)] = (s.duty_officer_id, s.duty_leader_id)
    return out
