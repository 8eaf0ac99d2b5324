"""续报 (§5.1), 信息报送 (§5.1) and the list filters."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.inputs import FIELDS, DateTimeLocalInput, PlausibleDateTimeField
from orgchart.models import County

from ..choices import CATEGORY_SHORT, Category, ResponseLevel, State
from ..models import Recipient, UpwardReport
from ..services import FOLLOW_UP_FIELDS
from .common import FUTURE_SLACK, bootstrap, format_datetime, label
from .figures import FiguresForm


class CheckboxInput(forms.CheckboxInput):
    """A checkbox that says it was on the page: a hidden ``<name>__sent`` beside it, so an unticked box
    (which a browser does not send) is told apart from a field the follow-up did not carry."""

    def render(self, name, value, attrs=None, renderer=None):
        marker = format_html('<input type="hidden" name="{}__sent" value="1">', name)
        return marker + super().render(name, value, attrs, renderer)


def as_posted(value):
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
        bootstrap(self)

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
                data[name] = as_posted(current[name])
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
        bootstrap(self)

    def full_clean(self):
        super().full_clean()
        bootstrap(self)

    def clean_sent_at(self):
        value = self.cleaned_data.get("sent_at")
        if value is not None and value > timezone.now() + FUTURE_SLACK:
            raise ValidationError(
                _("报送时间（%(at)s）晚于现在，请核对。") % {"at": format_datetime(value)}, code="future"
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
        bootstrap(self)

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
