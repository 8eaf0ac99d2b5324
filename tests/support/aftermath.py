"""The §7.2 records filled and submitted through the aftermath services, and the 附件5 figures of each
accident grade."""

from datetime import timedelta

from django.utils import timezone

from aftermath import plan, services
from command.models import Assignment
from orgchart.models import Appointment

# 附件5 figures that make each grade (DOMAIN.md §2; incidents/plan_rules.py).
GRADE_FIGURES = {
    None: {},
    "general": {"deaths": 1},
    "larger": {"deaths": 3},
    "major": {"deaths": 10},
    "extraordinary": {"deaths": 30},
}


def unit_user(unit_code, post="unit_liaison"):
    """The username of whoever holds ``post`` at the unit (the demo set gives every unit a liaison and
    a head; some are named demo accounts, e.g. "county" for 永济市人民政府)."""

    return (
        Appointment.objects.filter(
            unit__code=unit_code, position__code=post, role="holder", person__user__isnull=False
        )
        .order_by("id")
        .values_list("person__user__username", flat=True)
        .first()
    )


def full_raw(kind, **overrides):
    """Every field of the record filled with valid text (numbers as strings, like a form)."""

    raw = {}
    for f in plan.FIELDS[kind]:
        raw[f.name] = {"int": "0", "money": "0"}.get(f.kind, f"测试：{f.label}")
    raw.update(overrides)
    return raw


def submit_record(incident, kind, user, **overrides):

    services.save_draft(incident_id=incident.pk, kind=kind, user=user, raw=full_raw(kind, **overrides))
    return services.submit(incident_id=incident.pk, kind=kind, user=user)


def close_items(incident, user):
    """Every open task of the incident closed as not applicable (the office's move)."""

    for task in Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES):
        services.item_not_applicable(task_id=task.pk, user=user, reason="测试：本事件不涉及")


def tomorrow():
    return timezone.localdate() + timedelta(days=1)
