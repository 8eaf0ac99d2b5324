"""Small pieces the generator's planners share: time helpers, the even split, the draft of one incident
and the incident "as it stood" at a moment."""

import math
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from .data import COUNTY_SEATS


def map_point(county_code, seq):
    """(lon, lat) near the county seat, or (None, None); its own random stream, so adding points does not
    change the rest of the generated winter."""
    seat = COUNTY_SEATS.get(county_code)
    r = random.Random(seq)
    if seat is None or r.random() < 1 / 3:
        return None, None
    return (
        Decimal(str(round(seat[0] + r.uniform(-0.05, 0.05), 6))),
        Decimal(str(round(seat[1] + r.uniform(-0.04, 0.04), 6))),
    )


def round_half_up(x):
    return math.floor(x + 0.5)


def minutes(m):
    return timedelta(minutes=m)


def hours(h):
    return timedelta(hours=h)


def plain_time(value):
    """As the services record a time in ``changes`` (incidents.services._plain)."""
    return timezone.localtime(value).isoformat(timespec="minutes")


def allocate(total, weights):
    """Split ``total`` into whole parts proportional to ``weights`` (largest remainder; deterministic)."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    quotas = [total * w / weight_sum for w in weights]
    parts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class Day:
    """A day of a past heating season: its weight for drawing occurrences, its lowest temperature (℃)
    and its cold spell, if any."""

    date: date
    weight: float
    tmin: int
    spell: int | None


@dataclass(eq=False)
class IncidentDraft:
    """One incident being generated, with its essential events (the lifecycle) and what else belongs
    (a draft, not a "plan": in this project the plan is the 预案)."""

    inc: object
    fate: str  # responded | handled | handled_archived | dismissed | reported | assessing | responding
    active: bool
    day: Day | None = None
    levels: list = field(default_factory=list)  # [(level, at)]
    act_at: datetime | None = None
    end_at: datetime | None = None  # response ended (past) / None
    close_at: datetime | None = None  # last lifecycle move
    essentials: list = field(default_factory=list)
    preferred: list = field(default_factory=list)
    groups: list = field(default_factory=list)  # ActivatedGroup rows (unsaved)
    group_at: datetime | None = None
    tasks: list = field(default_factory=list)
    extras: int = 0
    filler_events: list = field(default_factory=list)
    filler_rows: dict = field(default_factory=dict)

    @property
    def responded(self):
        return bool(self.levels)

    @property
    def final_level(self):
        return self.levels[-1][0] if self.levels else None


@contextmanager
def as_of(inc, at, level="keep"):
    """The incident as it stood at ``at``: not yet restored if restoration came later; ``level`` the
    level in force then. Restores the instance afterwards."""
    saved = inc.restored_at, inc.level
    if inc.restored_at is not None and inc.restored_at > at:
        inc.restored_at = None
    if level != "keep":
        inc.level = level
    try:
        yield inc
    finally:
        inc.restored_at, inc.level = saved
