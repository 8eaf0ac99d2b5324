"""Writes to the org chart, each one audited: who, when, what (DESIGN.md: services write, selectors read).

Every action here is one named function with keyword-only arguments. Each one

- checks the actor's authority itself (``orgchart.edit``, ``roster.edit`` for the duty roster: 附件2,
  市指挥部办公室承担日常工作), so no entry point can skip the rule;
- runs in one transaction, locks the row it changes (``select_for_update``) and compares the new values
  with the *locked* row, so two office staff editing the same unit are serialised and each diff is true;
- saves with ``update_fields`` and writes exactly one ``OrgChange`` row (``changes`` = {field: [old, new]},
  JSON-safe: dates and decimals as strings, related objects and choices by their display names);
- changes nothing and records nothing when nothing differs;
- raises ``ValidationError`` with a Chinese message and leaves the database untouched on bad input.

What is recorded is always in Chinese (the language of the plan), whatever the actor's UI language.
"""

import calendar
import re
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from config.inputs import check_instance

from .models import (
    Absence,
    Appointment,
    Channel,
    CompanyType,
    DutyShift,
    Expert,
    GroupMembership,
    OrgChange,
    Person,
    Position,
    ServiceArea,
    Unit,
    UnitKind,
    WorkingGroup,
)
from .permissions import OFFICE, require

RECORD_LANGUAGE = "zh-hans"

# Fields of a unit the office keeps up to date; the plan's name, duties, kind and clause are the
# plan's text (附件2) and change only with a revision of the plan (§8.2, load_plan).
UNIT_OFFICE_FIELDS = ("current_name", "duty_phone", "address", "active")
PERSON_FIELDS = ("name", "title", "unit", "organisation", "mobile", "office_phone", "channels", "active")
COMPANY_FIELDS = ("name", "company_type", "duty_phone", "address")

# 附件2: 各供热企业 (供热企业 §8.3.3 or 热源单位 §8.3.4) and 各供水企业.
CATEGORY_COMPANY_TYPES = {
    "heating_companies": (CompanyType.HEATING, CompanyType.HEAT_SOURCE),
    "water_companies": (CompanyType.WATER,),
}

ROSTER_POSITIONS = {"duty_officer": "duty_officer", "duty_leader": "duty_leader"}

PLAN_MEMBER_NOT_REMOVABLE = _("预案规定的成员单位不能删除；如需调整请在具体事件中由现场指挥长调整（附件3）")


# ------------------------------------------------------------------------------------------------
# Recording
# ------------------------------------------------------------------------------------------------


def _plain(value):
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
        return [_plain(v) for v in value]
    return str(value)  # date, Decimal, lazy strings, choices


def _show(model, name, value):
    """Display form of a field's value: choice labels, related objects' names, channel labels."""
    if value in (None, ""):
        return _plain(value)
    field = model._meta.get_field(name)
    if name == "channels":
        return [str(Channel(c).label) if c in Channel.values else c for c in value]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return _plain(value)


def _label(model, name):
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # not a model field (e.g. "username")
        return {"username": "用户名"}.get(name, name)


def _record(*, actor, action, obj=None, model=None, object_id=None, object_repr=None, changes, summary):
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


def _apply(obj, data, fields):
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
            changes[name] = [_plain(old), _plain(new)]
            continue
        if isinstance(new, str):
            new = new.strip()
        old = getattr(obj, name)
        if old == new:
            continue
        changes[name] = [_show(model, name, old), _show(model, name, new)]
        setattr(obj, name, new)
    return changes


def _created(obj, fields):
    model = type(obj)
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if value in (None, "", []):
            continue
        out[name] = [
            None,
            _show(model, name, value) if not model._meta.get_field(name).many_to_one else _plain(value),
        ]
    return out


def _names(model, changes):
    return "、".join(_label(model, n) for n in changes)


def _check_keys(data, allowed, what):
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise ValidationError(
            _("%(what)s只能修改：%(allowed)s；不能修改 %(extra)s（预案规定的内容以预案为准，§8.2 修订）。"),
            params={"what": what, "allowed": "、".join(allowed), "extra": "、".join(extra)},
            code="not_editable",
        )


def _recording():
    """Recorded text is Chinese whatever the actor's UI language."""
    return translation.override(RECORD_LANGUAGE)


def snapshot(obj, names):
    """{field: display value} of ``obj`` for the model fields among ``names`` (for edits made elsewhere)."""
    model = type(obj)
    out = {}
    with _recording():
        for name in names:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.many_to_many:
                out[name] = [str(x) for x in getattr(obj, name).all()] if obj.pk else []
            elif field.many_to_one or field.one_to_one:
                out[name] = _plain(getattr(obj, name, None))
            elif field.concrete:
                out[name] = _show(model, name, getattr(obj, name))
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
    with _recording():
        summary = f"{ACTION_WORDS[action]}{model._meta.verbose_name}“{obj}”"
        if action == "update":
            summary += f"：{_names(model, changes)}"
        return _record(
            actor=actor,
            action=action,
            obj=obj,
            changes=changes,
            summary=summary + (f"（{via}）" if via else ""),
        )


# ------------------------------------------------------------------------------------------------
# Units and companies
# ------------------------------------------------------------------------------------------------


def unit_update(*, actor, unit, data):
    """Change a unit's office-owned fields (current name, duty phone, address, active)."""
    require(actor, "orgchart.edit")
    _check_keys(data, UNIT_OFFICE_FIELDS, _("成员单位"))
    with transaction.atomic(), _recording():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        changes = _apply(locked, data, UNIT_OFFICE_FIELDS)
        if not changes:
            return locked
        locked.save(update_fields=list(changes))
        _record(
            actor=actor,
            action="update",
            obj=locked,
            changes=changes,
            summary=f"修改单位“{locked.name}”：{_names(Unit, changes)}",
        )
    return locked


def _next_company_code():
    numbers = [
        int(m.group(1))
        for code in Unit.objects.filter(code__regex=r"^company-[0-9]+$").values_list("code", flat=True)
        if (m := re.match(r"^company-(\d+)$", code))
    ]
    return f"company-{max(numbers, default=0) + 1}"


def company_create(*, actor, category, data):
    """Add a company under 各供热企业 or 各供水企业 (附件2); it carries its category's duties."""
    require(actor, "orgchart.edit")
    _check_keys(data, COMPANY_FIELDS, _("企业"))
    allowed_types = CATEGORY_COMPANY_TYPES.get(category.code)
    if not category.is_category or allowed_types is None:
        raise ValidationError(_("只能在“各供热企业”或“各供水企业”下添加企业（附件2）。"), code="not_category")
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写企业名称。")}, code="required")
    company_type = data.get("company_type") or ""
    if company_type not in allowed_types:
        labels = "、".join(str(CompanyType(t).label) for t in allowed_types)
        raise ValidationError(
            {
                "company_type": _("“%(cat)s”下的企业类型只能是：%(types)s。")
                % {"cat": category.name, "types": labels}
            },
            code="company_type",
        )
    with transaction.atomic(), _recording():
        category = Unit.objects.select_for_update().get(pk=category.pk)  # serialises code numbering
        if Unit.objects.filter(parent=category, name=name).exists():
            raise ValidationError(
                {"name": _("“%(cat)s”下已有名为“%(name)s”的企业。") % {"cat": category.name, "name": name}},
                code="duplicate",
            )
        company = Unit.objects.create(
            code=_next_company_code(),
            name=name,
            kind=UnitKind.ENTERPRISE,
            parent=category,
            company_type=company_type,
            duty_phone=(data.get("duty_phone") or "").strip(),
            address=(data.get("address") or "").strip(),
            order=category.order + 1,
        )
        _record(
            actor=actor,
            action="create",
            obj=company,
            changes={
                "code": [None, company.code],
                "parent": [None, category.name],
                **_created(company, COMPANY_FIELDS),
            },
            summary=f"在“{category.name}”下新增企业“{company.name}”（{company.get_company_type_display()}）",
        )
    return company


# ------------------------------------------------------------------------------------------------
# People
# ------------------------------------------------------------------------------------------------

MOBILE_RE = re.compile(r"^1\d{10}$")


def validate_person(data):
    """Raise ValidationError({field: message}) for a person's data (forms call this too)."""
    errors = {}
    mobile = (data.get("mobile") or "").strip()
    if mobile and not MOBILE_RE.match(mobile):
        errors["mobile"] = _("手机号须为以1开头的11位数字，或留空。")
    unit, organisation = data.get("unit"), (data.get("organisation") or "").strip()
    if "unit" in data or "organisation" in data:
        if unit is None and not organisation:
            errors["unit"] = _("请选择所在的成员单位，或填写工作单位（非成员单位）。")
        elif unit is not None and organisation:
            errors["organisation"] = _("已选择成员单位时，不要再填写“工作单位（非成员单位）”。")
        elif unit is not None and unit.is_category:
            errors["unit"] = _("“%(cat)s”是企业类别，请选择具体企业。") % {"cat": unit.name}
    if "name" in data and not (data.get("name") or "").strip():
        errors["name"] = _("请填写姓名。")
    bad = [c for c in data.get("channels") or [] if c not in Channel.values]
    if bad:
        errors["channels"] = _("未知的接收渠道：%(c)s。") % {"c": "、".join(bad)}
    if errors:
        raise ValidationError(errors)


def _channels(data):
    if "channels" in data:
        chosen = set(data["channels"] or [])
        data = {**data, "channels": [c for c in Channel.values if c in chosen]}
    return data


def _office_holders_left(*, without_person=None, without_appointment=None):
    qs = Appointment.objects.filter(
        position__code__in=OFFICE, role=Appointment.Role.HOLDER, person__active=True
    )
    if without_person is not None:
        qs = qs.exclude(person=without_person)
    if without_appointment is not None:
        qs = qs.exclude(pk=without_appointment.pk)
    return qs.exists()


LAST_OFFICE_HOLDER = _(
    "这是办公室最后一名在职人员的任职：删除或停用后将无人能维护组织体系（附件2）。请先任命其他办公室人员。"
)


def person_create(*, actor, data):
    """A person of the organisation: a Django user (no password: a directory entry until the office
    gives them a login) with a profile."""
    require(actor, "orgchart.edit")
    _check_keys(data, ("username", *PERSON_FIELDS), _("人员"))
    data = _channels(data)
    username = (data.get("username") or "").strip()
    errors = {}
    if not username:
        errors["username"] = _("请填写用户名。")
    try:
        validate_person(
            {
                **data,
                "unit": data.get("unit"),
                "organisation": data.get("organisation", ""),
                "name": data.get("name", ""),
            }
        )
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    User = get_user_model()
    with transaction.atomic(), _recording():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(
                {"username": _("用户名“%(u)s”已被使用。") % {"u": username}}, code="duplicate"
            )
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username, password=None, first_name=data["name"].strip()
                )
        except IntegrityError:
            raise ValidationError(
                {"username": _("用户名“%(u)s”已被使用。") % {"u": username}}, code="duplicate"
            ) from None
        person = Person.objects.create(
            user=user,
            **{
                f: (data[f].strip() if isinstance(data[f], str) else data[f])
                for f in PERSON_FIELDS
                if f in data
            },
        )
        _record(
            actor=actor,
            action="create",
            obj=person,
            changes={"username": [None, username], **_created(person, PERSON_FIELDS)},
            summary=f"新增人员“{person.name}”（用户名 {username}）",
        )
    return person


def person_update(*, actor, person, data):
    require(actor, "orgchart.edit")
    _check_keys(data, PERSON_FIELDS, _("人员"))
    data = _channels(data)
    with transaction.atomic(), _recording():
        locked = (
            Person.objects.select_for_update(of=("self",)).select_related("unit", "user").get(pk=person.pk)
        )
        # unit / organisation are checked together: a partial update is judged with the saved other half
        validate_person(
            {
                **(
                    {"unit": locked.unit, "organisation": locked.organisation}
                    if "unit" in data or "organisation" in data
                    else {}
                ),
                **data,
            }
        )
        changes = _apply(locked, data, PERSON_FIELDS)
        if not changes:
            return locked
        if (
            changes.get("active") == [True, False]
            and locked.appointments.filter(position__code__in=OFFICE, role=Appointment.Role.HOLDER).exists()
            and not _office_holders_left(without_person=locked)
        ):
            raise ValidationError({"active": LAST_OFFICE_HOLDER}, code="last_office_holder")
        locked.save(update_fields=list(changes))
        if "name" in changes and locked.user.first_name != locked.name:
            locked.user.first_name = locked.name
            locked.user.save(update_fields=["first_name"])
        _record(
            actor=actor,
            action="update",
            obj=locked,
            changes=changes,
            summary=f"修改人员“{locked.name}”：{_names(Person, changes)}",
        )
    return locked


# ------------------------------------------------------------------------------------------------
# Appointments and absences
# ------------------------------------------------------------------------------------------------


def validate_appointment_scope(*, position, unit, group):
    """{field: message} for an appointment whose unit/group does not fit the position's scope."""
    errors = {}
    if position.scope == Position.Scope.UNIT:
        if unit is None:
            errors["unit"] = _("“%(p)s”按单位任职：请选择单位。") % {"p": position.name}
        elif unit.is_category:
            errors["unit"] = _("“%(cat)s”是企业类别，请选择具体企业。") % {"cat": unit.name}
        if group is not None:
            errors["group"] = _("“%(p)s”按单位任职，不选工作组。") % {"p": position.name}
    elif position.scope == Position.Scope.GROUP:
        if group is None:
            errors["group"] = _("“%(p)s”按工作组任职：请选择工作组。") % {"p": position.name}
        if unit is not None:
            errors["unit"] = _("“%(p)s”按工作组任职，不选单位。") % {"p": position.name}
    else:
        if unit is not None:
            errors["unit"] = _("“%(p)s”不按单位任职，请不要选择单位。") % {"p": position.name}
        if group is not None:
            errors["group"] = _("“%(p)s”不按工作组任职，请不要选择工作组。") % {"p": position.name}
    return errors


def appointment_add(*, actor, person, position, unit=None, group=None, role=Appointment.Role.HOLDER):
    require(actor, "orgchart.edit")
    errors = validate_appointment_scope(position=position, unit=unit, group=group)
    if role not in Appointment.Role.values:
        errors["role"] = _("角色只能是“担任”或“代理（AB角）”。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), _recording():
        locked = Person.objects.select_for_update().get(pk=person.pk)  # serialises this person's posts
        if Appointment.objects.filter(
            person=locked, position=position, unit=unit, group=group, role=role
        ).exists():
            raise ValidationError(_("%(n)s已有这一任职。") % {"n": locked.name}, code="duplicate")
        appointment = Appointment.objects.create(
            person=locked, position=position, unit=unit, group=group, role=role
        )
        changes = {
            "person": [None, locked.name],
            "position": [None, position.name],
            **({"unit": [None, str(unit)]} if unit else {}),
            **({"group": [None, str(group)]} if group else {}),
            "role": [None, str(appointment.get_role_display())],
        }
        _record(
            actor=actor,
            action="create",
            obj=appointment,
            changes=changes,
            summary=f"任命“{locked.name}”：{appointment_text(appointment)}",
        )
    return appointment


def appointment_text(a):
    """“成员单位联络员（市公安局）·担任”."""
    scope = a.unit or a.group
    return f"{a.position.name}{f'（{scope}）' if scope else ''}·{a.get_role_display()}"


def appointment_remove(*, actor, appointment):
    require(actor, "orgchart.edit")
    with transaction.atomic(), _recording():
        try:
            locked = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("person", "position", "unit", "group")
                .get(pk=appointment.pk)
            )
        except Appointment.DoesNotExist:
            raise ValidationError(_("该任职已不存在（可能已被他人删除）。"), code="gone") from None
        if (
            locked.position.code in OFFICE
            and locked.role == Appointment.Role.HOLDER
            and locked.person.active
            and not _office_holders_left(without_appointment=locked)
        ):
            raise ValidationError(LAST_OFFICE_HOLDER, code="last_office_holder")
        changes = {
            "person": [locked.person.name, None],
            "position": [locked.position.name, None],
            **({"unit": [str(locked.unit), None]} if locked.unit_id else {}),
            **({"group": [str(locked.group), None]} if locked.group_id else {}),
            "role": [str(locked.get_role_display()), None],
        }
        text, pk, repr_ = appointment_text(locked), locked.pk, str(locked)
        locked.delete()
        _record(
            actor=actor,
            action="delete",
            model=Appointment,
            object_id=pk,
            object_repr=repr_,
            changes=changes,
            summary=f"撤销“{locked.person.name}”的任职：{text}",
        )


def absence_add(*, actor, person, starts_at, ends_at, reason=""):
    """The person is away; their deputies (AB角) act for them meanwhile (orgchart.permissions)."""
    require(actor, "orgchart.edit")
    if starts_at is None or ends_at is None:
        raise ValidationError(_("请填写开始和结束时间。"), code="required")
    if not ends_at > starts_at:
        raise ValidationError({"ends_at": _("结束时间必须晚于开始时间。")}, code="order")
    check_instance(Absence(starts_at=starts_at, ends_at=ends_at))  # the plausible window (issue 16)
    with transaction.atomic(), _recording():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        absence = Absence.objects.create(
            person=locked, starts_at=starts_at, ends_at=ends_at, reason=(reason or "").strip()
        )
        _record(
            actor=actor,
            action="create",
            obj=absence,
            changes={"person": [None, locked.name], **_created(absence, ("starts_at", "ends_at", "reason"))},
            summary=f"登记“{locked.name}”不在岗：{_plain(starts_at)} 至 {_plain(ends_at)}"
            + (f"（{absence.reason}）" if absence.reason else ""),
        )
    return absence


def absence_remove(*, actor, absence):
    require(actor, "orgchart.edit")
    with transaction.atomic(), _recording():
        try:
            locked = (
                Absence.objects.select_for_update(of=("self",)).select_related("person").get(pk=absence.pk)
            )
        except Absence.DoesNotExist:
            raise ValidationError(_("该不在岗记录已不存在（可能已被他人删除）。"), code="gone") from None
        changes = {
            "person": [locked.person.name, None],
            "starts_at": [_plain(locked.starts_at), None],
            "ends_at": [_plain(locked.ends_at), None],
            **({"reason": [locked.reason, None]} if locked.reason else {}),
        }
        pk, repr_ = locked.pk, str(locked)
        locked.delete()
        _record(
            actor=actor,
            action="delete",
            model=Absence,
            object_id=pk,
            object_repr=repr_,
            changes=changes,
            summary=f"删除“{locked.person.name}”的不在岗记录：{changes['starts_at'][0]} 至 {changes['ends_at'][0]}",
        )


# ------------------------------------------------------------------------------------------------
# Working-group standing members (附件3)
# ------------------------------------------------------------------------------------------------


def group_member_add(*, actor, group, unit):
    require(actor, "orgchart.edit")
    if unit.kind == UnitKind.COUNTY_GOVERNMENT:
        raise ValidationError(
            {"unit": _("事发地县级政府按具体事件确定，不作为工作组的固定成员单位（附件3）。")}, code="county"
        )
    if not unit.active:
        raise ValidationError({"unit": _("“%(u)s”已停用，不能加入工作组。") % {"u": unit}}, code="inactive")
    with transaction.atomic(), _recording():
        locked = WorkingGroup.objects.select_for_update().get(pk=group.pk)
        if GroupMembership.objects.filter(group=locked, unit=unit).exists():
            raise ValidationError(
                {"unit": _("“%(u)s”已是%(g)s的成员单位。") % {"u": unit, "g": locked.name}}, code="duplicate"
            )
        last = GroupMembership.objects.filter(group=locked).aggregate(m=models.Max("order"))["m"]
        membership = GroupMembership.objects.create(
            group=locked, unit=unit, from_plan=False, order=(last or 0) + 1
        )
        _record(
            actor=actor,
            action="create",
            obj=membership,
            changes={"group": [None, locked.name], "unit": [None, str(unit)], "from_plan": [None, False]},
            summary=f"{locked.name}增加成员单位“{unit}”（办公室增补）",
        )
    return membership


def group_member_remove(*, actor, membership):
    require(actor, "orgchart.edit")
    with transaction.atomic(), _recording():
        try:
            locked = (
                GroupMembership.objects.select_for_update(of=("self",))
                .select_related("group", "unit")
                .get(pk=membership.pk)
            )
        except GroupMembership.DoesNotExist:
            raise ValidationError(_("该成员单位已不在工作组中（可能已被他人删除）。"), code="gone") from None
        if locked.from_plan:
            raise ValidationError(PLAN_MEMBER_NOT_REMOVABLE, code="from_plan")
        pk, repr_ = locked.pk, str(locked)
        locked.delete()
        _record(
            actor=actor,
            action="delete",
            model=GroupMembership,
            object_id=pk,
            object_repr=repr_,
            changes={
                "group": [locked.group.name, None],
                "unit": [str(locked.unit), None],
                "from_plan": [False, None],
            },
            summary=f"{locked.group.name}删除成员单位“{locked.unit}”",
        )


# ------------------------------------------------------------------------------------------------
# Duty roster (值班表, DOMAIN.md §4; shift times DutyShift.SHIFT_TIMES are a reading)
# ------------------------------------------------------------------------------------------------


def roster_eligible_ids():
    """{"duty_officer": {person ids}, "duty_leader": {person ids}}: active holders of the two posts."""
    out = {k: set() for k in ROSTER_POSITIONS}
    for code, pid in Appointment.objects.filter(
        position__code__in=ROSTER_POSITIONS.values(), person__active=True
    ).values_list("position__code", "person_id"):
        out[code].add(pid)
    return out


def month_days(year, month):
    return [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def roster_month_save(*, actor, year, month, rows):
    """Create or update the shifts of one month in one transaction.

    ``rows``: iterable of {"date", "kind", "duty_officer": Person | None, "duty_leader": Person | None}.
    A row for a shift that does not exist yet and names nobody creates nothing. A newly named 值班员 must
    hold the ``duty_officer`` post, a 带班领导 the ``duty_leader`` post (people kept unchanged may have
    left the post since). Writes one OrgChange for the month listing every changed shift. Returns
    (created, updated) counts.
    """
    require(actor, "roster.edit")
    try:
        days = month_days(year, month)
    except (ValueError, calendar.IllegalMonthError):
        raise ValidationError(_("没有这个月份。"), code="month") from None
    rows = list(rows)
    errors = []
    seen = set()
    for r in rows:
        if r.get("date") not in days:
            errors.append(_("%(d)s不在%(y)s年%(m)s月内。") % {"d": r.get("date"), "y": year, "m": month})
        if r.get("kind") not in DutyShift.Kind.values:
            errors.append(_("未知的班次：%(k)s。") % {"k": r.get("kind")})
        if (r.get("date"), r.get("kind")) in seen:
            errors.append(_("%(d)s的同一班次填写了两次。") % {"d": r.get("date")})
        seen.add((r.get("date"), r.get("kind")))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), _recording():
        existing = {
            (s.date, s.kind): s
            for s in DutyShift.objects.select_for_update(of=("self",))
            .select_related("duty_officer", "duty_leader")
            .filter(date__gte=days[0], date__lte=days[-1])
        }
        eligible = roster_eligible_ids()
        to_create, to_update, changes, problems = [], [], {}, []
        for r in rows:
            shift = existing.get((r["date"], r["kind"]))
            kind_label = str(DutyShift.Kind(r["kind"]).label)
            if shift is None:
                if r.get("duty_officer") is None and r.get("duty_leader") is None:
                    continue
                begins, ends = DutyShift.bounds(r["date"], r["kind"])
                shift = DutyShift(date=r["date"], kind=r["kind"], starts_at=begins, ends_at=ends)
                diff = _apply(shift, r, ROSTER_POSITIONS)
                to_create.append(shift)
            else:
                diff = _apply(shift, r, ROSTER_POSITIONS)
                if diff:
                    to_update.append(shift)
            for field, person in ((f, r.get(f)) for f in diff):
                if person is not None and person.pk not in eligible[ROSTER_POSITIONS[field]]:
                    problems.append(
                        _("%(d)s %(k)s：%(p)s不是%(post)s。")
                        % {
                            "d": r["date"],
                            "k": kind_label,
                            "p": person.name,
                            "post": _label(DutyShift, field),
                        }
                    )
            for field, pair in diff.items():
                changes[f"{r['date']:%Y-%m-%d} {kind_label}·{_label(DutyShift, field)}"] = pair
        if problems:
            raise ValidationError(problems, code="not_eligible")
        if not changes:
            return 0, 0
        try:
            with transaction.atomic():
                DutyShift.objects.bulk_create(to_create)
        except IntegrityError:
            raise ValidationError(_("值班表刚被他人同时修改，请刷新后重试。"), code="conflict") from None
        if to_update:
            DutyShift.objects.bulk_update(to_update, fields=list(ROSTER_POSITIONS))
        _record(
            actor=actor,
            action="create" if to_create and not to_update else "update",
            model=DutyShift,
            object_id=f"{year:04d}-{month:02d}",
            object_repr=f"{year}年{month}月值班表",
            changes=changes,
            summary=f"编排{year}年{month}月值班表：新建{len(to_create)}个班次，修改{len(to_update)}个班次",
        )
    return len(to_create), len(to_update)


def roster_copy_pattern(*, year, month):
    """Rows for (year, month) that repeat the previous month's day-of-month pattern (a suggestion
    the office reviews and saves; nothing is written here)."""
    first = date(year, month, 1)
    prev = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
    prev_days = month_days(prev.year, prev.month)
    shifts = {
        (s.date.day, s.kind): s
        for s in DutyShift.objects.filter(date__gte=prev_days[0], date__lte=prev_days[-1])
    }
    out = {}
    for d in month_days(first.year, first.month):
        for kind in DutyShift.Kind.values:
            s = shifts.get((d.day, kind))
            if s is not None:
                out[(d, kind)] = (s.duty_officer_id, s.duty_leader_id)
    return out


# The models whose changes the change log can be filtered by.
LOGGED_MODELS = (Unit, Person, Appointment, Absence, GroupMembership, DutyShift, Expert, ServiceArea)


# ------------------------------------------------------------------------------------------------
# Service areas (the outage share's denominator, DOMAIN.md §3) and the expert directory (附件3)
# ------------------------------------------------------------------------------------------------

SERVICE_AREA_FIELDS = ("name", "heated_area_m2", "households", "totals_as_of", "active")
EXPERT_FIELDS = ("name", "field", "organisation", "phone", "active")


def _save_audited(*, actor, model, obj, data, fields, what, extra=None, new_code=None):
    """Create (obj None) or update ``obj`` with ``data`` (cleaned values): one OrgChange, none when nothing
    changed. ``extra(obj)`` applies what plain fields cannot (many-to-many) and returns its changes."""
    require(actor, "orgchart.edit")
    _check_keys(data, fields, what)
    with transaction.atomic(), _recording():
        if obj is None:
            obj = model(**{k: data[k] for k in fields if k in data})
            if new_code:
                obj.code = new_code()
            obj.full_clean()
            obj.save()
            changes = {**_created(obj, fields), **(extra(obj) if extra else {})}
            _record(actor=actor, action="create", obj=obj, changes=changes, summary=f"新增{what}“{obj}”")
            return obj
        locked = model.objects.select_for_update().get(pk=obj.pk)
        changes = _apply(locked, data, fields)
        if changes:
            locked.full_clean()
            locked.save(update_fields=list(changes))
        changes.update(extra(locked) if extra else {})
        if changes:
            _record(
                actor=actor,
                action="update",
                obj=locked,
                changes=changes,
                summary=f"修改{what}“{locked}”：{_names(model, changes)}",
            )
        return locked


def _next_area_code():
    taken = set(ServiceArea.objects.values_list("code", flat=True))
    return next(f"area-{n}" for n in range(1, len(taken) + 2) if f"area-{n}" not in taken)


def service_area_save(*, actor, area=None, data):
    """Add or edit a heating service area: its heated area and households are the denominator of the
    outage share (DOMAIN.md §3). Figures the office enters replace demo figures (totals_are_demo off)."""
    data = dict(data)
    counties = data.pop("counties", None)
    fields = SERVICE_AREA_FIELDS
    if area is not None:
        # Compare with the stored row: a ModelForm has already written the new values onto ``area``.
        stored = ServiceArea.objects.filter(pk=area.pk).values(
            "totals_are_demo", "heated_area_m2", "households"
        )[0]
        if stored["totals_are_demo"] and any(
            k in data and data[k] != stored[k] for k in ("heated_area_m2", "households")
        ):
            data["totals_are_demo"], fields = False, (*fields, "totals_are_demo")

    def set_counties(obj):
        if counties is None:
            return {}
        old = sorted(obj.counties.values_list("name", flat=True))
        new = sorted(c.name for c in counties)
        if old == new:
            return {}
        obj.counties.set(counties)
        return {"counties": [old or None, new]}

    return _save_audited(
        actor=actor,
        model=ServiceArea,
        obj=area,
        data=data,
        fields=fields,
        what="供热服务区域",
        extra=set_counties,
        new_code=_next_area_code,
    )


def expert_save(*, actor, expert=None, data):
    """Add or edit an expert of the 技术专家组 directory (附件3)."""
    return _save_audited(actor=actor, model=Expert, obj=expert, data=data, fields=EXPERT_FIELDS, what="专家")
