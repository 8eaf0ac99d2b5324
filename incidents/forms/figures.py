"""The figures a report and a follow-up share (附件4, 附件5, §5.3.6), with their checks."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..rules import yuan_from_wan
from ..services import FOLLOW_UP_FIELDS
from ..templatetags.incident_tags import fmt_number
from .common import (
    CENT,
    FUTURE_SLACK,
    MAX_AREA_M2,
    MAX_LOSS_YUAN,
    bootstrap,
    count_field,
    datetime_field,
    format_datetime,
    label,
)

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

    outage_started_at = datetime_field("outage_started_at")
    estimated_restoration_at = datetime_field("estimated_restoration_at")
    restored_at = datetime_field("restored_at")
    affected_area_m2 = forms.DecimalField(
        label=label("affected_area_m2"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": "0", "step": "any"}),
        error_messages={"invalid": gettext_lazy("停热面积须为数字（平方米）。")},
    )
    affected_households = count_field("affected_households")
    deaths = count_field("deaths")
    deaths_pending = forms.BooleanField(label=gettext_lazy("待核定"), required=False)
    serious_injuries = count_field("serious_injuries")
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
    people_at_risk_peak = count_field("people_at_risk_peak")
    still_trapped = count_field("still_trapped")
    still_missing = count_field("still_missing")
    dead_unrecovered = count_field("dead_unrecovered")
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
        bootstrap(self)

    def full_clean(self):
        super().full_clean()
        bootstrap(self)

    def service_area_for_check(self):
        raise NotImplementedError

    def clean(self):
        """Every check in the order the page shows its fields; a refused value leaves ``cd``."""
        cd = super().clean()
        self._clean_counts(cd)
        self._clean_area(cd)
        self._clean_loss(cd)
        self._clean_times(cd)
        self._clean_people(cd)
        return cd

    def _clean_counts(self, cd):
        """Counts are never negative; the people counts left empty are 0."""
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

    def _clean_area(self, cd):
        """The outage area: not negative, 2 decimals, not above the service area's heated area."""
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

    def _clean_times(self, cd):
        """The outage's times: not in the future (but the estimate), restored after the start."""
        for name in self.past_times:
            value = cd.get(name)
            if value is not None and value > self.now + FUTURE_SLACK:
                self.add_error(
                    name,
                    ValidationError(
                        _("%(label)s（%(at)s）晚于现在，请核对。")
                        % {"label": self.fields[name].label, "at": format_datetime(value)},
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
                    % {"r": format_datetime(restored), "s": format_datetime(start)},
                    code="order",
                ),
            )
        if start is not None and estimate is not None and estimate < start:
            self.add_error(
                "estimated_restoration_at",
                ValidationError(
                    _("预计恢复供热时间（%(e)s）早于停热开始时间（%(s)s），请核对。")
                    % {"e": format_datetime(estimate), "s": format_datetime(start)},
                    code="order",
                ),
            )

    def _clean_people(self, cd):
        """附件4(3): the people still trapped or missing are among the peak, and so is their sum."""
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
