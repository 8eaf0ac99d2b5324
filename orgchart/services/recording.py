"""The audit of the org chart: one OrgChange per write, its diff JSON-safe and in Chinese (the language of
the plan), whatever the actor's UI language. Shared by every service module of ``orgchart.services``."""

from datetime import datetime

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.language import recorded

from ..models import (
    Absence,
    Appointment,
    Channel,
    DutyShift,
    Expert,
    GroupMembership,
    OrgChange,
    Person,
    ServiceArea,
    Unit,
)

# The models whose changes the change log can be filtered by.
LOGGED_MODELS = (Unit, Person, Appointment, Absence, GroupMembership, DutyShift, Expert, ServiceArea)


def plain_value(value):
    """A JSON-safe, human-readable value for OrgChange.changes."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat(sep=" ", timespec="minutes")
            if timezone.is_aware(value)
            else value.isoformat(sep=" ", timespec="minutes")
        )
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    return str(value)  # date, Decimal, lazy strings, choices


def display_value(model, name, value):
    """Display form of a field's value: choice labels, related objects' names, channel labels."""
    if value in (None, ""):
        return plain_value(value)
    field = model._meta.get_field(name)
    if name == "channels":
        return [str(Channel(c).label) if c in Channel.values else c for c in value]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return plain_value(value)


def field_label(model, name):
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # not a model field (e.g. "username")
        return {"username": "用户名"}.get(name, name)


def record_change(*, actor, action, obj=None, model=None, object_id=None, object_repr=None, changes, summary):
    model = model or type(obj)
    return OrgChange.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        model=model._meta.label,
        object_id=str(object_id if object_id is not None else obj.pk)[:40],
        object_repr=str(object_repr if object_repr is not None else obj)[:200],
        changes=changes,
        summary=summary[:300],
    )


def apply_changes(obj, data, fields):
    """Set the fields of ``obj`` that differ from ``data``; return {field: [old, new]} for those."""
    model = type(obj)
    changes = {}
    for name in fields:
        if name not in data:
            continue
        new = data[name]
        field = model._meta.get_field(name)
        if field.many_to_one:
            old_id = getattr(obj, field.attname)
            new_id = new.pk if new is not None else None
            if old_id == new_id:
                continue
            old = getattr(obj, name) if old_id is not None else None
            setattr(obj, name, new)
            changes[name] = [plain_value(old), plain_value(new)]
            continue
        if isinstance(new, str):
            new = new.strip()
        old = getattr(obj, name)
        if old == new:
            continue
        changes[name] = [display_value(model, name, old), display_value(model, name, new)]
        setattr(obj, name, new)
    return changes


def created_changes(obj, fields):
    model = type(obj)
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if value in (None, "", []):
            continue
        out[name] = [
            None,
            display_value(model, name, value)
            if not model._meta.get_field(name).many_to_one
            else plain_value(value),
        ]
    return out


def changed_names(model, changes):
    return "、".join(field_label(model, n) for n in changes)


def check_editable_keys(data, allowed, what):
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise ValidationError(
            _("%(what)s只能修改：%(allowed)s；不能修改 %(extra)s（预案规定的内容以预案为准，§8.2 修订）。"),
            params={"what": what, "allowed": "、".join(allowed), "extra": "、".join(extra)},
            code="not_editable",
        )


def snapshot(obj, names):
    """{field: display value} of ``obj`` for the model fields among ``names`` (for edits made elsewhere)."""
    model = type(obj)
    out = {}
    with recorded():
        for name in names:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.many_to_many:
                out[name] = [str(x) for x in getattr(obj, name).all()] if obj.pk else []
            elif field.many_to_one or field.one_to_one:
                out[name] = plain_value(getattr(obj, name, None))
            elif field.concrete:
                out[name] = display_value(model, name, getattr(obj, name))
    return out


def m2m_names(obj):
    return {f.name for f in obj._meta.many_to_many}


ACTION_WORDS = {"create": "新建", "update": "修改", "delete": "删除"}


def record_edit(*, actor, action, obj, before, after, via=""):
    """Record an edit made outside these services (the Django admin, admin.py): ``before``/``after``
    come from ``snapshot``. Nothing differs → nothing recorded."""
    changes = {
        k: [before.get(k), after.get(k)]
        for k in dict.fromkeys([*before, *after])
        if before.get(k) != after.get(k)
    }
    if not changes:
        return None
    model = type(obj)
    with recorded():
        summary = f"{ACTION_WORDS[action]}{model._meta.verbose_name}“{obj}”"
        if action == "update":
            summary += f"：{changed_names(model, changes)}"
        return record_change(
            actor=actor,
            action=action,
            obj=obj,
            changes=changes,
            summary=summary + (f"（{via}）" if via else ""),
        )
