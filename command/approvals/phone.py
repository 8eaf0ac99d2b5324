"""A decision taken by telephone and recorded by the office ("电话请示，XX同意"): who agreed and when,
with what authority (an absent holder may still decide by phone), and how the record reads."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from config.inputs import FIELDS, window_error
from incidents.timeline import actor_name
from orgchart.permissions import phone_authority

from ..common import CommandError, require_authority


def phone_fields(by_phone, recorder, now, request):
    """Validate a phone decision: who agreed (a user), when (not in the future, not before the report)."""
    if not by_phone:
        return None
    require_authority(recorder, "level.phone_record")
    approver, at = by_phone.get("approver"), by_phone.get("at") or now
    if approver is None:
        raise CommandError(_("请选择电话请示的对象（同意的领导）。"))
    if at > now + timedelta(minutes=1):
        raise CommandError(_("电话请示的时间不能晚于现在。"))
    if message := window_error(at, FIELDS["command.LevelRequestStep"]["at"], _("电话请示的时间"), now):
        raise CommandError(message)
    # At night the office often telephones first and types the request afterwards: a call before the
    # request was entered is normal; one before the incident was reported is a typing error.
    if at < request.incident.reported_at - timedelta(minutes=1):
        raise CommandError(_("电话请示的时间不能早于事件接报时间。"))
    return {"approver": approver, "at": at}


def phone_decision(phone, action, incident):
    """The phoned approver's authority: an absent holder may still decide by telephone (DOMAIN §6
    reading); ``phone["away"]`` says so, and the record shows （外出，电话同意）. A deputy may still act."""
    authority, away = phone_authority(phone["approver"])
    decision = authority.decide(action, incident)
    if not decision:
        raise PermissionDenied(decision.reason)
    phone["away"] = away
    # The rest of this decision (the incident's move, ending the response) runs with the same authority:
    # the approver's user object lives for this request only.
    phone["approver"]._orgchart_authority = authority
    return decision


def phone_suffix(phone, recorder, *, agreed=True):
    if not phone:
        return ""
    if phone.get("away"):
        text = (
            _("（电话请示，%(who)s（外出，电话同意），%(recorder)s记录）")
            if agreed
            else _("（电话请示，%(who)s（外出，电话不同意），%(recorder)s记录）")
        )
    else:
        text = (
            _("（电话请示，%(who)s同意，%(recorder)s记录）")
            if agreed
            else _("（电话请示，%(who)s不同意，%(recorder)s记录）")
        )
    return text % {
        "who": actor_name(phone["approver"]),
        "recorder": actor_name(recorder),
    }
