"""Forms of the office's editing pages. Labels come from the models' verbose names (Chinese msgids);
errors are Chinese and name the field and the rule. The rules themselves live in ``services`` (one
place), the forms call them so the user sees every problem at once."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.inputs import plausible_formfield

from . import services
from .models import (
    Absence,
    Appointment,
    Channel,
    CompanyType,
    DutyShift,
    Expert,
    GroupMembership,
    Person,
    Position,
    ServiceArea,
    Unit,
    UnitKind,
    WorkingGroup,
)

PHONE_RE = re.compile(r"^[0-9+\-()（）\s、,，/转]+$")


def validate_phone(value):
    if not value:
        return
    if not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 5:
        raise ValidationError(
            _("电话号码只能包含数字、“-”、括号、空格和“转”（分机），如 0359-2345678。"), code="phone"
        )


def _bootstrap(form):
    """Bootstrap classes on every widget (no crispy-forms: nothing to install)."""
    for name, field in form.fields.items():
        w = field.widget
        if isinstance(w, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select")
        else:
            w.attrs.setdefault("class", "form-control")
        if name in form.errors and "is-invalid" not in w.attrs["class"]:
            w.attrs["class"] += " is-invalid"


def _add_errors(form, error):
    """Put a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error)


class BootstrapMixin:
    def full_clean(self):
        super().full_clean()
        _bootstrap(self)

    def add_service_error(self, error):
        _add_errors(self, error)
        _bootstrap(self)


# ------------------------------------------------------------------------------------------------


class UnitForm(BootstrapMixin, forms.ModelForm):
    """Only the office-owned fields: the plan's name and duties are the plan's text (附件2)."""

    class Meta:
        model = Unit
        fields = services.UNIT_OFFICE_FIELDS
        widgets = {"address": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duty_phone"].validators.append(validate_phone)
        self.fields["duty_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["active"].help_text = _("停用后不再出现在组织体系图和通讯录中，历史记录保留。")
        _bootstrap(self)


class CompanyForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=100)
    company_type = forms.ChoiceField(label=_("企业类型"))
    duty_phone = forms.CharField(
        label=_("值班电话"),
        max_length=40,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)

    def __init__(self, *args, category, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        types = services.CATEGORY_COMPANY_TYPES.get(category.code, ())
        self.fields["company_type"].choices = [(t, CompanyType(t).label) for t in types]
        if len(types) == 1:
            self.fields["company_type"].initial = types[0]
        _bootstrap(self)

    def clean_company_type(self):
        value = self.cleaned_data["company_type"]
        if value not in services.CATEGORY_COMPANY_TYPES.get(self.category.code, ()):
            raise ValidationError(_("这一类别下不能添加该类型的企业。"), code="company_type")
        return value

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Unit.objects.filter(parent=self.category, name=name).exists():
            raise ValidationError(
                _("“%(cat)s”下已有名为“%(name)s”的企业。") % {"cat": self.category.name, "name": name},
                code="duplicate",
            )
        return name


def member_units():
    """Units a person can belong to: every active unit except the two company categories."""
    return (
        Unit.objects.filter(active=True).exclude(kind=UnitKind.ENTERPRISE_CATEGORY).order_by("order", "code")
    )


class PersonForm(BootstrapMixin, forms.ModelForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_(
            "登录用的名字，只能用字母、数字和 @ . + - _；建好后不能修改。新建的人员暂不能登录，由管理员设置密码。"
        ),
        validators=get_user_model()._meta.get_field("username").validators,
    )
    channels = forms.MultipleChoiceField(
        label=_("接收渠道"), choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    unit = forms.ModelChoiceField(
        label=_("单位"), queryset=member_units(), required=False, empty_label=_("（不属于成员单位）")
    )

    class Meta:
        model = Person
        fields = services.PERSON_FIELDS
        widgets = {
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "office_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = member_units()
        if self.instance.pk:
            del self.fields["username"]
        self.fields["mobile"].help_text = _("11 位手机号，以 1 开头；可留空。")
        self.fields["office_phone"].validators.append(validate_phone)
        self.order_fields(["username", *services.PERSON_FIELDS])
        _bootstrap(self)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("用户名“%(u)s”已被使用。") % {"u": username}, code="duplicate")
        return username

    def clean(self):
        data = super().clean()
        try:
            services.validate_person(
                {
                    f: data.get(f)
                    for f in ("name", "unit", "organisation", "mobile", "channels")
                    if f in self.fields and f not in self.errors
                }
            )
        except ValidationError as e:
            for field, errs in e.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, errs)
        return data

    def service_data(self):
        return {f: self.cleaned_data[f] for f in ("username", *services.PERSON_FIELDS) if f in self.fields}


class PositionSelect(forms.Select):
    """Each option says whether the post is held per unit or per group (the page hides the other field)."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-scope"] = instance.scope
        return option


class AppointmentForm(BootstrapMixin, forms.Form):
    position = forms.ModelChoiceField(
        label=_("岗位"),
        queryset=Position.objects.order_by("order"),
        widget=PositionSelect,
        empty_label=_("请选择岗位"),
    )
    unit = forms.ModelChoiceField(
        label=_("单位"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("按单位任职的岗位（主要负责人、分管负责人、联络员）必选。"),
    )
    group = forms.ModelChoiceField(
        label=_("工作组"),
        queryset=WorkingGroup.objects.order_by("order"),
        required=False,
        help_text=_("“组长”必选。"),
    )
    role = forms.ChoiceField(
        label=_("角色"),
        choices=Appointment.Role.choices,
        initial=Appointment.Role.HOLDER,
        help_text=_("代理（AB角）：在担任者全部不在岗时代行职责。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = member_units()
        self.fields["position"].label_from_instance = lambda p: (
            f"{p.name} · {p.holder_definition}" if p.holder_definition else p.name
        )
        self.fields["position"].widget.attrs["data-role"] = "position"
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        position = data.get("position")
        if position is not None:
            for field, message in services.validate_appointment_scope(
                position=position, unit=data.get("unit"), group=data.get("group")
            ).items():
                if field not in self.errors:
                    self.add_error(field, message)
        return data


class AbsenceForm(BootstrapMixin, forms.ModelForm):
    starts_at = plausible_formfield("orgchart.Absence", "starts_at", label=_("开始"))
    ends_at = plausible_formfield("orgchart.Absence", "ends_at", label=_("结束"))

    class Meta:
        model = Absence
        fields = ("starts_at", "ends_at", "reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in ("starts_at", "ends_at"):
            self.fields[f].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["reason"].widget.attrs["placeholder"] = _("如：休假、出差、病假")
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and not ends > starts:
            self.add_error("ends_at", _("结束时间必须晚于开始时间。"))
        return data

    def _post_clean(self):
        # The model's CheckConstraint says the same as clean() above; skip its English duplicate.
        self.instance.starts_at = self.cleaned_data.get("starts_at")
        self.instance.ends_at = self.cleaned_data.get("ends_at")


class GroupMemberForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("成员单位"), queryset=Unit.objects.none(), empty_label=_("请选择单位")
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            Unit.objects.filter(active=True)
            .exclude(kind=UnitKind.COUNTY_GOVERNMENT)
            .exclude(pk__in=GroupMembership.objects.filter(group=group).values("unit_id"))
            .order_by("order", "code")
        )
        _bootstrap(self)


# ------------------------------------------------------------------------------------------------
# Duty roster: one form for a whole month, a row per day × shift
# ------------------------------------------------------------------------------------------------


class RosterMonthForm(forms.Form):
    """Fields ``<yyyy-mm-dd>-<kind>-duty_officer`` / ``-duty_leader``. The choices are built once from
    lists the view loads (a constant number of queries however long the month)."""

    ROLES = tuple(services.ROSTER_POSITIONS)

    def __init__(self, *args, year, month, shifts, people, eligible, pattern=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.year, self.month = year, month
        self.days = services.month_days(year, month)
        self.people = {p.pk: p for p in people}
        self.shifts = shifts
        not_post = {"duty_officer": _("（已不是值班员）"), "duty_leader": _("（已不是带班领导）")}
        choices = {}
        for role in self.ROLES:
            ok = [(p.pk, p.name) for p in people if p.pk in eligible[role]]
            used = {getattr(s, f"{role}_id") for s in shifts.values()} - {pk for pk, _n in ok} - {None}
            old = [
                (pk, f"{self.people[pk].name}{not_post[role]}") for pk in sorted(used) if pk in self.people
            ]
            choices[role] = [("", "—"), *ok, *old]
        for d in self.days:
            for kind in DutyShift.Kind.values:
                shift = shifts.get((d, kind))
                for role in self.ROLES:
                    initial = getattr(shift, f"{role}_id") if shift is not None else None
                    if pattern and (d, kind) in pattern:  # "按上月排班预填": the suggestion wins
                        initial = pattern[(d, kind)][self.ROLES.index(role)]
                    label = _("%(m)s月%(d)s日 %(kind)s %(role)s") % {
                        "m": d.month,
                        "d": d.day,
                        "kind": DutyShift.Kind(kind).label,
                        "role": DutyShift._meta.get_field(role).verbose_name,
                    }
                    self.fields[self.key(d, kind, role)] = forms.TypedChoiceField(
                        label=label,
                        choices=choices[role],
                        coerce=int,
                        empty_value=None,
                        required=False,
                        initial=initial,
                        widget=forms.Select(attrs={"class": "form-select", "aria-label": label}),
                    )

    @staticmethod
    def key(day, kind, role):
        return f"{day:%Y-%m-%d}-{kind}-{role}"

    def rows(self):
        """For the template: [(date, [(kind, label, starts_at, ends_at, shift, officer bf, leader bf)])]."""
        out = []
        for d in self.days:
            shifts = []
            for kind, label in DutyShift.Kind.choices:
                begins, ends = DutyShift.bounds(d, kind)
                shifts.append(
                    {
                        "kind": kind,
                        "label": label,
                        "starts_at": begins,
                        "ends_at": ends,
                        "shift": self.shifts.get((d, kind)),
                        "officer": self[self.key(d, kind, "duty_officer")],
                        "leader": self[self.key(d, kind, "duty_leader")],
                    }
                )
            out.append((d, shifts))
        return out

    def service_rows(self):
        return [
            {
                "date": d,
                "kind": kind,
                **{
                    role: self.people.get(self.cleaned_data.get(self.key(d, kind, role)))
                    for role in self.ROLES
                },
            }
            for d in self.days
            for kind in DutyShift.Kind.values
        ]

    def add_service_error(self, error):
        _add_errors(self, error)


class ChangeFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("对象类型"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [
            ("", _("全部")),
            *((m._meta.label, m._meta.verbose_name) for m in services.LOGGED_MODELS),
        ]
        self.fields["model"].widget.attrs["class"] = "form-select"


class ServiceAreaForm(BootstrapMixin, forms.ModelForm):
    """A heating service area: its totals are the outage share's denominator (DOMAIN.md §3)."""

    class Meta:
        model = ServiceArea
        fields = (*services.SERVICE_AREA_FIELDS, "counties")
        widgets = {
            "counties": forms.CheckboxSelectMultiple,
            "totals_as_of": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["heated_area_m2"].help_text = _(
            "停热比例的分母：停热面积 ÷ 本区域供热面积（§1.4、附件4(1)，解读）。"
        )
        self.fields["counties"].required = True
        _bootstrap(self)


class ExpertForm(BootstrapMixin, forms.ModelForm):
    """技术专家组 expert directory (附件3)."""

    class Meta:
        model = Expert
        fields = services.EXPERT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators.append(validate_phone)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel"})
        _bootstrap(self)
