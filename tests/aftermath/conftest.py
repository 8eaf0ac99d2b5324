"""Fixtures for the aftermath tests (issue 9, §7): the incident fixtures (people, make_incident,
incident_in, walk …), a fresh user per call, the county government's people, an incident with an
accident of a chosen grade, and helpers that fill and submit the §7.2 records through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.incidents.conftest import (  # noqa: F401  (fixtures, requested by name)
    authorised,
    incident_in,
    make_incident,
    people,
    settle_aftermath,
    walk,
)

REASON = "测试：按预案研判决定"

# 附件5 figures that make each grade (DOMAIN.md §2; incidents/plan_rules.py).
GRADE_FIGURES = {
    None: {},
    "general": {"deaths": 1},
    "larger": {"deaths": 3},
    "major": {"deaths": 10},
    "extraordinary": {"deaths": 30},
}


@pytest.fixture
def fresh():
    """A fresh user object (permissions are cached per user object, i.e. per request)."""
    from django.contrib.auth import get_user_model

    return lambda username: get_user_model().objects.select_related("person").get(username=username)


def unit_user(unit_code, post="unit_liaison"):
    """The username of whoever holds ``post`` at the unit (the demo set gives every unit a liaison and
    a head; some are named demo accounts, e.g. "county" for 永济市人民政府)."""
    from orgchart.models import Appointment

    return (
        Appointment.objects.filter(
            unit__code=unit_code, position__code=post, role="holder", person__user__isnull=False
        )
        .order_by("id")
        .values_list("person__user__username", flat=True)
        .first()
    )


@pytest.fixture
def in_aftermath(incident_in):  # noqa: F811  (the imported fixture, requested by name)
    """in_aftermath(grade=None, level=3, **fields) → an incident walked to aftermath with the 附件5
    figures of that accident grade (None: no accident)."""

    def make(grade=None, level=3, **fields):
        return incident_in("aftermath", level=level, **{**GRADE_FIGURES[grade], **fields})

    return make


def full_raw(kind, **overrides):
    """Every field of the record filled with valid text (numbers as strings, like a form)."""
    from aftermath import plan

    raw = {}
    for f in plan.FIELDS[kind]:
        raw[f.name] = {"int": "0", "money": "0"}.get(f.kind, f"测试：{f.label}")
    raw.update(overrides)
    return raw


def submit_record(incident, kind, user, **overrides):
    from aftermath import services

    services.save_draft(incident_id=incident.pk, kind=kind, user=user, raw=full_raw(kind, **overrides))
    return services.submit(incident_id=incident.pk, kind=kind, user=user)


def close_items(incident, user):
    """Every open task of the incident closed as not applicable (the office's move)."""
    from aftermath import services
    from command.models import Assignment

    for task in Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES):
        services.item_not_applicable(task_id=task.pk, user=user, reason="测试：本事件不涉及")


def tomorrow():
    return timezone.localdate() + timedelta(days=1)
