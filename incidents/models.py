"""What happened: incidents, their follow-up reports, the upward reporting log and the timeline.

Grading and recommendation are ``rules.py`` (pure); state changes are ``lifecycle.py`` (one place, the
transition table); this module holds the data and the facts derived from it.
"""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.inputs import check_instance, window_constraint
from orgchart.models import AppendOnlyModel, County, ServiceArea, Unit

from . import rules
from .choices import Category, Facility, IncidentType, ResponseLevel, State
from .plan_rules import RULES_2021


class OutageHours(NamedTuple):
    """Hours without heat, elapsed and estimated apart (DOMAIN §6), as exact Fractions of an hour."""

    elapsed: Fraction
    estimate_total: Fraction | None
    estimate_remaining: Fraction | None
    restored: bool
    basis: str  # "elapsed" 已满24小时 · "estimate" 预计超过24小时 · "" not firm


class PlanVersion(models.Model):
    """A version of the plan (§8.2 修订). Its ``rules`` hold the 附件4/附件5 thresholds and readings."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    doc_no = models.CharField(_("文号"), max_length=60)
    title = models.CharField(_("名称"), max_length=100)
    issued_on = models.DateField(_("印发日期"))
    in_force = models.BooleanField(_("现行"), default=False)
    rules = models.JSONField(_("分级与响应条件"))

    class Meta:
        verbose_name = _("预案版本")
        verbose_name_plural = _("预案版本")
        constraints = [
            models.UniqueConstraint(
                fields=["in_force"], condition=Q(in_force=True), name="one_plan_version_in_force"
            )
        ]

    def __str__(self):
        return f"{self.title}（{self.doc_no}）"

    @classmethod
    def current(cls):
        return cls.objects.filter(in_force=True).first()

    @classmethod
    def ensure_2021(cls):
        """The 2021 plan in force, as migration 0002 creates it (tests whose database was flushed)."""
        from datetime import date

        version, _created = cls.objects.get_or_create(
            code="2021",
            defaults={
                "doc_no": "运政办发〔2021〕68 号",
                "title": "运城市城市集中供热突发事件应急预案",
                "issued_on": date(2021, 12, 23),
                "in_force": not cls.objects.filter(in_force=True).exists(),
                "rules": RULES_2021,
            },
        )
        return version


class LinkedEvent(models.Model):
    """Incidents of one event (one cold wave, one fuel shortage), linked."""

    name = models.CharField(_("关联事件名称"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("关联事件")
        verbose_name_plural = _("关联事件")

    def __str__(self):
        return self.name


class Source(models.TextChoices):
    COMPANY = "company", _("供热企业报告")
    COUNTY = "county", _("县级城管、住建部门报告")
    PUBLIC = "public", _("群众来电（12345等）")
    UNIT = "unit", _("成员单位通报")
    PATROL = "patrol", _("巡查发现")
    MEDIA = "media", _("媒体、网络")
    OTHER = "other", _("其他")


# Functions incident → iterable of unit ids that also concern the incident (unit-scoped permissions such
# as 续报 by "any unit on the incident", DOMAIN.md §5). Apps that know more register here in ready().
UNIT_PROVIDERS = []
# Functions incident → (person id, name) of the on-site commander recorded for it (§5.3.3(2)) or None;
# the command app registers one (it keeps the on-site HQ). Used by ``Incident.onsite_commander``.
ONSITE_COMMANDER_PROVIDERS = []


def service_area_refusal(area, county):
    """Why ``area`` may not be the denominator for an incident in ``county`` (附件4(1), reading)."""
    possible = [a.name for a in ServiceArea.objects.filter(active=True, counties=county).order_by("name")]
    return _(
        "所选供热服务区域“%(area)s”（含%(counties)s）不包括%(county)s：停热比例只能按覆盖事发县区的服务区域"
        "计算（附件4(1)，解读）。可选：%(possible)s。"
    ) % {
        "area": area.name,
        "counties": area.county_names() or _("未登记县区"),
        "county": county.name,
        "possible": "、".join(possible) or _("无——请先在组织体系中登记该县区的供热服务区域及其供热面积"),
    }


# Yuncheng's extent with a margin (west, south, east, north; degrees): a map point outside it is a slip.
YUNCHENG_BOUNDS = (Decimal("110.0"), Decimal("34.4"), Decimal("112.3"), Decimal("36.0"))


# The stored derived facts of an incident (``Incident.derive_facts``), written by every save.
FACT_FIELDS = (
    "fact_grade",
    "fact_grade_provisional",
    "fact_rec_level",
    "fact_rec_status",
    "fact_rec_firm_at",
)


class Incident(models.Model):
    title = models.CharField(_("简述"), max_length=120)
    category = models.CharField(_("事件类别"), max_length=32, choices=Category.choices)
    incident_type = models.CharField(_("具体情形"), max_length=32, choices=IncidentType.choices, blank=True)
    facility = models.CharField(_("受影响设施"), max_length=32, choices=Facility.choices, blank=True)
    service_area = models.ForeignKey(ServiceArea, verbose_name=_("供热服务区域"), on_delete=models.PROTECT)
    county = models.ForeignKey(County, verbose_name=_("事发地县（市、区）"), on_delete=models.PROTECT)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # A point clicked on the county map when the incident is logged (issue 8); there is no offline
    # geocoding, so it is optional and only as exact as the click. WGS-84 degrees, both or neither.
    lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    company = models.ForeignKey(
        Unit,
        verbose_name=_("涉事供热企业或热源单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        limit_choices_to={"kind": "enterprise"},
    )
    description = models.TextField(_("情况描述"), blank=True)

    occurred_at = models.DateTimeField(_("发生时间"))
    reported_at = models.DateTimeField(_("接报时间"), default=timezone.now)
    outage_started_at = models.DateTimeField(_("停热开始时间"), null=True, blank=True)
    estimated_restoration_at = models.DateTimeField(_("预计恢复供热时间"), null=True, blank=True)
    restored_at = models.DateTimeField(_("恢复供热时间"), null=True, blank=True)

    affected_area_m2 = models.DecimalField(
        _("停热面积（平方米）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    affected_households = models.PositiveIntegerField(_("停热户数"), null=True, blank=True)

    # 附件5 figures. None = unknown; *_pending = 待核定 (a preliminary figure, not 0, not yet used for grading).
    deaths = models.PositiveIntegerField(_("死亡人数"), null=True, blank=True)
    deaths_pending = models.BooleanField(_("死亡人数待核定"), default=False)
    serious_injuries = models.PositiveIntegerField(_("重伤人数（含急性工业中毒）"), null=True, blank=True)
    serious_injuries_pending = models.BooleanField(_("重伤人数待核定"), default=False)
    direct_loss_yuan = models.DecimalField(
        _("直接经济损失（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    direct_loss_pending = models.BooleanField(_("直接经济损失待核定"), default=False)

    # 附件4(3) uses the peak; §5.3.6 needs the three "still" figures at 0 to end a response.
    people_at_risk_peak = models.PositiveIntegerField(_("涉险、被困、失联人数（峰值）"), default=0)
    still_trapped = models.PositiveIntegerField(_("仍被困人数"), default=0)
    still_missing = models.PositiveIntegerField(_("仍失联人数"), default=0)
    dead_unrecovered = models.PositiveIntegerField(_("遇难未救出人数"), default=0)
    beyond_city_capacity = models.BooleanField(_("超出市级人民政府应急处置能力"), default=False)
    hazards_controlled = models.BooleanField(_("次生、衍生事故威胁已控制或消除"), default=False)

    is_drill = models.BooleanField(_("演练"), default=False)
    source = models.CharField(_("信息来源"), max_length=16, choices=Source.choices, default=Source.COMPANY)
    reporter_name = models.CharField(_("报告人"), max_length=40, blank=True)
    reporter_phone = models.CharField(_("报告人电话"), max_length=40, blank=True)
    reporter_unit = models.CharField(_("报告单位"), max_length=100, blank=True)

    state = models.CharField(_("状态"), max_length=32, choices=State.choices, default=State.REPORTED)
    level = models.PositiveSmallIntegerField(
        _("响应级别"), choices=ResponseLevel.choices, null=True, blank=True
    )
    level_since = models.DateTimeField(_("当前级别起始"), null=True, blank=True)
    linked_event = models.ForeignKey(
        LinkedEvent,
        verbose_name=_("关联事件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    plan_version = models.ForeignKey(PlanVersion, verbose_name=_("适用预案版本"), on_delete=models.PROTECT)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Derived facts stored on every save (``derive_facts``), so that the dashboard reads them instead of
    # grading every active incident on every request (issue 15). ``grade()`` and ``recommendation()``
    # stay the source of truth; these are copies written in the same transaction as the figures.
    fact_grade = models.CharField(_("事故等级（附件5，存储）"), max_length=16, blank=True, editable=False)
    fact_grade_provisional = models.BooleanField(_("事故等级暂定"), default=False, editable=False)
    fact_rec_level = models.PositiveSmallIntegerField(
        _("建议响应级别（附件4，存储）"), choices=ResponseLevel.choices, null=True, editable=False
    )
    fact_rec_status = models.CharField(_("建议状态（附件4）"), max_length=16, blank=True, editable=False)
    # A provisional recommendation becomes firm at this time (outage start + 24 h) unless written again.
    fact_rec_firm_at = models.DateTimeField(_("建议转为确定的时间"), null=True, editable=False)

    class Meta:
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["state", "-reported_at"]),
            models.Index(fields=["is_drill", "-reported_at"]),
            # The charts and statistics count a period by the time of report, drills in or out (issue 15).
            models.Index(fields=["reported_at"], name="incident_reported_at"),
        ]
        constraints = [
            window_constraint("incidents.Incident", "incident_datetimes_plausible"),  # issue 16
            models.CheckConstraint(condition=Q(state__in=State.values), name="incident_state_valid"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="incident_category_valid"),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__in=[1, 2, 3, 4]), name="incident_level_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="responding") | Q(level__isnull=False),
                name="incident_responding_has_level",
            ),
            models.CheckConstraint(
                condition=Q(direct_loss_yuan__isnull=True) | Q(direct_loss_yuan__gte=0),
                name="incident_loss_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(affected_area_m2__isnull=True) | Q(affected_area_m2__gte=0),
                name="incident_area_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(restored_at__isnull=True) | Q(outage_started_at__isnull=False),
                name="incident_restored_needs_outage",
            ),
            models.CheckConstraint(
                condition=Q(lon__isnull=True, lat__isnull=True)
                | Q(
                    # NULL compares as unknown and a CHECK lets unknown through: both must be set here.
                    lon__isnull=False,
                    lat__isnull=False,
                    lon__gte=YUNCHENG_BOUNDS[0],
                    lon__lte=YUNCHENG_BOUNDS[2],
                    lat__gte=YUNCHENG_BOUNDS[1],
                    lat__lte=YUNCHENG_BOUNDS[3],
                ),
                name="incident_point_in_yuncheng",
            ),
        ]

    def __str__(self):
        return f"{'【演练】' if self.is_drill else ''}{self.title}"

    def save(self, *args, **kwargs):
        """Every write stores the derived facts again (``derive_facts``), in the same transaction."""
        self.derive_facts()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *FACT_FIELDS}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("incidents:detail", args=[self.pk])

    # Clock skew allowed between a phone's clock and the server's when checking "not in the future".
    CLOCK_SKEW = timedelta(minutes=5)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # what the area check compares against: an incident stored before the rule keeps its area until
        # someone changes the area or the county (a 续报 that touches neither is not refused for it)
        instance._loaded_area_county = (
            instance.__dict__.get("service_area_id"),
            instance.__dict__.get("county_id"),
        )
        return instance

    def _area_or_county_chosen(self):
        """Both set, and set now (a new incident, or the area or the county changed since loading)."""
        if not (self.service_area_id and self.county_id):
            return False
        loaded = getattr(self, "_loaded_area_county", None)
        return self._state.adding or loaded is None or loaded != (self.service_area_id, self.county_id)

    def clean(self):
        """Facts that cannot be true together; messages name the field (Chinese first)."""
        errors = {}
        try:
            check_instance(self)  # the plausible window of every date-time (issue 16)
        except ValidationError as e:
            errors.update(e.message_dict)
        latest = timezone.now() + self.CLOCK_SKEW
        for name in ("occurred_at", "reported_at", "outage_started_at", "restored_at"):
            value = getattr(self, name)
            if value and value > latest:
                errors.setdefault(name, []).append(_("时间不能晚于现在。"))
        if self.occurred_at and self.reported_at and self.occurred_at > self.reported_at:
            errors.setdefault("reported_at", []).append(_("接报时间不能早于发生时间。"))
        if self.restored_at and not self.outage_started_at:
            errors.setdefault("outage_started_at", []).append(_("已填写恢复供热时间，请填写停热开始时间。"))
        if self.restored_at and self.outage_started_at and self.restored_at < self.outage_started_at:
            errors.setdefault("restored_at", []).append(_("恢复供热时间不能早于停热开始时间。"))
        if (
            self.estimated_restoration_at
            and self.outage_started_at
            and self.estimated_restoration_at < self.outage_started_at
        ):
            errors.setdefault("estimated_restoration_at", []).append(_("预计恢复时间不能早于停热开始时间。"))
        for name in ("still_trapped", "still_missing"):
            if (getattr(self, name) or 0) > (self.people_at_risk_peak or 0):
                errors.setdefault(name, []).append(_("不能大于涉险、被困、失联人数的峰值。"))
        if self._area_or_county_chosen() and not self.service_area.covers(self.county_id):
            # 附件4(1), reading (DOMAIN §6): the share only against a service area covering the county
            errors.setdefault("service_area", []).append(service_area_refusal(self.service_area, self.county))
        total = self.service_area.heated_area_m2 if self.service_area_id else None
        if total and self.affected_area_m2 is not None and self.affected_area_m2 > total:
            errors.setdefault("affected_area_m2", []).append(
                _("停热面积不能大于%(area)s的供热面积（%(total)s 平方米）。")
                % {"area": self.service_area.name, "total": f"{total:,.0f}"}
            )
        if (self.lon is None) != (self.lat is None):
            errors.setdefault("lon", []).append(_("地图位置须同时有经度和纬度。"))
        elif self.lon is not None and not (
            YUNCHENG_BOUNDS[0] <= Decimal(self.lon) <= YUNCHENG_BOUNDS[2]
            and YUNCHENG_BOUNDS[1] <= Decimal(self.lat) <= YUNCHENG_BOUNDS[3]
        ):
            errors.setdefault("lon", []).append(_("地图位置不在运城市范围内。"))
        if errors:
            raise ValidationError(errors)

    @property
    def ref(self):
        return f"{timezone.localtime(self.reported_at):%Y}-{self.pk:05d}"

    @property
    def level_enum(self):
        return ResponseLevel(self.level) if self.level else None

    @property
    def county_government(self):
        """事发地县级政府 (DOMAIN.md §4)."""
        return self.county.government

    def permission_unit_ids(self):
        """The units this incident concerns, for unit-scoped permissions (orgchart.permissions): the
        company, the county government, and the units other apps register (``UNIT_PROVIDERS``: the
        command app adds the units working on the incident). Cached on the instance."""
        cached = getattr(self, "_permission_unit_ids", None)
        if cached is None:
            ids = {uid for uid in (self.company_id, self.county.government_id) if uid}
            for provider in UNIT_PROVIDERS:
                ids.update(provider(self))
            cached = self._permission_unit_ids = sorted(ids)
        return cached

    def onsite_commander(self):
        """(person id, name) of the on-site commander recorded for this incident (§5.3.3(2)), or None;
        the permission layer asks it for ending Ⅰ/Ⅱ (§5.3.6). Cached on the instance."""
        if not hasattr(self, "_onsite_commander"):
            found = (provider(self) for provider in ONSITE_COMMANDER_PROVIDERS)
            self._onsite_commander = next((f for f in found if f), None)
        return self._onsite_commander

    # ---- derived facts (DOMAIN.md §2–3) ------------------------------------------------------

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

    # ---- state changes: see lifecycle.py -----------------------------------------------------

    def _move(self, move, actor, **kwargs):
        from . import lifecycle

        fresh = lifecycle.perform(self.pk, move=move, actor=actor, **kwargs)
        self.refresh_from_db()
        return fresh

    def start_assessment(self, actor, **kw):
        return self._move("start_assessment", actor, **kw)

    def activate(self, actor, *, level, reason="", **kw):
        return self._move("activate", actor, level=level, reason=reason, **kw)

    def change_level(self, actor, *, level, reason, **kw):
        return self._move("change_level", actor, level=level, reason=reason, **kw)

    def end_response(self, actor, *, reason="", **kw):
        return self._move("end_response", actor, reason=reason, **kw)

    def begin_aftermath(self, actor, **kw):
        return self._move("begin_aftermath", actor, **kw)

    def archive(self, actor, **kw):
        return self._move("archive", actor, **kw)

    def close_without_response(self, actor, *, reason, **kw):
        return self._move("close_without_response", actor, reason=reason, **kw)

    def dismiss(self, actor, *, reason, merged_into=None, **kw):
        return self._move("dismiss", actor, reason=reason, merged_into=merged_into, **kw)

    def reopen(self, actor, *, reason, **kw):
        return self._move("reopen", actor, reason=reason, **kw)


class FirstMeasure(models.Model):
    """先期处置 (§5.2): what the company (or the local government) did first, with times."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="first_measures")
    at = models.DateTimeField(_("时间"))
    by = models.CharField(_("实施单位"), max_length=100)
    text = models.TextField(_("措施"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("先期处置")
        verbose_name_plural = _("先期处置")
        ordering = ["at", "id"]
        constraints = [window_constraint("incidents.FirstMeasure", "first_measure_at_plausible")]

    def __str__(self):
        return f"{self.at:%m-%d %H:%M} {self.by}"


class FollowUpReport(AppendOnlyModel):
    """续报 (§5.1): updated figures with a note; ``changes`` = {field: [old, new]}."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="follow_ups")
    at = models.DateTimeField(_("续报时间"), default=timezone.now)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("续报内容"))
    changes = models.JSONField(_("数据变化"), default=dict)
    grade_before = models.CharField(max_length=16, blank=True)
    grade_after = models.CharField(max_length=16, blank=True)
    level_before = models.PositiveSmallIntegerField(null=True, blank=True)
    level_after = models.PositiveSmallIntegerField(null=True, blank=True)
    # DOMAIN §6: a 续报 that lowers a peak is a correction (更正), with its reason
    correction_reason = models.TextField(_("更正理由"), blank=True, default="")

    class Meta:
        verbose_name = _("续报")
        verbose_name_plural = _("续报")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.incident_id} 续报 {self.at:%m-%d %H:%M}"


class Recipient(models.TextChoices):
    """Where reports go upward (§5.1, §9, §11 of the plan as summarised in DOMAIN.md §5)."""

    GENERAL_DUTY_ROOM = "general_duty_room", _("市应急救援总指挥部总值班室")
    COMMANDER = "commander", _("市指挥部指挥长")
    PROVINCE_HOUSING = "province_housing", _("省住建厅")
    SAFETY_REGULATOR = "safety_regulator", _("应急管理部门（安全生产监管）")
    LOCAL_GOVERNMENT = "local_government", _("事发地政府")
    COMPETENT_DEPARTMENT = "competent_department", _("主管部门（城管、住建）")
    MEMBER_UNITS = "member_units", _("市指挥部各成员单位")
    CITY_GOVERNMENT = "city_government", _("市委、市政府")
    OTHER = "other", _("其他")


class UpwardReport(models.Model):
    """The reporting log (§5.1): each report sent upward, to whom, when, and its deadline."""

    class Sender(models.TextChoices):
        COMPANY = "company", _("事发企业")
        COUNTY = "county", _("县级部门")
        CITY = "city", _("市城市管理局、市住建局（市指挥部办公室）")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="upward_reports")
    sender = models.CharField(_("报告方"), max_length=16, choices=Sender.choices, default=Sender.CITY)
    recipient = models.CharField(_("报告对象"), max_length=32, choices=Recipient.choices)
    recipient_detail = models.CharField(_("报告对象（补充）"), max_length=100, blank=True)
    channel = models.CharField(_("方式"), max_length=40, blank=True)
    due_at = models.DateTimeField(_("时限"))
    deadline_rule = models.CharField(_("时限依据"), max_length=120, blank=True)
    sent_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    summary = models.TextField(_("报告内容摘要"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("信息报送记录")
        verbose_name_plural = _("信息报送记录")
        ordering = ["due_at", "id"]
        constraints = [window_constraint("incidents.UpwardReport", "upward_report_times_plausible")]

    def __str__(self):
        return f"{self.get_recipient_display()} {self.due_at:%m-%d %H:%M}"

    def is_late(self, now=None):
        if self.sent_at:
            return self.sent_at > self.due_at
        return (now or timezone.now()) > self.due_at


class TimelineEvent(AppendOnlyModel):
    """The incident's append-only record: who, when, what, from, to, why, under which clause."""

    class Kind(models.TextChoices):
        CREATED = "created", _("接报登记")
        STATE = "state", _("状态变化")
        LEVEL = "level", _("响应级别")
        FOLLOW_UP = "follow_up", _("续报")
        UPWARD_REPORT = "upward_report", _("信息报送")
        FIRST_MEASURE = "first_measure", _("先期处置")
        LINK = "link", _("关联")
        NOTE = "note", _("记录")
        COMMAND = "command", _("指挥处置")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=60, blank=True)
    actor_post = models.CharField(_("操作人岗位"), max_length=60, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    summary = models.CharField(_("摘要"), max_length=300)
    reason = models.TextField(_("理由"), blank=True)
    clause = models.CharField(_("预案条款"), max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("时间线")
        verbose_name_plural = _("时间线")
        ordering = ["at", "id"]
        indexes = [
            # the incident page reads the latest 50 and pages back by (at, id) (selectors.timeline_page)
            # and the command page its level changes by kind (command.selectors.command_page)
            models.Index(fields=["incident", "at", "id"], name="timeline_incident_at_id"),
            models.Index(fields=["incident", "kind"], name="timeline_incident_kind"),
            # The charts and statistics (command/dashboard/stats_times.py, issue 15) read the first or last of these
            # moves per incident; their own partial indexes let them read nothing else.
            *(
                models.Index(fields=["incident", "at"], condition=Q(data__move=move), name=f"timeline_{move}")
                for move in ("start_assessment", "end_response")
            ),
            # The level moves (§5.3, the levels used) also carry the levels, to be read from the index alone.
            *(
                models.Index(
                    fields=["incident", "at"],
                    include=["from_level", "to_level", "id"],
                    condition=Q(data__move=move),
                    name=f"timeline_{move}",
                )
                for move in ("activate", "change_level")
            ),
        ]
        constraints = [window_constraint("incidents.TimelineEvent", "timeline_event_at_plausible")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary}"


def rederive_service_area(sender, instance, **kwargs):
    """The outage share (附件4) divides by the service area's heated area: when the office edits an area,
    store the facts again for its incidents that are not archived (archived ones are read-only)."""
    incidents = list(
        Incident.objects.filter(service_area=instance)
        .exclude(state=State.ARCHIVED)
        .select_related("service_area", "plan_version")
    )
    now = timezone.now()
    for incident in incidents:
        incident.service_area = instance
        incident.derive_facts(now)
    Incident.objects.bulk_update(incidents, FACT_FIELDS, batch_size=500)


class Submission(models.Model):
    """A form's single-use submission token (issue 16): the report form carries one in a hidden field;
    a second POST with the same token (a double click, a resent request) leads to the incident the first
    one created instead of creating another. The unique row is claimed in the same transaction as the
    incident, so two POSTs at once have exactly one winner."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("表单提交记录")
        verbose_name_plural = _("表单提交记录")

    def __str__(self):
        return self.token
