"""People, their appointments (posts) and absences (AB角 act meanwhile): the office's writes, audited."""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from config.inputs import check_instance
from config.language import recorded

from ..models import Absence, Appointment, Channel, Person, Position
from ..permissions import OFFICE, require
from .recording import (
    apply_changes,
    changed_names,
    check_editable_keys,
    created_changes,
    plain_value,
    record_change,
)

PERSON_FIELDS = ("name", "title", "unit", "organisation", "mobile", "office_phone", "channels", "active")
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
    check_editable_keys(data, ("username", *PERSON_FIELDS), _("人员"))
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
    with transaction.atomic(), recorded():
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
        record_change(
            actor=actor,
            action="create",
            obj=person,
            changes={"username": [None, username], **created_changes(person, PERSON_FIELDS)},
            summary=f"新增人员“{person.name}”（用户名 {username}）",
        )
    return person


def person_update(*, actor, person, data):
    require(actor, "orgchart.edit")
    check_editable_keys(data, PERSON_FIELDS, _("人员"))
    data = _channels(data)
    with transaction.atomic(), recorded():
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
        changes = apply_changes(locked, data, PERSON_FIELDS)
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
        record_change(
            actor=actor,
            action="update",
            obj=locked,
            changes=changes,
            summary=f"修改人员“{locked.name}”：{changed_names(Person, changes)}",
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
    with transaction.atomic(), recorded():
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
        record_change(
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
    with transaction.atomic(), recorded():
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
        record_change(
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
    with transaction.atomic(), recorded():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        absence = Absence.objects.create(
            person=locked, starts_at=starts_at, ends_at=ends_at, reason=(reason or "").strip()
        )
        record_change(
            actor=actor,
            action="create",
            obj=absence,
            changes={
                "person": [None, locked.name],
                **created_changes(absence, ("starts_at", "ends_at", "reason")),
            },
            summary=f"登记“{locked.name}”不在岗：{plain_value(starts_at)} 至 {plain_value(ends_at)}"
            + (f"（{absence.reason}）" if absence.reason else ""),
        )
    return absence


def absence_remove(*, actor, absence):
    require(actor, "orgchart.edit")
    with transaction.atomic(), recorded():
        try:
            locked = (
                Absence.objects.select_for_update(of=("self",)).select_related("person").get(pk=absence.pk)
            )
        except Absence.DoesNotExist:
            raise ValidationError(_("该不在岗记录已不存在（可能已被他人删除）。"), code="gone") from None
        changes = {
            "person": [locked.person.name, None],
            "starts_at": [plain_value(locked.starts_at), None],
            "ends_at": [plain_value(locked.ends_at), None],
            **({"reason": [locked.reason, None]} if locked.reason else {}),
        }
        pk, repr_ = locked.pk, str(locked)
        locked.delete()
        record_change(
            actor=actor,
            action="delete",
            model=Absence,
            object_id=pk,
            object_repr=repr_,
            changes=changes,
            summary=f"删除“{locked.person.name}”的不在岗记录：{changes['starts_at'][0]} 至 {changes['ends_at'][0]}",
        )
