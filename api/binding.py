"""From a JSON request to the web form's data, so the API validates exactly as the pages do."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.forms import FollowUpForm
from orgchart.models import CompanyType, County, ServiceArea, UnitKind

from .errors import error

REPORT_COMPANY_TYPES = (CompanyType.HEATING, CompanyType.HEAT_SOURCE)


def form_value(value):
    if value is None:
        return ""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal | int | float):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def report_data(validated, unit):
    """(form data, formset data, errors): the token's company and county filled in where they apply."""
    data = {k: form_value(v) for k, v in validated.items() if k != "first_measures"}
    errors = []
    if unit.kind == UnitKind.ENTERPRISE and unit.company_type in REPORT_COMPANY_TYPES:
        if validated.get("company") in (None, unit.pk):
            data["company"] = str(unit.pk)
        else:
            errors.append(error("company", "company_mismatch", _("企业的令牌只能报告本企业的事件。")))
    if unit.kind == UnitKind.COUNTY_GOVERNMENT:
        county = County.objects.filter(government=unit).first()
        if county is not None:
            if validated.get("county") in (None, county.pk):
                data["county"] = str(county.pk)
            else:
                errors.append(
                    error("county", "county_mismatch", _("县级政府的令牌只能报告本县（市、区）的事件。"))
                )
    data.setdefault("reported_at", timezone.now().isoformat())
    if "service_area" not in data:
        # The service area that covers the incident's county (附件4(1), 解读: the share is computed against an
        # area that covers the county), the default one first.
        areas = ServiceArea.objects.filter(active=True).order_by("-is_default", "pk")
        if data.get("county"):
            areas = areas.filter(counties=data["county"])
        default = areas.values_list("pk", flat=True).first()
        data["service_area"] = str(default or "")
    data.setdefault("source", "company")
    measures = validated.get("first_measures") or []
    formset = {
        "measures-TOTAL_FORMS": str(len(measures)),
        "measures-INITIAL_FORMS": "0",
        "measures-MIN_NUM_FORMS": "0",
        "measures-MAX_NUM_FORMS": "1000",
    }
    for i, m in enumerate(measures):
        for name in ("at", "by", "text"):
            formset[f"measures-{i}-{name}"] = form_value(m.get(name))
    return data, formset, errors


def follow_up_data(validated, incident):
    """The incident's figures as they are, overlaid with what was sent: a figure not sent is unchanged."""
    data = {k: form_value(v) for k, v in FollowUpForm.initial_from(incident).items()}
    if "direct_loss" in validated and "direct_loss_unit" not in validated:
        data["direct_loss_unit"] = "wan"  # the form's default unit
    data.update({k: form_value(v) for k, v in validated.items()})
    return data
