"""Service areas (the outage share's denominator, DOMAIN.md §3) and the expert directory (附件3)."""

from django.db import transaction

from config.language import recorded

from ..models import Expert, ServiceArea
from ..permissions import require
from .recording import (
    apply_changes,
    changed_names,
    check_editable_keys,
    created_changes,
    record_change,
)

SERVICE_AREA_FIELDS = ("name", "heated_area_m2", "households", "totals_as_of", "active")
EXPERT_FIELDS = ("name", "field", "organisation", "phone", "active")


def _save_audited(*, actor, model, obj, data, fields, what, extra=None, new_code=None):
    """Create (obj None) or update ``obj`` with ``data`` (cleaned values): one OrgChange, none when nothing
    changed. ``extra(obj)`` applies what plain fields cannot (many-to-many) and returns its changes."""
    require(actor, "orgchart.edit")
    check_editable_keys(data, fields, what)
    with transaction.atomic(), recorded():
        if obj is None:
            obj = model(**{k: data[k] for k in fields if k in data})
            if new_code:
                obj.code = new_code()
            obj.full_clean()
            obj.save()
            changes = {**created_changes(obj, fields), **(extra(obj) if extra else {})}
            record_change(
                actor=actor, action="create", obj=obj, changes=changes, summary=f"新增{what}“{obj}”"
            )
            return obj
        locked = model.objects.select_for_update().get(pk=obj.pk)
        changes = apply_changes(locked, data, fields)
        if changes:
            locked.full_clean()
            locked.save(update_fields=list(changes))
        changes.update(extra(locked) if extra else {})
        if changes:
            record_change(
                actor=actor,
                action="update",
                obj=locked,
                changes=changes,
                summary=f"修改{what}“{locked}”：{changed_names(model, changes)}",
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
