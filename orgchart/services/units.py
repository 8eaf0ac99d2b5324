"""Units, companies and working-group standing members (附件2, 附件3): the office's writes, audited."""

import re

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from config.language import recorded

from ..models import CompanyType, GroupMembership, Unit, UnitKind, WorkingGroup
from ..permissions import require
from .recording import (
    apply_changes,
    changed_names,
    check_editable_keys,
    created_changes,
    record_change,
)

# Fields of a unit the office keeps up to date; the plan's name, duties, kind and clause are the
# plan's text (附件2) and change only with a revision of the plan (§8.2, load_plan).
UNIT_OFFICE_FIELDS = ("current_name", "duty_phone", "address", "active")
COMPANY_FIELDS = ("name", "company_type", "duty_phone", "address")

# 附件2: 各供热企业 (供热企业 §8.3.3 or 热源单位 §8.3.4) and 各供水企业.
CATEGORY_COMPANY_TYPES = {
    "heating_companies": (CompanyType.HEATING, CompanyType.HEAT_SOURCE),
    "water_companies": (CompanyType.WATER,),
}
PLAN_MEMBER_NOT_REMOVABLE = _("预案规定的成员单位不能删除；如需调整请在具体事件中由现场指挥长调整（附件3）")


def unit_update(*, actor, unit, data):
    """Change a unit's office-owned fields (current name, duty phone, address, active)."""
    require(actor, "orgchart.edit")
    check_editable_keys(data, UNIT_OFFICE_FIELDS, _("成员单位"))
    with transaction.atomic(), recorded():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        changes = apply_changes(locked, data, UNIT_OFFICE_FIELDS)
        if not changes:
            return locked
        locked.save(update_fields=list(changes))
        record_change(
            actor=actor,
            action="update",
            obj=locked,
            changes=changes,
            summary=f"修改单位“{locked.name}”：{changed_names(Unit, changes)}",
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
    check_editable_keys(data, COMPANY_FIELDS, _("企业"))
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
    with transaction.atomic(), recorded():
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
        record_change(
            actor=actor,
            action="create",
            obj=company,
            changes={
                "code": [None, company.code],
                "parent": [None, category.name],
                **created_changes(company, COMPANY_FIELDS),
            },
            summary=f"在“{category.name}”下新增企业“{company.name}”（{company.get_company_type_display()}）",
        )
    return company


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
    with transaction.atomic(), recorded():
        locked = WorkingGroup.objects.select_for_update().get(pk=group.pk)
        if GroupMembership.objects.filter(group=locked, unit=unit).exists():
            raise ValidationError(
                {"unit": _("“%(u)s”已是%(g)s的成员单位。") % {"u": unit, "g": locked.name}}, code="duplicate"
            )
        last = GroupMembership.objects.filter(group=locked).aggregate(m=models.Max("order"))["m"]
        membership = GroupMembership.objects.create(
            group=locked, unit=unit, from_plan=False, order=(last or 0) + 1
        )
        record_change(
            actor=actor,
            action="create",
            obj=membership,
            changes={"group": [None, locked.name], "unit": [None, str(unit)], "from_plan": [None, False]},
            summary=f"{locked.name}增加成员单位“{unit}”（办公室增补）",
        )
    return membership


def group_member_remove(*, actor, membership):
    require(actor, "orgchart.edit")
    with transaction.atomic(), recorded():
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
        record_change(
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
