"""Bad input refused in one place (issue 16): plausible date-time windows, NUL bytes, malformed
hidden fields. Every form, service and migration that takes a date-time from a person uses this module.

- ``WINDOWS`` / ``FIELDS``: the plausible window of every date-time column written from user input,
  as data. A time before 2000-01-01 is a typing error (a year-0001 timestamp cannot even be read back by
  psycopg); a time far in the future is one too. The form (``PlausibleDateTimeField``), the service
  (``check_window`` / ``check_instance``) and the database (``window_constraint``: a CHECK with fixed
  bounds, 2000 … 2100, so the constraint is immutable) refuse it.
- ``NulRefusalMiddleware``: a NUL byte (``\\x00``) in any GET or POST value or name is refused with a 400
  page before any view runs (PostgreSQL text cannot store it).
- ``MalformedInput`` / ``hidden_int``: a hidden numeric field that is not a number is a 400 with a message
  (``MalformedInputMiddleware``), raised only after the view checked the permission.
"""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CheckConstraint, Q
from django.http import HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SHANGHAI = ZoneInfo("Asia/Shanghai")
EARLIEST = datetime(2000, 1, 1, tzinfo=SHANGHAI)
# The database CHECK's bounds: fixed instants (a CHECK cannot use now()); the application's windows
# below lie inside them.
DB_EARLIEST = EARLIEST.astimezone(UTC)
DB_LATEST = datetime(2100, 1, 1, tzinfo=UTC)

# How far after now a value of each kind may lie.
WINDOWS = {
    "past": timedelta(days=1),  # something that happened (tighter "not in the future" checks stay)
    "planned": timedelta(days=5 * 366),  # a deadline, an estimate, an absence
    "roster": timedelta(days=10 * 366),  # the duty roster may be planned years ahead
}

# Every date-time (and date) column written from user input → its window kind.
FIELDS = {
    "incidents.Incident": {
        "occurred_at": "past",
        "reported_at": "past",
        "outage_started_at": "past",
        "estimated_restoration_at": "planned",
        "restored_at": "past",
    },
    "incidents.FirstMeasure": {"at": "past"},
    "incidents.UpwardReport": {"due_at": "planned", "sent_at": "past"},
    "incidents.TimelineEvent": {"at": "planned"},
    "command.Instruction": {"given_at": "past"},
    "command.Assignment": {"due_at": "planned"},
    "command.LevelRequestStep": {"at": "past"},
    "orgchart.Absence": {"starts_at": "planned", "ends_at": "planned"},
    "orgchart.DutyShift": {"starts_at": "roster", "ends_at": "roster"},
    "aftermath.Measure": {"due_on": "planned"},
}


def latest(kind, now=None):
    return (now or timezone.now()) + WINDOWS[kind]


def _fmt(value):
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            try:
                value = value.astimezone(SHANGHAI)
            except (OverflowError, ValueError):
                pass
        return f"{value:%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def window_error(value, kind, label=None, now=None):
    """The Chinese message if ``value`` (a datetime or a date) lies outside its window, else None."""
    if value is None:
        return None
    low, high = EARLIEST, latest(kind, now)
    if isinstance(value, date) and not isinstance(value, datetime):
        low, high = low.date(), timezone.localtime(high, SHANGHAI).date()
    elif timezone.is_naive(value):
        value = timezone.make_aware(value, SHANGHAI)
    if low <= value <= high:
        return None
    params = {"label": label or _("时间"), "value": _fmt(value), "low": _fmt(low), "high": _fmt(high)}
    return _("%(label)s（%(value)s）不在合理范围内（%(low)s 至 %(high)s），请核对年份。") % params


def check_window(value, kind, label=None, *, field=None, now=None):
    """Service check: raise a ValidationError (on ``field`` if given) when out of the window."""
    message = window_error(value, kind, label, now)
    if message:
        raise ValidationError({field: message} if field else message, code="implausible")


def check_instance(obj, now=None):
    """Every registered field of ``obj``'s model within its window; errors by field name."""
    errors = {}
    for name, kind in FIELDS.get(obj._meta.label, {}).items():
        field = obj._meta.get_field(name)
        message = window_error(getattr(obj, field.attname), kind, field.verbose_name, now)
        if message:
            errors[name] = [message]
    if errors:
        raise ValidationError(errors)


def window_constraint(model_label, name):
    """The database CHECK for a model's registered fields (NULL passes: an empty optional field)."""
    condition = Q()
    for field in FIELDS[model_label]:
        low, high = DB_EARLIEST, DB_LATEST
        if field.endswith("_on"):  # a DateField
            low, high = EARLIEST.date(), DB_LATEST.date()
        condition &= Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": low, f"{field}__lt": high})
    return CheckConstraint(
        condition=condition,
        name=name,
        violation_error_message=gettext_lazy("时间不在合理范围内（2000年至2100年），请核对年份。"),
    )


def clamp_rows(apps, schema_editor, model_label, *, triggers=()):
    """Migration step: rows outside the database window (written before the CHECK existed) are moved
    to the nearest bound (a required column) or emptied (an optional one), with a note on the console;
    the values are never read into Python (psycopg cannot read a year-0 timestamp). ``triggers``: the
    append-only triggers to lift meanwhile (PostgreSQL)."""
    app, model_name = model_label.split(".")
    model = apps.get_model(app, model_name)
    pg = schema_editor.connection.vendor == "postgresql"
    table = model._meta.db_table
    if pg:
        for trigger in triggers:
            schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    for name in FIELDS[model_label]:
        field = model._meta.get_field(name)
        low, high = DB_EARLIEST, DB_LATEST - timedelta(days=1)
        if name.endswith("_on"):
            low, high = low.date(), high.date()
        for bad, fixed in ((Q(**{f"{name}__lt": low}), low), (Q(**{f"{name}__gte": high}), high)):
            value = None if field.null else fixed
            n = model._default_manager.filter(bad).update(**{name: value})
            if n:
                print(f"\n  {model_label}.{name}: {n} 行超出合理范围，已改为 {value}（issue 16）")
    if pg:
        for trigger in triggers:
            schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        # Fire the deferred foreign-key checks the updates queued now: ALTER TABLE (the CHECK that
        # follows) refuses to run while trigger events are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


# ------------------------------------------------------------------------------------------------
# The form field every form uses for a date-time
# ------------------------------------------------------------------------------------------------


class DateTimeLocalInput(forms.DateTimeInput):
    """A phone's own date-and-time picker; minutes are enough (times are Asia/Shanghai)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


@deconstructible
class PlausibleWindow:
    def __init__(self, kind, label=None):
        self.kind, self.label = kind, label

    def __call__(self, value):
        message = window_error(value, self.kind, self.label)
        if message:
            raise ValidationError(message, code="implausible")

    def __eq__(self, other):
        return isinstance(other, PlausibleWindow) and (self.kind, self.label) == (other.kind, other.label)


class PlausibleDateTimeField(forms.DateTimeField):
    """A date-time within its window (``FIELDS``' kinds); the picker's min says so too."""

    widget = DateTimeLocalInput

    def __init__(self, *, window="past", **kwargs):
        self.window = window
        super().__init__(**kwargs)
        self.validators.append(PlausibleWindow(window, kwargs.get("label")))

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (OverflowError, ValueError):  # a year-9999 local time beyond what UTC can hold
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def widget_attrs(self, widget):
        # The lower bound only: the upper one moves with the clock, the form is built at import.
        return {**super().widget_attrs(widget), "min": "2000-01-01T00:00"}


def plausible_formfield(model_label, name, **kwargs):
    """For a ModelForm: the registered field as a PlausibleDateTimeField."""
    return PlausibleDateTimeField(window=FIELDS[model_label][name], **kwargs)


# ------------------------------------------------------------------------------------------------
# NUL bytes and malformed hidden fields: a 400 with a message
# ------------------------------------------------------------------------------------------------


class MalformedInput(ValueError):
    """A field the page itself fills in (a hidden number) holds something else: a 400."""


def hidden_int(raw, *, required=True):
    """A hidden numeric field: ``""``/None → None when not required; anything else not an integer →
    MalformedInput. Call it after the permission check."""
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise MalformedInput(_("页面数据不完整，请刷新页面后重试。"))
        return None
    if not re.fullmatch(r"-?[0-9]{1,18}", raw):
        raise MalformedInput(_("页面数据有误（“%(v)s”不是编号），请刷新页面后重试。") % {"v": raw[:20]})
    return int(raw)


def hidden_int_for(raw, may):
    """A number the page put in a hidden field, for an action ``may()`` says whether this person may
    take. Malformed: 403 (PermissionDenied) for who may not act anyway — the permission comes first —
    and MalformedInput (a 400 with a message) for who may."""
    try:
        return hidden_int(raw, required=False)
    except MalformedInput:
        if not may():
            raise PermissionDenied(_("您无权进行此项操作。")) from None
        raise


def bad_request(request, message, code="invalid_input"):
    """400 with the reason: the page for a person, JSON in the API's error shape for the API."""
    if request.path.startswith("/api/"):
        body = {"code": code, "message": str(message), "field": None, "errors": []}
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    html = render_to_string("400.html", {"message": message}, request=request)
    return HttpResponse(html, status=400)


def _has_nul(querydict):
    return any("\x00" in k or any("\x00" in v for v in querydict.getlist(k)) for k in querydict)


class NulRefusalMiddleware:
    """Refuse any request whose parameters carry a NUL byte: nothing is saved, the page says why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(self._form(request))):
            return bad_request(
                request,
                _("输入中含有不可见的控制字符（NUL，\\x00），已拒绝，未保存任何内容。请删除后重试。"),
                code="nul_byte",
            )
        return self.get_response(request)

    @staticmethod
    def _form(request):
        """The POSTed form, or nothing when the body is not a form that can be read (JSON for the API, a
        broken multipart body): the view that reads it answers for it (the API with its own JSON error)."""
        try:
            return request.POST
        except MultiPartParserError:
            return QueryDict()

    def process_exception(self, request, exception):
        if isinstance(exception, MalformedInput):
            return bad_request(request, str(exception))
        return None
