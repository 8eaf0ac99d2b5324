from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.models import Unit, UnitKind

from .models import Scope


class TokenForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("单位或企业"),
        queryset=Unit.objects.filter(active=True)
        .exclude(kind=UnitKind.ENTERPRISE_CATEGORY)
        .order_by("order", "code"),
        empty_label=_("— 请选择 —"),
        error_messages={"required": _("请选择单位或企业。"), "invalid_choice": _("所选单位不存在。")},
    )
    name = forms.CharField(
        label=_("名称"),
        max_length=60,
        error_messages={"required": _("请填写令牌名称（如“某某热力公司调度系统”）。")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请选择至少一项权限范围。")},
    )
    days = forms.IntegerField(
        label=_("有效天数"),
        min_value=1,
        max_value=730,
        initial=365,
        error_messages={
            "required": _("请填写有效天数。"),
            "invalid": _("有效天数须为1–730的整数。"),
            "min_value": _("有效天数须为1–730的整数。"),
            "max_value": _("有效天数须为1–730的整数。"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].widget.attrs["class"] = "form-select"
        self.fields["name"].widget.attrs.update({"class": "form-control", "autocomplete": "off"})
        self.fields["days"].widget.attrs.update({"class": "form-control", "inputmode": "numeric"})

    def expires_at(self):
        return timezone.now() + timedelta(days=self.cleaned_data["days"])
