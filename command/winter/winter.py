"""The generated winter: one object that drafts every incident with its lifecycle, groups, tasks and
timeline in memory, checks them, then writes them in bulk (``Winter.write``).

The work is split by subject into the planners it is built of: the incidents and their figures
(``drafting``), the lifecycle as timeline events (``moves``), activated groups and tasks
(``assignments``), setups and the remaining events (``extras``), validation and the bulk write
(``writing``). All draw from one random stream in a fixed order, so the same seed and ``--now`` give
the same winter.
"""

from datetime import date, datetime, timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from orgchart.models import ServiceArea

from .assignments import AssignmentPlanner
from .common import Day, round_half_up
from .data import ACTIVE_STATE_SHARES, COUNTY_WEIGHTS, HOUR_WEIGHTS
from .drafting import IncidentDrafting
from .extras import ExtrasPlanner
from .moves import LifecyclePlanner
from .writing import WinterWriter


class Winter(IncidentDrafting, LifecyclePlanner, AssignmentPlanner, ExtrasPlanner, WinterWriter):
    """``plan()`` drafts the whole winter in memory, ``write()`` stores it; see the module docstring."""

    def __init__(self, ctx, rng, now, opts):
        self.ctx, self.rng, self.now = ctx, rng, now
        self.n_past, self.n_active = opts["past"], opts["active"]
        self.n_tasks, self.n_events, self.drills = opts["tasks"], opts["events"], opts["drills"]
        self.tz = timezone.get_current_timezone()
        self.total_area = ctx.area.heated_area_m2
        # The service area covering each county (附件4(1), reading): the built-up area or the county's own.
        self.area_of = {}
        for a in ServiceArea.objects.filter(active=True).prefetch_related("counties").order_by("-is_default"):
            for c in a.counties.all():
                self.area_of.setdefault(c.pk, a)
        self.drafts = []
        self.linked = {}  # names of the linked events (one per cold spell) to get or create
        self.rows = {}  # label -> list of unsaved rows
        self.seq = 0

    def total_of(self, inc):
        """The heated area of the incident's service area (its county's own where it has a total)."""
        return inc.service_area.heated_area_m2 or self.total_area

    # ---- calendar ---------------------------------------------------------------------------------

    def windows(self):
        """(first day, last day) of the past heating seasons: the two complete ones before the current
        or last season, plus the current one up to a week ago (past incidents must have had time to be
        archived)."""
        local = timezone.localtime(self.now, self.tz)
        last_day = (local - timedelta(days=7)).date()
        y = local.year if (local.month, local.day) >= (11, 15) else local.year - 1
        in_season = local.date() <= date(y + 1, 3, 15)
        years = (y - 2, y - 1, y) if in_season else (y - 1, y)
        result = []
        for sy in years:
            first, last = date(sy, 11, 15), min(date(sy + 1, 3, 15), last_day)
            if last >= first:
                result.append((first, last))
        return result

    def build_days(self):
        rng = self.rng
        self.days, spell_id = [], 0
        self.spells = {}
        for first, last in self.windows():
            n = (last - first).days + 1
            season_days = [first + timedelta(days=i) for i in range(n)]

            def cold(d, first=first):
                idx = (d - first).days
                return max(0.0, 1 - ((idx - 61) / 75) ** 2)  # coldest mid-January

            spell_of = {}
            for _ in range(max(0, round(n / 25))):
                start = rng.choices(season_days, weights=[cold(d) + 0.15 for d in season_days])[0]
                length = rng.randint(3, 7)
                spell_id += 1
                drop = rng.uniform(5, 9)
                for k in range(length):
                    d = start + timedelta(days=k)
                    if d <= last and d not in spell_of:
                        spell_of[d] = (spell_id, drop)
                self.spells[spell_id] = start
            for d in season_days:
                spell = spell_of.get(d)
                tmin = 1 - 8 * cold(d) + rng.uniform(-2, 2) - (spell[1] if spell else 0)
                weight = (1 + 1.2 * cold(d)) * (2.2 if spell else 1) * (1.8 if (d - first).days < 7 else 1)
                self.days.append(Day(d, weight, round(tmin), spell[0] if spell else None))
        if not self.days and self.n_past:
            raise CommandError("没有可用的过去采暖季日期。 / No past heating-season days to use.")
        self.cum = []
        total = 0.0
        for d in self.days:
            total += d.weight
            self.cum.append(total)
        self.spell_days = [d for d in self.days if d.spell] or sorted(self.days, key=lambda d: d.tmin)[:10]

    def local(self, d, hour, minute, second=0):
        return datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=self.tz)

    def sample_occurrence(self, category, drill):
        rng = self.rng
        if drill:
            day = rng.choice(self.days)
            hour = rng.randint(9, 15)
        else:
            day = (
                rng.choice(self.spell_days)
                if category == "extreme_cold"
                else rng.choices(self.days, cum_weights=self.cum)[0]
            )
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        return day, self.local(day.date, hour, rng.randrange(60), rng.randrange(60))

    # ---- people -----------------------------------------------------------------------------------

    def user(self, username):
        return self.ctx.users[username]

    # ---- planning ---------------------------------------------------------------------------------

    def plan(self):
        rng = self.rng
        if self.n_past:
            self.build_days()
        total = self.n_past + self.n_active
        counties = rng.choices(list(COUNTY_WEIGHTS), weights=list(COUNTY_WEIGHTS.values()), k=total)
        if total >= len(COUNTY_WEIGHTS):  # every county appears
            order = list(COUNTY_WEIGHTS)
            rng.shuffle(order)
            counties[: len(order)] = order
        past_drills = set(rng.sample(range(self.n_past), round_half_up(self.drills * self.n_past)))
        active_drills = set(rng.sample(range(self.n_active), round_half_up(self.drills * self.n_active)))
        for i in range(self.n_past):
            self.drafts.append(self.plan_past(counties[i], i in past_drills))
        states = []
        for state, share in ACTIVE_STATE_SHARES:
            states += [state] * round_half_up(share * self.n_active)
        states = (states + ["responding"] * self.n_active)[: self.n_active]
        if self.n_active and "responding" not in states:
            states[0] = "responding"
        rng.shuffle(states)
        for i, state in enumerate(states):
            self.drafts.append(self.plan_active(counties[self.n_past + i], i in active_drills, state))
        self.drafts.sort(key=lambda p: (p.inc.reported_at, p.inc.title))
        self.plan_tasks()
        self.plan_setups()
        self.check_events()
        self.plan_extras()
        for p in self.drafts:
            p.filler_events, p.filler_rows = self.fillers(p)
            p.inc.state = p._state
            if p.responded:
                p.inc.level, p.inc.level_since = p.levels[-1]
        self.validate()
