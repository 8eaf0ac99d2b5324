"""Forms of the incident pages: the report form (接报登记, §5.1), first measures (先期处置, §5.2), the
follow-up report (续报, §5.1), the reporting log (信息报送) and the list filters.

Every message is Chinese and says which value is wrong and why. Nothing here writes: the views call
``incidents.services``. A count left empty is *unknown* (``None``) where the model allows it; a figure
marked 待核定 is a preliminary figure, never 0 (DOMAIN.md §2). Money is Decimal yuan; the form takes 元
or 万元 and converts exactly with ``rules.yuan_from_wan``.
"""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from config.inputs import FIELDS, DateTimeLocalInput, PlausibleDateTimeField
from orgchart.models import CompanyType, County, ServiceArea, Unit, UnitKind

from .choices import Category, Facility, IncidentType, ResponseLevel, State
from .models import (
    YUNCHENG_BOUNDS,
    Incident,
    PlanVersion,
    Recipient,
    Source,
    UpwardReport,
    service_area_refusal,
)
from .rules import yuan_from_wan
from .services import FOLLOW_UP_FIELDS
from .templatetags.incident_tags import fmt_number

# A phone's clock may run a little ahead of the server's: "in the future" means beyond this.
FUTURE_SLACK = timedelta(minutes=2)
MAX_LOSS_YUAN = Decimal("99999999999999.99")  # Incident.direct_loss_yuan: 16 digits, 2 decimals
MAX_AREA_M2 = Decimal("999999999999.99")  # Incident.affected_area_m2: 14 digits, 2 decimals
MAX_MEASURES = 20
CENT = Decimal("0.01")


def label(name):
    return Incident._meta.get_field(name).verbose_name


def _lazy(msgid, **params):
    """A message translated when shown (the request's language), with its parameters."""
    return lazy(lambda: _(msgid) % {k: str(v) for k, v in params.items()}, str)()


def _required(name, verb=None):
    verb = verb or gettext_lazy("填写")
    return {"required": _lazy(gettext_noop("请%(verb)s%(label)s。"), verb=verb, label=label(name))}


def _dt(name, required=False):
    messages = {"invalid": _lazy(gettext_noop("%(label)s不是有效的日期时间。"), label=label(name))}
    if required:
        messages.update(_required(name))
    return PlausibleDateTimeField(
        window=FIELDS["incidents.Incident"][name],
        label=label(name),
        required=required,
        widget=DateTimeLocalInput(),
        error_messages=messages,
    )


def _count(name, text=None):
    return forms.IntegerField(
        label=text or label(name),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "step": "1"}),
        error_messages={"invalid": _lazy(gettext_noop("%(label)s须为整数。"), label=text or label(name))},
    )


def _bootstrap(form):
    """Bootstrap classes on every widget; ``is-invalid`` where the field has an error now."""
    for name, field in form.fields.items():
        w = field.widget
        if isinstance(w, forms.CheckboxInput | forms.RadioSelect):
            base = "form-check-input"
        elif isinstance(w, forms.Select):
            base = "form-select"
        else:
            base = "form-control"
        classes = [c for c in w.attrs.get("class", base).split() if c != "is-invalid"]
        if base not in classes:
            classes.insert(0, base)
        if form.is_bound and name in (form._errors or {}):
            classes.append("is-invalid")
        w.attrs["class"] = " ".join(classes)


def hide_required_errors(form):
    """Live validation (htmx, on change): say what is wrong with what was typed, not yet what is
    still empty; "请填写…" appears when the clerk presses 登记."""
    if form._errors is None:
        return
    for name in list(form._errors):
        kept = [e for e in form._errors[name].as_data() if e.code != "required"]
        if kept:
            form._errors[name] = form.error_class(kept, renderer=form.renderer)
        else:
            del form._errors[name]
    _bootstrap(form)


def add_service_error(form, error, field_map=None):
    """Put a service's ValidationError on the form (on the field where there is one)."""
    field_map = field_map or {}
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            field = field_map.get(field, field)
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error)
    _bootstrap(form)


# ------------------------------------------------------------------------------------------------
# The figures a report and a follow-up share (附件4, 附件5, §5.3.6)
# ------------------------------------------------------------------------------------------------

LOSS_UNITS = (("wan", gettext_lazy("万元")), ("yuan", gettext_lazy("元")))
COUNTS = (
    "affected_households",
    "deaths",
    "serious_injuries",
    "people_at_risk_peak",
    "still_trapped",
    "still_missing",
    "dead_unrecovered",
)
ZERO_IF_EMPTY = ("people_at_risk_peak", "still_trapped", "still_missing", "dead_unrecovered")
STILL = ("still_trapped", "still_missing", "dead_unrecovered")


class FiguresForm(forms.Form):
    """Times of the outage and the figures that drive 附件4 and 附件5, with their checks."""

    outage_started_at = _dt("outage_started_at")
    estimated_restoration_at = _dt("estimated_restoration_at")
    restored_at = _dt("restored_at")
    affected_area_m2 = forms.DecimalField(
        label=label("affected_area_m2"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": "0", "step": "any"}),
        error_messages={"invalid": gettext_lazy("停热面积须为数字（平方米）。")},
    )
    affected_households = _count("affected_households")
    deaths = _count("deaths")
    deaths_pending = forms.BooleanField(label=gettext_lazy("待核定"), required=False)
    serious_injuries = _count("serious_injuries")
    serious_injuries_pending = forms.BooleanField(label=gettext_lazy("待核定"), required=False)
    direct_loss = forms.DecimalField(
        label=gettext_lazy("直接经济损失"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": "0", "step": "any"}),
        error_messages={"invalid": gettext_lazy("直接经济损失须为数字。")},
    )
    direct_loss_unit = forms.ChoiceField(
        label=gettext_lazy("单位"), choices=LOSS_UNITS, initial="wan", required=False
    )
    direct_loss_pending = forms.BooleanField(label=gettext_lazy("待核定"), required=False)
    people_at_risk_peak = _count("people_at_risk_peak")
    still_trapped = _count("still_trapped")
    still_missing = _count("still_missing")
    dead_unrecovered = _count("dead_unrecovered")
    beyond_city_capacity = forms.BooleanField(label=label("beyond_city_capacity"), required=False)

    # Times that may not lie in the future (an estimate may).
    past_times = ("outage_started_at", "restored_at")

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        for name in ("deaths_pending", "serious_injuries_pending", "direct_loss_pending"):
            self.fields[name].help_text = _("数字为初步数字，尚未核定（不等于0）；核定前不计入事故定级。")
        self.fields["direct_loss_unit"].widget.attrs.update(
            {"aria-label": _("直接经济损失的单位"), "class": "form-select loss-unit"}
        )
        self.fields["people_at_risk_peak"].help_text = _("附件4(3)按峰值计；不含已确认安全的人员。")
        _bootstrap(self)

    def full_clean(self):
        super().full_clean()
        _bootstrap(self)

    def service_area_for_check(self):
        raise NotImplementedError

    def clean(self):
        cd = super().clean()
        now = self.now
        for name in COUNTS:
            value = cd.get(name)
            if value is not None and value < 0:
                self.add_error(
                    name,
                    ValidationError(
                        _("%(label)s不能为负数（填写的是 %(value)s）。")
                        % {"label": self.fields[name].label, "value": value},
                        code="negative",
                    ),
                )
                cd.pop(name, None)
        for name in ZERO_IF_EMPTY:
            if name not in self.errors and cd.get(name) is None:
                cd[name] = 0

        area = cd.get("affected_area_m2")
        if area is not None:
            if area < 0:
                self.add_error(
                    "affected_area_m2",
                    ValidationError(
                        _("停热面积不能为负数（填写的是 %(value)s 平方米）。") % {"value": fmt_number(area)},
                        code="negative",
                    ),
                )
                cd.pop("affected_area_m2", None)
            elif area > MAX_AREA_M2 or area != area.quantize(CENT):
                self.add_error(
                    "affected_area_m2",
                    ValidationError(_("停热面积最多保留2位小数（平方米）。"), code="precision"),
                )
                cd.pop("affected_area_m2", None)
            else:
                cd["affected_area_m2"] = area = area.quantize(CENT)  # 9600000.000 → 9600000.00
                sa = self.service_area_for_check()
                if sa is not None and sa.heated_area_m2 and area > sa.heated_area_m2:
                    self.add_error(
                        "affected_area_m2",
                        ValidationError(
                            _(
                                "停热面积 %(area)s 平方米超过了“%(sa)s”的供热面积 %(total)s 平方米，"
                                "请核对数字和单位（平方米），或选择正确的供热服务区域。"
                            )
                            % {
                                "area": fmt_number(area),
                                "sa": sa.name,
                                "total": fmt_number(sa.heated_area_m2),
                            },
                            code="above_total",
                        ),
                    )
                    cd.pop("affected_area_m2", None)

        self._clean_loss(cd)

        for name in self.past_times:
            value = cd.get(name)
            if value is not None and value > now + FUTURE_SLACK:
                self.add_error(
                    name,
                    ValidationError(
                        _("%(label)s（%(at)s）晚于现在，请核对。")
                        % {"label": self.fields[name].label, "at": _fmt_dt(value)},
                        code="future",
                    ),
                )
                cd.pop(name, None)

        start, restored = cd.get("outage_started_at"), cd.get("restored_at")
        estimate = cd.get("estimated_restoration_at")
        if restored is not None and start is None and "outage_started_at" not in self.errors:
            self.add_error(
                "restored_at",
                ValidationError(
                    _("填写了恢复供热时间，请同时填写停热开始时间（没有停热就没有恢复）。"), code="order"
                ),
            )
        if start is not None and restored is not None and restored < start:
            self.add_error(
                "restored_at",
                ValidationError(
                    _("恢复供热时间（%(r)s）早于停热开始时间（%(s)s），请核对。")
                    % {"r": _fmt_dt(restored), "s": _fmt_dt(start)},
                    code="order",
                ),
            )
        if start is not None and estimate is not None and estimate < start:
            self.add_error(
                "estimated_restoration_at",
                ValidationError(
                    _("预计恢复供热时间（%(e)s）早于停热开始时间（%(s)s），请核对。")
                    % {"e": _fmt_dt(estimate), "s": _fmt_dt(start)},
                    code="order",
                ),
            )

        peak = cd.get("people_at_risk_peak")
        if peak is not None and "people_at_risk_peak" not in self.errors:
            for name in STILL:
                value = cd.get(name)
                if value and value > peak:
                    self.add_error(
                        name,
                        ValidationError(
                            _("%(label)s（%(n)s）不能大于涉险、被困、失联人数峰值（%(peak)s）。")
                            % {"label": self.fields[name].label, "n": value, "peak": peak},
                            code="above_peak",
                        ),
                    )
            trapped, missing = cd.get("still_trapped") or 0, cd.get("still_missing") or 0
            if (
                trapped <= peak
                and missing <= peak
                and trapped + missing > peak
                and not {"still_trapped", "still_missing"} & set(self.errors)
            ):
                self.add_error(
                    "still_missing",
                    ValidationError(
                        _(
                            "仍被困（%(t)s）与仍失联（%(m)s）人数之和 %(sum)s 大于涉险、被困、失联人数峰值"
                            "（%(peak)s）：他们同时处于险境，峰值至少是二者之和。"
                        )
                        % {"t": trapped, "m": missing, "sum": trapped + missing, "peak": peak},
                        code="above_peak",
                    ),
                )
        return cd

    def _clean_loss(self, cd):
        amount, unit = cd.get("direct_loss"), cd.get("direct_loss_unit") or "wan"
        cd.pop("direct_loss_yuan", None)
        if amount is None:
            if "direct_loss" not in self.errors:
                cd["direct_loss_yuan"] = None  # empty: unknown
            return
        if amount < 0:
            self.add_error(
                "direct_loss",
                ValidationError(
                    _("直接经济损失不能为负数（填写的是 %(v)s）。") % {"v": amount}, code="negative"
                ),
            )
            return
        if amount > (MAX_LOSS_YUAN / 10000 if unit == "wan" else MAX_LOSS_YUAN):
            self.add_error(
                "direct_loss", ValidationError(_("直接经济损失数额过大，请核对单位。"), code="too_large")
            )
            return
        if unit == "wan":
            if amount != amount.quantize(Decimal("0.000001")):
                self.add_error(
                    "direct_loss",
                    ValidationError(_("以万元填写时最多保留6位小数（精确到分）。"), code="precision"),
                )
                return
            yuan = yuan_from_wan(amount)  # exact: Decimal × 10000
        else:
            if amount != amount.quantize(CENT):
                self.add_error(
                    "direct_loss",
                    ValidationError(_("以元填写时最多保留2位小数（精确到分）。"), code="precision"),
                )
                return
            yuan = amount.quantize(CENT)
        cd["direct_loss_yuan"] = yuan

    def figure_values(self):
        """The figures as model field values (only those that cleaned)."""
        cd = getattr(self, "cleaned_data", {})
        names = [n for n in FOLLOW_UP_FIELDS if n != "direct_loss_yuan"]
        values = {n: cd[n] for n in names if n in cd}
        if "direct_loss_yuan" in cd:
            values["direct_loss_yuan"] = cd["direct_loss_yuan"]
        return values


def _fmt_dt(value):
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


# ------------------------------------------------------------------------------------------------
# 接报登记 (§5.1)
# ------------------------------------------------------------------------------------------------


class ServiceAreaChoice(forms.ModelChoiceField):
    """Each area with the counties it serves (附件4(1), reading: only an area covering the incident's
    county may be the denominator) and its heated area."""

    def label_from_instance(self, obj):
        counties = obj.county_names() or _("未登记县区")
        if not obj.heated_area_m2:
            return _("%(name)s（服务%(counties)s；未登记供热面积）") % {
                "name": obj.name,
                "counties": counties,
            }
        text = _("%(name)s（服务%(counties)s；供热面积 %(area)s 平方米）") % {
            "name": obj.name,
            "counties": counties,
            "area": fmt_number(obj.heated_area_m2),
        }
        return text + (_("（演示数据）") if obj.totals_are_demo else "")


class IncidentReportForm(FiguresForm):
    """What a clerk fills in at 3 a.m. on a phone. Field order is the template's."""

    is_drill = forms.BooleanField(
        label=gettext_lazy("演练（所有信息标注【演练】，不计入统计，§8.1）"), required=False
    )
    title = forms.CharField(
        label=label("title"),
        max_length=120,
        error_messages={
            **_required("title"),
            "max_length": gettext_lazy("简述最多120个字。"),
        },
    )
    category = forms.ChoiceField(
        label=label("category"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={
            **_required("category", gettext_lazy("选择")),
            "invalid_choice": gettext_lazy("请从§1.5的七类中选择事件类别。"),
        },
    )
    incident_type = forms.ChoiceField(
        label=gettext_lazy("具体情形（§8.3.5，可不填）"),
        choices=[("", gettext_lazy("— 不确定 —")), *IncidentType.choices],
        required=False,
    )
    facility = forms.ChoiceField(
        label=label("facility"),
        choices=[("", gettext_lazy("— 请选择 —")), *Facility.choices],
        error_messages=_required("facility", gettext_lazy("选择")),
    )
    description = forms.CharField(
        label=label("description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("description"),
    )
    county = forms.ModelChoiceField(
        label=label("county"),
        queryset=County.objects.order_by("order"),
        empty_label=gettext_lazy("— 请选择 —"),
        error_messages=_required("county", gettext_lazy("选择")),
    )
    service_area = ServiceAreaChoice(
        label=label("service_area"),
        queryset=ServiceArea.objects.filter(active=True)
        .prefetch_related("counties")
        .order_by("-is_default", "name"),
        empty_label=None,
        error_messages=_required("service_area", gettext_lazy("选择")),
    )
    address = forms.CharField(label=gettext_lazy("地址（可不填）"), max_length=200, required=False)
    # Filled by clicking on the map (static/js/dashboard-map.js, pick mode); typed in by hand on a
    # phone without the map. Both or neither; within Yuncheng (Incident.clean repeats the check).
    lon = forms.DecimalField(
        label=gettext_lazy("经度"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        error_messages={"invalid": gettext_lazy("经度须为数字，如 111.0074。")},
    )
    lat = forms.DecimalField(
        label=gettext_lazy("纬度"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        error_messages={"invalid": gettext_lazy("纬度须为数字，如 35.0263。")},
    )
    company = forms.ModelChoiceField(
        label=gettext_lazy("涉事供热企业或热源单位（可不填）"),
        queryset=Unit.objects.filter(
            kind=UnitKind.ENTERPRISE,
            active=True,
            company_type__in=(CompanyType.HEATING, CompanyType.HEAT_SOURCE),
        ).order_by("order", "code"),
        required=False,
        empty_label=gettext_lazy("— 不涉及或不确定 —"),
    )
    occurred_at = _dt("occurred_at", required=True)
    reported_at = _dt("reported_at", required=True)
    source = forms.ChoiceField(label=label("source"), choices=Source.choices, initial=Source.COMPANY)
    reporter_name = forms.CharField(label=label("reporter_name"), max_length=40, required=False)
    reporter_phone = forms.CharField(
        label=label("reporter_phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    reporter_unit = forms.CharField(label=label("reporter_unit"), max_length=100, required=False)

    past_times = ("occurred_at", "reported_at", "outage_started_at", "restored_at")
    MODEL_FIELDS = (
        "title",
        "category",
        "incident_type",
        "facility",
        "service_area",
        "county",
        "address",
        "lon",
        "lat",
        "company",
        "description",
        "occurred_at",
        "reported_at",
        "is_drill",
        "source",
        "reporter_name",
        "reporter_phone",
        "reporter_unit",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("reported_at", self.now)
            default = ServiceArea.objects.filter(is_default=True, active=True).first()
            if default is not None:
                self.initial.setdefault("service_area", default.pk)
        self.fields["title"].widget.attrs.update(
            {
                "placeholder": _("一句话：什么地方、什么设施、出了什么事，如“热力站爆管”"),
                "autocomplete": "off",
            }
        )
        self.fields["affected_area_m2"].help_text = _(
            "停热比例 = 停热面积 ÷ 所选供热服务区域的供热面积（附件4(1)）。"
        )
        self.fields["service_area"].help_text = _(
            "解读（附件4(1)）：须选覆盖事发县区的服务区域，括号内为各区域服务的县区；城市建成区含盐湖区、运城开发区，"
            "其他县（市）按其自有供热管网计算。"
        )
        self.fields["estimated_restoration_at"].help_text = _(
            "可晚于现在。预计停热满24小时的，建议即为确定。"
        )

    def service_area_for_check(self):
        return self.cleaned_data.get("service_area")

    def clean(self):
        cd = super().clean()
        lon, lat = cd.get("lon"), cd.get("lat")
        if not self.has_error("lon") and not self.has_error("lat"):
            if (lon is None) != (lat is None):
                self.add_error(
                    "lon" if lon is None else "lat",
                    ValidationError(_("地图位置须同时填写经度和纬度，或都不填。"), code="point_pair"),
                )
            elif lon is not None and not (
                YUNCHENG_BOUNDS[0] <= lon <= YUNCHENG_BOUNDS[2]
                and YUNCHENG_BOUNDS[1] <= lat <= YUNCHENG_BOUNDS[3]
            ):
                self.add_error(
                    "lon",
                    ValidationError(
                        _("地图位置（%(lon)s, %(lat)s）不在运城市范围内，请在地图上重新点选或清除。")
                        % {"lon": lon, "lat": lat},
                        code="point_bounds",
                    ),
                )
        area, county = cd.get("service_area"), cd.get("county")
        if area is not None and county is not None and not area.covers(county.pk):
            self.add_error(
                "service_area", ValidationError(service_area_refusal(area, county), code="area_county")
            )
        occurred, reported = cd.get("occurred_at"), cd.get("reported_at")
        if occurred is not None and reported is not None and occurred > reported:
            self.add_error(
                "occurred_at",
                ValidationError(
                    _("发生时间（%(o)s）晚于接报时间（%(r)s）：事件须先发生后接报，请核对。")
                    % {"o": _fmt_dt(occurred), "r": _fmt_dt(reported)},
                    code="order",
                ),
            )
        return cd

    def incident_data(self):
        """``data`` for ``services.incident_report``: model field values only."""
        cd = self.cleaned_data
        data = {name: cd[name] for name in self.MODEL_FIELDS}
        data["incident_type"] = data["incident_type"] or ""
        data["address"] = data["address"] or ""
        data.update(self.figure_values())
        return data

    def preview_incident(self, plan=None):
        """An unsaved Incident from whatever cleaned so far, for the live grade and recommendation."""
        cd = getattr(self, "cleaned_data", {})
        values = {name: cd[name] for name in self.MODEL_FIELDS if cd.get(name) not in (None, "")}
        values.update({k: v for k, v in self.figure_values().items() if v is not None})
        area = cd.get("service_area") or ServiceArea.objects.filter(is_default=True).first()
        values["service_area"] = area
        values.pop("county", None)
        values.pop("company", None)
        plan = plan or PlanVersion.current()
        return Incident(**values, plan_version=plan)


class FirstMeasureForm(forms.Form):
    """One 先期处置 row (§5.2): when, by whom, what. An empty row is left out."""

    at = PlausibleDateTimeField(
        window=FIELDS["incidents.FirstMeasure"]["at"],
        label=gettext_lazy("时间"),
        required=False,
        widget=DateTimeLocalInput(),
        error_messages={"invalid": gettext_lazy("先期处置时间不是有效的日期时间。")},
    )
    by = forms.CharField(
        label=gettext_lazy("实施单位"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：事发供热企业")}),
    )
    text = forms.CharField(
        label=gettext_lazy("措施"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": gettext_lazy("如：关闭阀门，启动抢修")}),
    )

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        _bootstrap(self)

    def full_clean(self):
        super().full_clean()
        _bootstrap(self)

    def clean(self):
        cd = super().clean()
        filled = [n for n in ("at", "by", "text") if cd.get(n) not in (None, "")]
        if filled and not self.errors:
            missing = {
                "at": _("请填写先期处置的时间。"),
                "by": _("请填写先期处置的实施单位。"),
                "text": _("请填写先期处置的措施。"),
            }
            for name, message in missing.items():
                if cd.get(name) in (None, ""):
                    self.add_error(name, ValidationError(message, code="required"))
        at = cd.get("at")
        if at is not None and at > self.now + FUTURE_SLACK:
            self.add_error(
                "at",
                ValidationError(
                    _("先期处置时间（%(at)s）晚于现在，请核对。") % {"at": _fmt_dt(at)}, code="future"
                ),
            )
        return cd

    @property
    def is_empty(self):
        return not self.has_changed()


class BaseFirstMeasureFormSet(forms.BaseFormSet):
    def __init__(self, *args, now=None, **kwargs):
        self.now = now
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "now": self.now}

    def rows(self):
        """The filled rows, for ``services.incident_report(first_measures=...)``."""
        return [
            {"at": f.cleaned_data["at"], "by": f.cleaned_data["by"], "text": f.cleaned_data["text"]}
            for f in self.forms
            if f.has_changed() and f.cleaned_data.get("text")
        ]


FirstMeasureFormSet = forms.formset_factory(
    FirstMeasureForm,
    formset=BaseFirstMeasureFormSet,
    extra=1,
    max_num=MAX_MEASURES,
    absolute_max=MAX_MEASURES,
    validate_max=True,
)


def hide_required_errors_formset(formset):
    for f in formset.forms:
        f.is_valid()
        hide_required_errors(f)


# ------------------------------------------------------------------------------------------------
# 续报 (§5.1)
# ------------------------------------------------------------------------------------------------


class CheckboxInput(forms.CheckboxInput):
    """A checkbox that says it was on the page: a hidden ``<name>__sent`` beside it, so an unticked box
    (which a browser does not send) is told apart from a field the follow-up did not carry."""

    def render(self, name, value, attrs=None, renderer=None):
        marker = format_html('<input type="hidden" name="{}__sent" value="1">', name)
        return marker + super().render(name, value, attrs, renderer)


def _as_posted(value):
    """A current value as the form would post it (for the fields a follow-up did not carry)."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"
    return str(value)


class FollowUpForm(FiguresForm):
    """A follow-up report: a note and any changed figures (prefilled with the current ones). It changes
    only the fields it carries (issue 16): a field absent from the request keeps the incident's value."""

    note = forms.CharField(
        label=gettext_lazy("续报内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写续报内容。")},
    )
    hazards_controlled = forms.BooleanField(label=label("hazards_controlled"), required=False)
    # DOMAIN §6: a peak (涉险、被困、失联峰值, deaths, serious injuries) only falls as a correction
    correction = forms.BooleanField(
        label=gettext_lazy("更正：本次下调峰值人数（涉险、被困、失联峰值，死亡，重伤）是更正此前的数字"),
        required=False,
    )
    correction_reason = forms.CharField(
        label=gettext_lazy("更正理由"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, incident, **kwargs):
        self.incident = incident
        if not args and "data" not in kwargs:
            kwargs.setdefault("initial", self.initial_from(incident))
        elif args and args[0] is not None:
            args = (self.with_current(args[0], incident), *args[1:])
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField):
                field.widget = CheckboxInput(attrs=field.widget.attrs)
        _bootstrap(self)

    @classmethod
    def with_current(cls, data, incident):
        """``data`` with every figure it does not carry filled in from the incident as it is now."""
        data = data.copy()
        current = cls.initial_from(incident)
        for name, field in cls.base_fields.items():
            if name == "note" or (name not in current and name != "direct_loss"):
                continue
            if isinstance(field, forms.BooleanField):
                if name not in data and f"{name}__sent" not in data and current.get(name):
                    data[name] = "on"
            elif name == "direct_loss":
                if name not in data and "direct_loss" in current:
                    data["direct_loss"], data["direct_loss_unit"] = str(current["direct_loss"]), "yuan"
            elif name not in data:
                data[name] = _as_posted(current[name])
        return data

    @staticmethod
    def initial_from(incident):
        names = [n for n in FOLLOW_UP_FIELDS if n != "direct_loss_yuan"]
        initial = {n: getattr(incident, n) for n in names}
        if incident.direct_loss_yuan is not None:
            initial["direct_loss"] = incident.direct_loss_yuan
            initial["direct_loss_unit"] = "yuan"
        return initial

    def service_area_for_check(self):
        return self.incident.service_area

    def changed_values(self):
        """Only what the reporter changed. Times compare to the minute (the input shows minutes), so
        an untouched time with seconds in the database is not reported as a change."""
        values = self.figure_values()
        values["hazards_controlled"] = self.cleaned_data.get("hazards_controlled", False)
        changed = {}
        for name, new in values.items():
            old = getattr(self.incident, name)
            if hasattr(old, "tzinfo") and old is not None and new is not None:
                if timezone.localtime(old).replace(second=0, microsecond=0) == timezone.localtime(new):
                    continue
            if old != new:
                changed[name] = new
        return changed


# ------------------------------------------------------------------------------------------------
# 信息报送 (§5.1) and the list filters
# ------------------------------------------------------------------------------------------------


class UpwardReportForm(forms.Form):
    sender = forms.ChoiceField(
        label=UpwardReport._meta.get_field("sender").verbose_name,
        choices=UpwardReport.Sender.choices,
        initial=UpwardReport.Sender.CITY,
    )
    recipient = forms.ChoiceField(
        label=UpwardReport._meta.get_field("recipient").verbose_name,
        choices=[("", gettext_lazy("— 请选择 —")), *Recipient.choices],
        error_messages={"required": gettext_lazy("请选择报告对象。")},
    )
    recipient_detail = forms.CharField(
        label=gettext_lazy("报告对象（补充，可不填）"), max_length=100, required=False
    )
    channel = forms.CharField(
        label=gettext_lazy("方式（可不填）"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("电话、传真、政务网……")}),
    )
    due_at = PlausibleDateTimeField(
        window=FIELDS["incidents.UpwardReport"]["due_at"],
        label=gettext_lazy("时限（不填则按报告方：企业1小时、逐级2小时）"),
        required=False,
        widget=DateTimeLocalInput(),
        error_messages={"invalid": gettext_lazy("时限不是有效的日期时间。")},
    )
    sent_at = PlausibleDateTimeField(
        window=FIELDS["incidents.UpwardReport"]["sent_at"],
        label=gettext_lazy("报送时间（已报送才填）"),
        required=False,
        widget=DateTimeLocalInput(),
        error_messages={"invalid": gettext_lazy("报送时间不是有效的日期时间。")},
    )
    summary = forms.CharField(
        label=gettext_lazy("报告内容摘要（可不填）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def full_clean(self):
        super().full_clean()
        _bootstrap(self)

    def clean_sent_at(self):
        value = self.cleaned_data.get("sent_at")
        if value is not None and value > timezone.now() + FUTURE_SLACK:
            raise ValidationError(
                _("报送时间（%(at)s）晚于现在，请核对。") % {"at": _fmt_dt(value)}, code="future"
            )
        return value


DRILL_CHOICES = (
    ("", gettext_lazy("不含演练")),
    ("include", gettext_lazy("含演练")),
    ("only", gettext_lazy("仅演练")),
)


class IncidentFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("搜索"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": gettext_lazy("简述、地址、情况描述"),
                "autocomplete": "off",
            }
        ),
    )
    state = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    level = forms.ChoiceField(label=gettext_lazy("响应级别"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("事件类别"), required=False)
    county = forms.ModelChoiceField(
        label=gettext_lazy("县（市、区）"),
        queryset=County.objects.order_by("order"),
        required=False,
        empty_label=gettext_lazy("全部"),
    )
    date_from = forms.DateField(
        label=gettext_lazy("接报日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    drill = forms.ChoiceField(label=gettext_lazy("演练"), choices=DRILL_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        from .choices import CATEGORY_SHORT

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("全部")), *State.choices]
        self.fields["level"].choices = [
            ("", _("全部")),
            *((str(lv.value), lv.label) for lv in ResponseLevel),
            ("none", _("未启动响应")),
        ]
        self.fields["category"].choices = [
            ("", _("全部")),
            *((c.value, f"{c.label.split(' ')[0]} {CATEGORY_SHORT[c.value]}") for c in Category),
        ]
        _bootstrap(self)

    def filters(self):
        """The valid filters (an invalid one is ignored and shown as an error)."""
        self.is_valid()
        cd = getattr(self, "cleaned_data", {})
        return {k: v for k, v in cd.items() if v not in (None, "")}

    @property
    def advanced_active(self):
        return any(
            self.filters().get(k)
            for k in ("state", "level", "category", "county", "date_from", "date_to", "drill")
        )


__all__ = [
    "FirstMeasureFormSet",
    "FollowUpForm",
    "IncidentFilterForm",
    "IncidentReportForm",
    "UpwardReportForm",
    "add_service_error",
    "hide_required_errors",
    "hide_required_errors_formset",
]
