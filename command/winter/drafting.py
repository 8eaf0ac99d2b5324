"""Drafting one incident: where and what (county, category, title), its figures and outage times by the
level it will have, and its lifecycle (``moves``). Past incidents fall on the heating seasons' days;
active ones within the last hours."""

import math
from decimal import Decimal

from django.utils import timezone

from incidents.models import Incident
from orgchart.demo import demo_name, demo_phone

from .common import IncidentDraft, hours, map_point, minutes
from .data import (
    ACTIVE_LEVEL_WEIGHTS,
    BIG_CATEGORIES,
    BIG_TITLES,
    BUILT_UP,
    CATEGORY_WEIGHTS,
    DEMO_COMPANIES,
    ESTATES,
    GENERIC_STREETS,
    MARK,
    PAST_LEVEL_WEIGHTS,
    RESPONSE_RATE,
    SOURCE_WEIGHTS,
    STREETS,
    TITLES,
)


class IncidentDrafting:
    """The incidents themselves (a ``Winter`` part)."""

    def new_incident(self, county_code, category, drill, occurred, mode):
        rng, ctx = self.rng, self.ctx
        county = ctx.counties[county_code]
        streets = STREETS.get(county_code, GENERIC_STREETS)
        street = rng.choice(streets)
        estate = rng.choice(ESTATES)
        place = f"{street}{estate}" if county_code in STREETS else f"{county.name}{street}"
        big = mode in ("share", "city")  # a large part of the built-up area: the heat source, a trunk main
        template, facility, itype = rng.choice((BIG_TITLES if big else TITLES)[category])
        company = None
        if county_code in STREETS and category not in ("extreme_cold", "other"):
            code = "demo-heat-source" if facility == "heat_source_plant" else rng.choice(DEMO_COMPANIES[:2])
            company = ctx.companies[code]
        company_name = company.display_name if company else f"{county.name}供热公司"
        title = template.format(
            place=place,
            n=rng.randint(1, 40),
            dn=rng.choice((300, 400, 500, 600, 800)),
            company=company_name,
            county=county.name,
        )
        source = (
            "other" if drill else rng.choices(list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()))[0]
        )
        self.seq += 1
        lon, lat = map_point(county.code, self.seq)
        inc = Incident(
            title=f"{MARK}{title}"[:120],
            lon=lon,
            lat=lat,
            category=category,
            incident_type=itype,
            facility=facility,
            service_area=self.area_of.get(county.pk, ctx.area),
            county=county,
            address=f"{county.name}{street}{rng.randint(1, 300)}号",
            company=company,
            occurred_at=occurred,
            is_drill=drill,
            source=source,
            reporter_name="演练导调组" if drill else demo_name(1000 + self.seq),
            reporter_phone="" if drill else demo_phone(7_000_000 + self.seq),
            reporter_unit=(
                company_name
                if source == "company"
                else f"{county.name}城市管理局"
                if source == "county"
                else ""
            ),
            plan_version=ctx.plan,
            created_by=self.user("office"),
        )
        return inc

    def describe(self, inc, day, extra=""):
        when = timezone.localtime(inc.occurred_at, self.tz)
        text = f"{when:%m月%d日 %H:%M}，{inc.address}附近：{inc.title[len(MARK) :]}。"
        if day is not None:
            text += f"当日最低气温{day.tmin}℃。"
        if inc.affected_area_m2:
            text += f"影响供热面积约{int(inc.affected_area_m2):,}平方米、约{inc.affected_households:,}户。"
        if inc.is_drill:
            text += "（演练）"
        inc.description = text + extra

    def choose_mode(self, category, level, county_code):
        """What made the level: a share of the built-up area's heat (附件4(1): only where the service
        area is, in the built-up area), people at risk (3), an accident (2), or the command's judgment."""
        rng = self.rng
        big_ok = county_code in BUILT_UP and category in BIG_CATEGORIES
        if level == 3:
            weights = (25, 30, 30, 15 if big_ok else 0)
            return rng.choices(("people", "accident", "judgment", "share"), weights=weights)[0]
        if level == 2:
            return "share" if big_ok and rng.random() < 0.7 else "people"
        if level == 1:
            return "city" if big_ok and category in ("supply_shortage", "extreme_cold") else "people"
        return "small"

    def figures(self, inc, level, mode, active):
        """Outage and casualty figures fitting the level actually used (small outages, long tail)."""
        rng, total = self.rng, self.total_of(inc)
        quarter = int(total / 4)
        if mode == "share" and level == 3:
            area = rng.randint(quarter, int(total / 2) - 1)
        elif mode == "share":
            area = rng.randint(int(total / 2), int(total) - 1)
        elif mode == "city":
            area = int(total)
        elif mode == "judgment":
            area = min(int(rng.lognormvariate(math.log(400_000), 0.8)), quarter - 1)
        else:
            area = min(max(int(rng.lognormvariate(math.log(25_000), 1.3)), 300), quarter - 1)
        inc.affected_area_m2 = Decimal(area).quantize(Decimal("0.01"))
        inc.affected_households = max(1, round(area / rng.uniform(80, 110)))
        known = not active or rng.random() < 0.6
        inc.deaths = inc.serious_injuries = 0 if known else None
        if mode == "people":
            inc.people_at_risk_peak = {3: rng.randint(1, 2), 2: rng.randint(3, 9), 1: rng.randint(10, 14)}[
                level
            ]
        hurt = not inc.is_drill and (  # few casualties: now and then someone scalded; drills have none
            (mode == "accident" and rng.random() < 0.35)
            or (level == 4 and rng.random() < 0.015)
            or (level in (1, 2) and rng.random() < 0.1)
        )
        if hurt:
            inc.serious_injuries = rng.randint(1, 2)
            if level <= 3 and rng.random() < 0.1:
                inc.deaths = 1
            if active and rng.random() < 0.5:
                inc.serious_injuries_pending = True
                inc.deaths_pending = inc.deaths is not None and inc.deaths > 0
        if level and (mode == "accident" or rng.random() < 0.3):  # a loss > 0 makes it a 一般事故 (附件5)
            scale = 150_000 if level >= 3 else 2_000_000
            loss = min(int(rng.lognormvariate(math.log(scale), 0.9)), 9_000_000)
            inc.direct_loss_yuan = Decimal(loss).quantize(Decimal("0.01"))
            inc.direct_loss_pending = active and rng.random() < 0.5
        if level == 1 and rng.random() < 0.5:
            inc.beyond_city_capacity = True

    def outage(self, inc, level, active):
        """Times: outage start ≈ occurrence; report a little later; restoration by level."""
        rng = self.rng
        inc.outage_started_at = inc.occurred_at + minutes(rng.uniform(0, 25))
        lag = min(max(rng.lognormvariate(math.log(18), 0.8), 2), 360)
        inc.reported_at = inc.occurred_at + minutes(lag)
        if active:
            return
        median = {None: 5, 4: 14, 3: 28, 2: 40, 1: 60}[level]
        low = 1 if level is None else 2
        cap = 23 if level is None else 96
        duration = min(max(rng.lognormvariate(math.log(median), 0.6), low), cap)
        if level and level <= 3 and inc.affected_area_m2 >= self.total_of(inc) / 4:
            duration = max(duration, 24 + rng.uniform(0, 30))
        inc.restored_at = inc.outage_started_at + hours(duration)
        if rng.random() < 0.85:
            inc.estimated_restoration_at = inc.outage_started_at + hours(duration * rng.uniform(0.7, 1.3))

    def plan_past(self, county_code, drill):
        rng = self.rng
        if drill:
            category = rng.choice(("heat_source_pipeline", "equipment_failure", "extreme_cold"))
        else:
            category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        day, occurred = self.sample_occurrence(category, drill)
        if rng.random() < (0.9 if drill else RESPONSE_RATE[category]):
            fate = "responded"
        else:
            fate = "handled" if rng.random() < 0.72 else "dismissed"
            if fate == "handled" and rng.random() < 0.3:
                fate = "handled_archived"
        level = None
        if fate == "responded":
            weights = dict(PAST_LEVEL_WEIGHTS)
            if category not in BIG_CATEGORIES:
                weights[1] = weights[2] = 0
            if drill:
                weights = {4: 55, 3: 37, 2: 8, 1: 0}
            level = rng.choices(list(weights), weights=list(weights.values()))[0]
        mode = self.choose_mode(category, level, county_code)
        inc = self.new_incident(county_code, category, drill, occurred, mode)
        p = IncidentDraft(inc=inc, fate=fate, active=False, day=day)
        if fate == "dismissed":
            inc.reported_at = inc.occurred_at + minutes(rng.uniform(5, 60))
        else:
            self.figures(inc, level, mode, active=False)
            self.outage(inc, level, active=False)
            if fate == "responded":
                inc.hazards_controlled = True
            elif rng.random() < 0.5:
                inc.hazards_controlled = True
        inc.created_at = inc.reported_at + minutes(rng.uniform(1, 12))
        self.describe(inc, day)
        self.link_to_spell(p)
        self.lifecycle_past(p, level)
        return p

    def link_to_spell(self, p):
        """Incidents of one cold spell are linked (关联事件), as the office does for a cold wave."""
        inc = p.inc
        if p.day is None or not p.day.spell or inc.category not in ("extreme_cold", "supply_shortage"):
            return
        start = self.spells[p.day.spell]
        name = f"{MARK}{start.year}年{start.month}月{start.day}日起寒潮"
        self.linked.setdefault(name, None)
        inc._linked_name = name

    def plan_active(self, county_code, drill, state):
        rng, now = self.rng, self.now
        if drill:
            category = rng.choice(("heat_source_pipeline", "equipment_failure"))
        else:
            category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        span = {
            "reported": rng.uniform(2, 50) / 60,
            "assessing": rng.uniform(20, 360) / 60,
            "responding": rng.uniform(1.5, 36),
        }[state]
        reported = now - hours(span)
        occurred = reported - minutes(min(max(rng.lognormvariate(math.log(18), 0.7), 3), 180))
        level = None
        if state == "responding":
            weights = dict(ACTIVE_LEVEL_WEIGHTS)
            if category not in BIG_CATEGORIES:
                weights[1] = weights[2] = 0
            level = rng.choices(list(weights), weights=list(weights.values()))[0]
        mode = self.choose_mode(category, level, county_code)
        inc = self.new_incident(county_code, category, drill, occurred, mode)
        p = IncidentDraft(inc=inc, fate=state, active=True)
        self.figures(inc, level, mode, active=True)
        inc.outage_started_at = occurred + minutes(rng.uniform(0, 15))
        inc.reported_at = reported
        if rng.random() < 0.8:
            inc.estimated_restoration_at = max(now, inc.outage_started_at) + hours(rng.uniform(1, 30))
            if level and level <= 3 and inc.affected_area_m2 >= self.total_of(inc) / 4:
                inc.estimated_restoration_at = max(
                    inc.outage_started_at + hours(24 + rng.uniform(2, 30)), now + hours(rng.uniform(1, 12))
                )
        if inc.people_at_risk_peak:
            inc.still_trapped = rng.randint(0, inc.people_at_risk_peak)
            inc.still_missing = (
                rng.randint(0, inc.people_at_risk_peak - inc.still_trapped) if rng.random() < 0.3 else 0
            )
        inc.hazards_controlled = rng.random() < 0.4
        inc.created_at = min(reported + minutes(rng.uniform(1, 8)), now)
        self.describe(inc, None)
        self.lifecycle_active(p, level)
        return p
