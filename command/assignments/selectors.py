"""Task lists and the task board (issue 15): counted in SQL, each task rendered once, at most
TASK_ROWS rows per request ("更多" loads the next ones)."""

from django.db.models import Case, Count, IntegerField, Max, Q, Value, When

from .models import Assignment

TASK_ROWS = 20  # a phone screen or two; "更多任务" loads the next
SIGNED_STATES = ("signed", "in_progress", "done")


def assigned_unit_ids(incident):
    """The units with an assignment on the incident (the units working in its activated groups): they
    are "on the incident" for unit-scoped permissions (DOMAIN.md §5: 续报 by any unit on the incident)."""
    if incident.pk is None:
        return []
    return Assignment.objects.filter(incident_id=incident.pk, unit__isnull=False).values_list(
        "unit_id", flat=True
    )


def tasks_qs():
    return Assignment.objects.select_related("incident", "incident__county", "group", "unit", "person")


def ordered_tasks(qs, now):
    """Open before finished; overdue first, then by due time, priority and age."""
    return qs.annotate(
        _open=Case(
            When(state__in=Assignment.OPEN_STATES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        _overdue=Case(
            When(state__in=Assignment.OPEN_STATES, due_at__lt=now, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        _prio=Case(
            When(priority="urgent", then=Value(0)),
            When(priority="high", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    ).order_by("_open", "_overdue", "due_at", "_prio", "created_at", "id")


def task_page(qs, now, *, offset=0, size=TASK_ROWS):
    """One page of tasks in ``ordered_tasks`` order: (tasks, the offset of the next page or None).
    One query: the page's ids are picked on the narrow task rows first, then only those rows are joined
    to their incident, group, unit and person (not every open task of every active incident)."""
    page = ordered_tasks(qs.order_by(), now).values("pk")[offset : offset + size + 1]
    rows = list(ordered_tasks(tasks_qs().filter(pk__in=page), now))
    more = len(rows) > size
    del rows[size:]
    return rows, (offset + size if more else None)


def _counts(now):
    """The board's figures of a set of tasks, as SQL aggregates (a closed task is not counted)."""
    is_open = Q(state__in=Assignment.OPEN_STATES)
    return {
        "total": Count("id", filter=~Q(state=Assignment.State.CLOSED)),
        "signed": Count("id", filter=Q(state__in=SIGNED_STATES)),
        "done": Count("id", filter=Q(state=Assignment.State.DONE)),
        "overdue": Count("id", filter=is_open & Q(due_at__lt=now)),
        "open": Count("id", filter=is_open),
    }


def _with_rates(row):
    n = row["total"]
    row["signed_pct"] = round(100 * row["signed"] / n) if n else None
    row["done_pct"] = round(100 * row["done"] / n) if n else None
    return row


def board_summary(tasks, now):
    """The task board of one incident without its rows: the totals, each group's and each unit's
    figures, and a signature that changes with any task (its state, its overdue) — three queries
    whatever the number of tasks. ``tasks``: the incident's tasks this user may see.

    A task is listed once: under its group when it has one, else under its unit; a unit's figures
    count all its tasks, ``listed`` those shown under it."""
    totals = tasks.order_by().aggregate(**_counts(now), changed=Max("updated_at"), rows=Count("id"))
    groups = (
        tasks.filter(group__isnull=False)
        .order_by()
        .values("group_id", "group__code", "group__name", "group__order")
        .annotate(**_counts(now), listed=Count("id"))
    )
    units = (
        tasks.filter(unit__isnull=False)
        .order_by()
        .values("unit_id", "unit__code", "unit__name", "unit__current_name", "unit__order")
        .annotate(
            **_counts(now),
            listed=Count("id", filter=Q(group__isnull=True)),
            in_groups=Count("id", filter=Q(group__isnull=False)),
        )
    )
    by_group = [
        _with_rates(dict(r, key=f"g{r['group_id']}", code=r["group__code"], name=r["group__name"]))
        for r in sorted(groups, key=lambda r: (-r["overdue"], r["group__order"], r["group_id"]))
    ]
    by_unit = [
        _with_rates(
            dict(
                r,
                key=f"u{r['unit_id']}",
                code=r["unit__code"],
                name=r["unit__current_name"] or r["unit__name"],
            )
        )
        for r in sorted(units, key=lambda r: (-r["overdue"], -r["open"], r["unit__order"], r["unit_id"]))
    ]
    sig = "|".join(str(totals[k]) for k in ("rows", "changed", "total", "signed", "done", "overdue"))
    return {"totals": _with_rates(totals), "by_group": by_group, "by_unit": by_unit, "sig": sig}


def board_section(tasks, key):
    """The tasks listed under one section of the board: "g<id>" a group's, "u<id>" a unit's without a
    group. None when the key is not one."""
    kind, pk = key[:1], key[1:]
    if not pk.isdigit() or kind not in ("g", "u"):
        return None
    if kind == "g":
        return tasks.filter(group_id=int(pk))
    return tasks.filter(unit_id=int(pk), group__isnull=True)
