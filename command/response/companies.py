"""应急保障组's "各供水企业、各供热企业等有关单位" (附件3; DOMAIN §6 reading). At activation the incident's own
heating company and the water company serving its county are assigned (``activation.resolve_units``);
every other registered water or heating company is offered to the office, one click each
(``company_add``), never assigned to all by default."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.choices import State
from incidents.models import Incident
from orgchart.models import CompanyType, Unit, UnitKind

from ..assignments.models import ActivatedGroup, GroupUnit
from ..assignments.notices import notify_new_assignments
from ..common import CommandError, require_authority
from .activation import assign_unit

LOGISTICS = "logistics"  # 应急保障组 (附件3)
COMPANY_TYPES = (CompanyType.HEATING, CompanyType.HEAT_SOURCE, CompanyType.WATER)
CLAUSE = "附件3（应急保障组：各供水企业、各供热企业等有关单位）"
READING = gettext_lazy(
    "事发供热企业和服务事发县区的供水企业在启动时自动加入应急保障组；"
    "其他已登记的供水、供热企业由办公室视情一键加入。"
)


def _locked(incident_id):
    try:
        return (
            Incident.objects.select_for_update(of=("self",))
            .select_related("county", "company")
            .get(pk=incident_id)
        )
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise CommandError(_("没有这个事件。")) from None


def company_offers(incident):
    """The registered water and heating companies not yet in this incident's 应急保障组 (two queries);
    empty when the group is not activated."""
    ag = ActivatedGroup.objects.filter(incident=incident, group__code=LOGISTICS).first()
    if ag is None:
        return []
    return list(
        Unit.objects.filter(kind=UnitKind.ENTERPRISE, active=True, company_type__in=COMPANY_TYPES)
        .exclude(pk__in=GroupUnit.objects.filter(activated_group=ag).values("unit_id"))
        .order_by("-company_type", "order", "name")
    )


def company_add(*, incident_id, actor, unit_id, now=None):
    """The office adds one offered company to 应急保障组; it gets its assignment (附件2 duties of its
    category). Refused: not responding, the group not activated, not an offered company."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = _locked(incident_id)
        require_authority(actor, "command.record", incident)
        if incident.state != State.RESPONDING:
            raise CommandError(_("事件已不在响应中，不能再调整工作组。"))
        ag = ActivatedGroup.objects.filter(incident=incident, group__code=LOGISTICS).first()
        if ag is None:
            raise CommandError(_("应急保障组尚未启用（附件3）。"))
        unit = next((u for u in company_offers(incident) if str(u.pk) == str(unit_id)), None)
        if unit is None:
            raise CommandError(_("请选择尚未加入应急保障组的供水、供热企业（可能已由他人加入，请刷新）。"))
        GroupUnit.objects.create(activated_group=ag, unit=unit, from_plan=True, added_at=now)
        assign_unit(
            incident,
            unit,
            actor=actor,
            now=now,
            summary=gettext_lazy("应急保障组加入：%(unit)s"),
            clause=CLAUSE,
        )
        transaction.on_commit(lambda: notify_new_assignments(incident.pk), robust=True)
    return unit
