"""Helpers the incident forms share: field builders, Chinese messages, Bootstrap classes."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from config.inputs import FIELDS, DateTimeLocalInput, PlausibleDateTimeField

from ..models import Incident

# A phone's clock may run a little ahead of the server's: "in the future" means beyond this.
FUTURE_SLACK = timedelta(minutes=2)
MAX_LOSS_YUAN = Decimal("99999999999999.99")  # Incident.direct_loss_yuan: 16 digits, 2 decimals
MAX_AREA_M2 = Decimal("999999999999.99")  # Incident.affected_area_m2: 14 digits, 2 decimals
MAX_MEASURES = 20
CENT = Decimal("0.01")


def label(name):
    return Incident._meta.get_field(name).verbose_name


def lazy_message(msgid, **params):
    """A message translated when shown (the request's language), with its parameters."""
    return lazy(lambda: _(msgid) % {k: str(v) for k, v in params.items()}, str)()


def required_messages(name, verb=None):
    verb = verb or gettext_lazy("填写")
    return {"required": lazy_message(gettext_noop("请%(verb)s%(label)s。"), verb=verb, label=label(name))}


def datetime_field(name, required=False):
    messages = {"invalid": lazy_message(gettext_noop("%(label)s不是有效的日期时间。"), label=label(name))}
    if required:
        messages.update(required_messages(name))
    return PlausibleDateTimeField(
        window=FIELDS["incidents.Incident"][name],
        label=label(name),
        required=required,
        widget=DateTimeLocalInput(),
        error_messages=messages,
    )


def count_field(name, text=None):
    return forms.IntegerField(
        label=text or label(name),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "step": "1"}),
        error_messages={
            "invalid": lazy_message(gettext_noop("%(label)s须为整数。"), label=text or label(name))
        },
    )


def bootstrap(form):
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
    bootstrap(form)


def add_service_error(form, error, field_map=None):
    """Put a service's ValidationError on the form (on the field where there is one)."""
    field_map = field_map or {}
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            field = field_map.get(field, field)
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error)
    bootstrap(form)


def format_datetime(value):
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
