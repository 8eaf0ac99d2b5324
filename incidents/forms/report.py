"""接报登记 (§5.1): the report form and its first measures (先期处置, §5.2)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.inputs import FIELDS, DateTimeLocalInput, PlausibleDateTimeField
from orgchart.models import CompanyType, County, ServiceArea, Unit, UnitKind

from ..choices import Category, Facility, IncidentType
from ..models import YUNCHENG_BOUNDS, Incident, PlanVersion, Source, service_area_refusal
from ..templatetags.incident_tags import fmt_number
from .common import (
    FUTURE_SLACK,
    MAX_MEASURES,
    bootstrap,
    datetime_field,
    format_datetime,
    hide_required_errors,
    label,
    required_messages,
)
from .figures import FiguresForm


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
            **required_messages("title"),
            "max_length": gettext_lazy("简述最多120个字。"),
        },
    )
    category = forms.ChoiceField(
        label=label("category"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={
            **required_messages("category", gettext_lazy("选择")),
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
        error_messages=required_messages("facility", gettext_lazy("选择")),
    )
    description = forms.CharField(
        label=label("description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=required_messages("description"),
    )
    county = forms.ModelChoiceField(
        label=label("county"),
        queryset=County.objects.order_by("order"),
        empty_label=gettext_lazy("— 请选择 —"),
        error_messages=required_messages("county", gettext_lazy("选择")),
    )
    service_area = ServiceAreaChoice(
        label=label("service_area"),
        queryset=ServiceArea.objects.filter(active=True)
        .prefetch_related("counties")
        .order_by("-is_default", "name"),
        empty_label=None,
        error_messages=required_messages("service_area", gettext_lazy("选择")),
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
    occurred_at = datetime_field("occurred_at", required=True)
    reported_at = datetime_field("reported_at", required=True)
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
                    % {"o": format_datetime(occurred), "r": format_datetime(reported)},
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
        bootstrap(self)

    def full_clean(self):
        super().full_clean()
        bootstrap(self)

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
                    _("先期处置时间（%(at)s）晚于现在，请核对。") % {"at": format_datetime(at)}, code="future"
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
