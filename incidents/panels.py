"""What the incident pages show of the plan's rules: the 附件5 grade with the figures that reached it, the
附件4 recommendation with its 24-hour clock, and the move buttons a person may press. Context builders
shared by the report form's live preview, the incident page and the command page."""

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .choices import ACTIVE_STATES, CLOSED_STATES, ResponseLevel
from .lifecycle import allowed_moves, backed_levels
from .templatetags.incident_tags import fmt_number

STATUS_LABELS = {
    "firm": gettext_lazy("确定"),
    "provisional": gettext_lazy("暂定：条件已满足，待满24小时"),
    "lapsed": gettext_lazy("已失效：24小时内已恢复供热"),
    "no_outage": gettext_lazy("不适用：未停热"),
    "none": gettext_lazy("无：未满足附件4所列条件"),
}
# The forward move of each state: the page's one primary action.
PRIMARY_MOVES = ("start_assessment", "activate", "end_response", "begin_aftermath", "archive")


# ------------------------------------------------------------------------------------------------
# Grade, recommendation and the 24-hour clock, for a saved or an unsaved incident
# ------------------------------------------------------------------------------------------------


def outage_clock(incident, rec, now):
    """The 24-hour clock of 附件4 ("24 小时以上不能恢复供热"), or None without an outage."""
    start = incident.outage_started_at
    if start is None:
        return None
    restored = incident.restored_at
    end = restored or now
    firm_at = incident.firm_at()
    estimate = None if restored else incident.estimated_restoration_at
    return {
        "start": start,
        "elapsed": max(end - start, timedelta(0)),
        "restored": restored,
        "estimate": estimate,
        "estimate_length": (estimate - start) if estimate else None,
        "estimate_remaining": (estimate - now) if estimate and estimate > now else None,
        "firm_at": firm_at,
        "until_firm": (firm_at - now) if rec.status == "provisional" and firm_at > now else None,
        "firm_by_estimate": rec.status == "firm" and restored is None and now < firm_at,
        "counted_hours": rec.unrestored_hours,
    }


def grade_rows(incident, reasons):
    """["附件5 较大：死亡3人以上"] → [(clause, criterion, the figure that reached it)]."""

    def people(n):
        return ngettext("%(n)s 人", "%(n)s 人", n) % {"n": fmt_number(n)}

    figures = (
        ("死亡", incident.deaths, people),
        ("重伤", incident.serious_injuries, people),
        ("直接经济损失", incident.direct_loss_yuan, lambda v: _("%(n)s 元") % {"n": fmt_number(v)}),
    )
    rows = []
    for reason in reasons:
        clause, _sep, what = reason.partition("：")
        value = next(
            (show(v) for prefix, v, show in figures if what.startswith(prefix) and v is not None), ""
        )
        rows.append((clause, what, value))
    return rows


def immediate_reason(incident, rec):
    """附件4 第4项, prefilled where people are trapped or dead (DOMAIN.md §3)."""
    if not rec.immediate_option:
        return ""
    who = []
    if incident.people_at_risk_peak:
        who.append(_("涉险、被困、失联 %(n)s 人") % {"n": incident.people_at_risk_peak})
    if incident.still_trapped:
        who.append(_("仍被困 %(n)s 人") % {"n": incident.still_trapped})
    deaths = incident.deaths  # dead, verified or not (DOMAIN.md §3)
    if deaths:
        who.append(_("死亡 %(n)s 人") % {"n": deaths})
    return _("依%(clause)s（市指挥部认为需要启动的其他情形）立即启动：%(who)s，不等待满24小时。") % {
        "clause": rec.condition_4_clause,
        "who": "，".join(who),
    }


def recommendation_context(incident, now):
    rec = incident.recommendation(now)
    grade, reasons = incident.grade()
    confirmed = incident.grade_if_confirmed() if incident.grade_provisional else grade
    pending = [
        label
        for flag, label in (
            (incident.deaths_pending, _("死亡人数")),
            (incident.serious_injuries_pending, _("重伤人数")),
            (incident.direct_loss_pending, _("直接经济损失")),
        )
        if flag
    ]
    shown_level = rec.level or rec.matched_level
    return {
        "now": now,
        "rec": rec,
        "rec_level": ResponseLevel(shown_level) if shown_level else None,
        "rec_status_label": STATUS_LABELS[rec.status],
        "grade": grade,
        "grade_rows": grade_rows(incident, reasons),
        "grade_provisional": incident.grade_provisional,
        "grade_pending": pending,
        "grade_confirmed": confirmed,
        "grade_changes_when_confirmed": incident.grade_provisional and confirmed != grade,
        "share": incident.outage_share,
        "area_exceeds_total": incident.outage_area_exceeds_total,
        "service_area": incident.service_area,
        "clock": outage_clock(incident, rec, now),
        "immediate_reason": immediate_reason(incident, rec),
        "polling": incident.pk is not None and incident.state not in CLOSED_STATES,
        "incident_active": incident.state in ACTIVE_STATES,
    }


def move_items(incident, user, rec):
    """The buttons: the moves ``allowed_moves`` gives this user now. A level backed by the firm 附件4
    recommendation (or its alternative) needs no reason; any other level raised to is the command's
    judgment (附件4 第4项) and needs one, which the lifecycle enforces; the page says so beforehand."""
    items = []
    suggested = rec.level or rec.matched_level
    backed = backed_levels(rec)
    for spec, levels in allowed_moves(incident, user):
        item = {
            "name": spec.name,
            "label": spec.label,
            "clause": spec.clause,
            "needs_reason": spec.needs_reason,
            "levels": [(int(lv), lv.label) for lv in levels],
            "backed": [int(lv) for lv in levels if lv in backed],
            "suggested": int(suggested) if suggested and suggested in levels else None,
            "primary": spec.name in PRIMARY_MOVES,
            "reason": "",
        }
        if spec.name == "activate" and rec.immediate_option and not rec.firm:
            item["reason"] = immediate_reason(incident, rec)
        if spec.name == "end_response":
            item["checks"] = [
                (_("仍被困人数为0"), incident.still_trapped == 0),
                (_("仍失联人数为0"), incident.still_missing == 0),
                (_("遇难人员已全部救出（遇难未救出人数为0）"), incident.dead_unrecovered == 0),
                (_("次生、衍生事故的威胁和危害已控制或消除"), incident.hazards_controlled),
            ]
        items.append(item)
    return items


def list_row_facts(incident, now):
    """The list's columns of one incident, computed from its row (no query): grade, recommendation, a
    firm recommendation the active level does not follow, and the hours without heat (DOMAIN §6)."""
    incident.rec = incident.recommendation(now)
    incident.grade_value = incident.grade()[0]
    incident.rec_level = incident.rec.level or incident.rec.matched_level
    incident.rec_differs = (  # a firm recommendation the active level does not follow
        incident.rec.firm and incident.rec.level != incident.level and incident.state in ACTIVE_STATES
    )
    incident.outage = incident.outage_hours(now)  # DOMAIN §6: elapsed and estimate apart
    if incident.outage_started_at:
        incident.without_heat = max((incident.restored_at or now) - incident.outage_started_at, timedelta(0))
    else:
        incident.without_heat = None
