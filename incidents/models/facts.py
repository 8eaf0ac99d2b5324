"""The facts derived from an incident's figures (DOMAIN.md §2–3): outage share and hours, the grade
(附件5) and the recommendation (附件4), read through ``rules.py`` (pure). ``Incident`` takes them from
``IncidentFacts``; every save stores a copy in the ``fact_*`` fields (issue 15)."""

from datetime import timedelta
from fractions import Fraction
from typing import NamedTuple

from django.utils import timezone

from .. import rules
from ..plan_rules import RULES_2021


class OutageHours(NamedTuple):
    """Hours without heat, elapsed and estimated apart (DOMAIN §6), as exact Fractions of an hour."""

    elapsed: Fraction
    estimate_total: Fraction | None
    estimate_remaining: Fraction | None
    restored: bool
    basis: str  # "elapsed" 已满24小时 · "estimate" 预计超过24小时 · "" not firm


# The stored derived facts of an incident (``Incident.derive_facts``), written by every save.
FACT_FIELDS = (
    "fact_grade",
    "fact_grade_provisional",
    "fact_rec_level",
    "fact_rec_status",
    "fact_rec_firm_at",
)


class IncidentFacts:
    """The derived facts of ``Incident`` (a mixin of the model; no fields)."""

    @property
    def rules_data(self):
        return self.plan_version.rules if self.plan_version_id else RULES_2021

    @property
    def outage_share(self):
        """Affected heated area ÷ the service area's heated area (exact), or None if either is unknown.
        Capped at 1 (全城停热); ``outage_area_exceeds_total`` tells the page to flag the data error."""
        total = self.service_area.heated_area_m2
        if self.affected_area_m2 is None or not total:
            return None
        return min(Fraction(self.affected_area_m2) / Fraction(total), Fraction(1))

    @property
    def outage_area_exceeds_total(self):
        total = self.service_area.heated_area_m2
        return bool(total and self.affected_area_m2 is not None and self.affected_area_m2 > total)

    def unrestored_hours(self, now=None):
        """DOMAIN.md §3: restored − start once restored; else max(now − start, estimate − start)."""
        if self.outage_started_at is None:
            return None
        if self.restored_at is not None:
            end = self.restored_at
        else:
            now = now or timezone.now()
            end = max(now, self.estimated_restoration_at or now)
        seconds = max(int((end - self.outage_started_at).total_seconds()), 0)
        return Fraction(seconds, 3600)

    def outage_hours(self, now=None):
        """DOMAIN §6 "Hours without heat": the elapsed outage (``elapsed``: restored − start, or now −
        start) and, apart, the estimate (``estimate_total``: estimate − start; ``estimate_remaining``:
        estimate − now), never mixed. ``basis`` says on what the 24 h criterion (附件4) is firm: "elapsed"
        (已满24小时), "estimate" (预计超过24小时) or "" (not firm). None without an outage."""
        if self.outage_started_at is None:
            return None
        now = now or timezone.now()
        start, restored = self.outage_started_at, self.restored_at

        def hours(a, b):
            return Fraction(max(int((b - a).total_seconds()), 0), 3600)

        elapsed = hours(start, restored or now)
        estimate = None if restored else self.estimated_restoration_at
        total = hours(start, estimate) if estimate else None
        remaining = hours(now, estimate) if estimate else None
        limit = Fraction(self.rules_data["firm_after_hours"])
        basis = "elapsed" if elapsed >= limit else "estimate" if total is not None and total >= limit else ""
        return OutageHours(elapsed, total, remaining, restored is not None, basis)

    def firm_at(self):
        """When the 24-hour criterion is met (outage start + 24 h), or None without an outage."""
        if self.outage_started_at is None:
            return None
        seconds = Fraction(self.rules_data["firm_after_hours"]) * 3600
        return self.outage_started_at + timedelta(seconds=int(seconds))

    def verified_figures(self):
        return {
            "deaths": None if self.deaths_pending else self.deaths,
            "serious_injuries": None if self.serious_injuries_pending else self.serious_injuries,
            "direct_loss_yuan": None if self.direct_loss_pending else self.direct_loss_yuan,
        }

    @property
    def grade_provisional(self):
        return self.deaths_pending or self.serious_injuries_pending or self.direct_loss_pending

    def grade(self):
        """(grade or None, reasons) from the verified figures (附件5)."""
        return rules.explain_grade(**self.verified_figures(), rules=self.rules_data)

    def grade_if_confirmed(self):
        """The grade if the 待核定 figures are confirmed as reported."""
        return rules.grade_accident(
            deaths=self.deaths,
            serious_injuries=self.serious_injuries,
            direct_loss_yuan=self.direct_loss_yuan,
            rules=self.rules_data,
        )

    def recommendation(self, now=None):
        grade, _reasons = self.grade()
        return rules.recommend_level(
            outage_share=self.outage_share,
            accident_grade=grade,
            people_at_risk=self.people_at_risk_peak,
            unrestored_hours=self.unrestored_hours(now),
            beyond_city_capacity=self.beyond_city_capacity,
            restored=self.restored_at is not None,
            deaths=self.deaths,  # "可依第4项立即启动" where people are dead, verified or not
            rules=self.rules_data,
        )

    # ---- stored derived facts (issue 15) ------------------------------------------------------

    def derive_facts(self, now=None):
        """Copy the grade (附件5) and the 附件4 recommendation into the ``fact_*`` fields (computed now)."""
        now = now or timezone.now()
        grade, _reasons = self.grade()
        rec = self.recommendation(now)
        self.fact_grade = grade.value if grade else ""
        self.fact_grade_provisional = bool(self.grade_provisional)
        self.fact_rec_level = int(rec.level) if rec.level else None
        self.fact_rec_status = rec.status
        # 附件4: a provisional recommendation becomes firm once the outage has lasted 24 h (plan data).
        self.fact_rec_firm_at = self.firm_at() if rec.status == "provisional" else None

    def stored_rec_status(self, now=None):
        """The 附件4 status read from the stored facts at ``now``: a provisional one whose firm time has
        passed is firm (nothing else changes with time alone). Equals ``recommendation(now).status``."""
        status = self.fact_rec_status
        if (
            status == "provisional"
            and self.fact_rec_firm_at
            and (now or timezone.now()) >= self.fact_rec_firm_at
        ):
            return "firm"
        return status
