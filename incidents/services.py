"""Writes other than state moves: reporting an incident, follow-up reports (续报), first measures,
the upward reporting log, linking. Each writes its timeline event in the same transaction."""

import re
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.inputs import FIELDS, check_instance, check_window
from orgchart.permissions import can, require

from .choices import ResponseLevel, State
from .models import (
    FirstMeasure,
    FollowUpReport,
    Incident,
    LinkedEvent,
    PlanVersion,
    Submission,
    TimelineEvent,
    UpwardReport,
)
from .recording import recorded
from .timeline import timeline_add

# Figures a follow-up report may update (§5.1 续报).
FOLLOW_UP_FIELDS = (
    "outage_started_at",
    "estimated_restoration_at",
    "restored_at",
    "affected_area_m2",
    "affected_households",
    "deaths",
    "deaths_pending",
    "serious_injuries",
    "serious_injuries_pending",
    "direct_loss_yuan",
    "direct_loss_pending",
    "people_at_risk_peak",
    "still_trapped",
    "still_missing",
    "dead_unrecovered",
    "beyond_city_capacity",
    "hazards_controlled",
)

# Upward reporting deadlines (DOMAIN.md §5, citing 《生产安全事故报告和调查处理条例》): the company
# head reports within 1 hour; each level reports upward within 2 hours.
DEADLINES = {
    "company": (timedelta(hours=1), "事发企业负责人1小时内报告（《生产安全事故报告和调查处理条例》）"),
    "county": (timedelta(hours=2), "逐级上报，每级2小时内（《生产安全事故报告和调查处理条例》）"),
    "city": (timedelta(hours=2), "逐级上报，每级2小时内（《生产安全事故报告和调查处理条例》）"),
}


def _event(incident, actor, kind, summary, **fields):
    """One event of this module on the incident's timeline (``timeline.timeline_add``)."""
    return timeline_add(incident, kind=kind, actor=actor, summary=summary, **fields)


SUBMISSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
DUPLICATE_WINDOW = timedelta(minutes=30)


def _claim(token, actor):
    """Claim a form's submission token (issue 16). None: claimed now; an Incident: a POST with this
    token already created it (a concurrent one waits here on the unique row until that one commits)."""
    try:
        with transaction.atomic():
            Submission.objects.create(token=token, user=actor)
        return None
    except IntegrityError:
        first = Submission.objects.select_related("incident").filter(token=token).first()
        if first is None or first.user_id != actor.pk or first.incident is None:
            raise ValidationError(_("这份表单已经提交过，请刷新页面后重新填写。")) from None
        return first.incident


def submitted(token, actor):
    """The incident a submission token already created for this person, or None."""
    if not token or not SUBMISSION_TOKEN.fullmatch(token):
        return None
    first = Submission.objects.select_related("incident").filter(token=token, user=actor).first()
    return first.incident if first else None


def possible_duplicate(*, county, company, is_drill, now=None):
    """The latest incident the same county and company reported in the last 30 minutes (可能重复)."""
    since = (now or timezone.now()) - DUPLICATE_WINDOW
    return (
        Incident.objects.filter(county=county, company=company, is_drill=is_drill, created_at__gte=since)
        .exclude(state=State.DISMISSED)
        .order_by("-created_at")
        .first()
    )


def incident_report(*, actor, data, first_measures=(), submission=""):
    """Log a new incident (§5.1 接报). ``data``: cleaned field values of the report form.
    ``submission``: the form's single-use token; a second call with it returns the first incident,
    marked ``duplicate_submission``, and creates nothing."""
    require(actor, "incident.report")
    plan = PlanVersion.current()
    if plan is None:
        raise ValidationError(_("没有现行的预案版本，请先运行 migrate。"))
    token = submission if submission and SUBMISSION_TOKEN.fullmatch(submission) else ""
    with transaction.atomic():
        first = _claim(token, actor) if token else None
        if first is not None:
            first.duplicate_submission = True
            return first
        incident = Incident(**data, plan_version=plan, created_by=actor)
        incident.full_clean()
        incident.save()
        if token:
            Submission.objects.filter(token=token).update(incident=incident)
        grade, _reasons = incident.grade()
        rec = incident.recommendation()
        with recorded():  # the record is kept in the plan's language
            _event(
                incident,
                actor,
                TimelineEvent.Kind.CREATED,
                _("接报登记：%(title)s") % {"title": incident.title},
                at=incident.reported_at,
                clause="§5.1",
                data={
                    "grade": grade.value if grade else None,
                    "recommended_level": rec.level,
                    "recommendation_status": rec.status,
                    "clauses": list(rec.clauses),
                },
            )
        for m in first_measures:
            _first_measure(actor, incident, **m)
    return incident


def _snapshot(incident):
    grade, _r = incident.grade()
    rec = incident.recommendation()
    return grade, rec


# DOMAIN §6 "Peak people figures only fall by correction": the peaks a 续报 may only lower as a 更正.
PEAK_FIELDS = ("people_at_risk_peak", "deaths", "serious_injuries")


def _peak_label(name):
    return str(Incident._meta.get_field(name).verbose_name)


def lowered_peaks(incident, data):
    """{field: (old, new)} of the peak figures ``data`` lowers (or clears) below the incident's."""
    lowered = {}
    for name in PEAK_FIELDS:
        old = getattr(incident, name)
        if name in data and old is not None and (data[name] is None or data[name] < old):
            lowered[name] = (old, data[name])
    return lowered


def _check_correction(lowered, correction, reason):
    """A 续报 that lowers a peak must be marked 更正 with a reason (DOMAIN §6, 附件4 and 附件5 read the
    peaks); the refusal names the figures, and the form keeps what was typed."""
    if not lowered:
        return
    what = "；".join(
        f"{_peak_label(n)} {'—' if old is None else old} → {'—' if new is None else new}"
        for n, (old, new) in lowered.items()
    )
    if not correction:
        raise ValidationError(
            {
                "correction": _(
                    "本次续报下调了峰值（%(what)s）。峰值人数只能以“更正”下调：请勾选“更正”并写明理由；"
                    "如为新情况，请保留原峰值。"
                )
                % {"what": what}
            }
        )
    if not (reason or "").strip():
        raise ValidationError({"correction_reason": _("更正峰值须写明理由（%(what)s）。") % {"what": what}})


def follow_up_add(*, actor, incident_id, note, data, correction=False, correction_reason=""):
    """续报: anyone on the incident adds updated figures with a note (§5.1). A peak it lowers (涉险、被困、
    失联 at peak, deaths, serious injuries) must come as a correction with a reason (DOMAIN §6)."""
    note = (note or "").strip()
    correction_reason = (correction_reason or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写续报内容。")})
    with transaction.atomic():
        incident = _lock_for_follow_up(actor, incident_id)
        lowered = lowered_peaks(incident, data)
        _check_correction(lowered, correction, correction_reason)
        grade_before, rec_before = _snapshot(incident)
        changes = _apply_figures(incident, data)
        grade_after, rec_after = _snapshot(incident)
        report = FollowUpReport.objects.create(
            incident=incident,
            reporter=actor,
            note=note,
            changes=changes,
            grade_before=grade_before.value if grade_before else "",
            grade_after=grade_after.value if grade_after else "",
            level_before=rec_before.level,
            level_after=rec_after.level,
            correction_reason=correction_reason if lowered else "",
        )
        _follow_up_event(incident, actor, report, lowered, (rec_before, rec_after))
    return report


def _lock_for_follow_up(actor, incident_id):
    """The incident, locked, once the actor may follow it up and it still takes follow-ups."""
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("service_area", "plan_version", "county")
        .get(pk=incident_id)
    )
    if not (can(actor, "incident.follow_up") or can(actor, "incident.follow_up_unit", incident)):
        raise PermissionDenied(can(actor, "incident.follow_up").reason)
    if incident.state in (State.DISMISSED, State.ARCHIVED):
        raise ValidationError(
            _("事件状态为“%(state)s”，不能再续报；如需继续处置，请办公室主任重新打开。")
            % {"state": State(incident.state).label}
        )
    return incident


def _apply_figures(incident, data):
    """Set the figures ``data`` changes, check the incident and save them; {field: [old, new]}."""
    changes = {}
    for name in FOLLOW_UP_FIELDS:
        if name in data and getattr(incident, name) != data[name]:
            old = getattr(incident, name)
            setattr(incident, name, data[name])
            changes[name] = [_plain(old), _plain(data[name])]
    incident.full_clean()
    if changes:
        incident.save(update_fields=[*changes, "updated_at"])
    return changes


def _follow_up_event(incident, actor, report, lowered, recs):
    """The 续报's timeline event: the changes, the grade and recommendation before and after, and a
    correction's figures and reason (DOMAIN §6)."""
    rec_before, rec_after = recs
    note, correction_reason = report.note, report.correction_reason
    with recorded():  # the record is kept in the plan's language
        data = {
            "changes": report.changes,
            "grade": [report.grade_before, report.grade_after],
            "recommended_level": [rec_before.level, rec_after.level],
            "recommendation_status": [rec_before.status, rec_after.status],
        }
        summary = _("续报：%(note)s") % {"note": note[:80]}
        if lowered:
            data["correction"] = {
                "reason": correction_reason,
                "fields": {n: list(v) for n, v in lowered.items()},
            }
            summary = _("续报（更正）：%(what)s；理由：%(reason)s") % {
                "what": "；".join(
                    f"{_peak_label(n)} {o} → {'—' if v is None else v}" for n, (o, v) in lowered.items()
                ),
                "reason": correction_reason[:80],
            }
        _event(
            incident,
            actor,
            TimelineEvent.Kind.FOLLOW_UP,
            summary,
            at=report.at,
            reason=f"{note}\n{_('更正理由')}：{correction_reason}" if lowered else note,
            clause="§5.1",
            data=data,
        )


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "isoformat"):
        return (
            timezone.localtime(value).isoformat(timespec="minutes")
            if timezone.is_aware(value)
            else value.isoformat()
        )
    return str(value)


def first_measure_add(*, actor, incident, at, by, text):
    """先期处置 (§5.2), with its time: by the office or a unit the incident concerns."""
    if not (can(actor, "incident.follow_up") or can(actor, "incident.follow_up_unit", incident)):
        raise PermissionDenied(can(actor, "incident.follow_up").reason)
    with transaction.atomic():
        return _first_measure(actor, incident, at=at, by=by, text=text)


def _first_measure(actor, incident, *, at, by, text):
    if at > timezone.now() + Incident.CLOCK_SKEW:
        raise ValidationError({"at": _("先期处置时间不能晚于现在。")})
    check_window(at, FIELDS["incidents.FirstMeasure"]["at"], _("先期处置时间"), field="at")
    measure = FirstMeasure.objects.create(incident=incident, at=at, by=by, text=text, recorded_by=actor)
    with recorded():  # the record is kept in the plan's language
        _event(
            incident,
            actor,
            TimelineEvent.Kind.FIRST_MEASURE,
            _("先期处置（%(by)s）：%(text)s") % {"by": by, "text": text[:80]},
            at=at,
            clause="§5.2",
        )
    return measure


def upward_report_log(
    *,
    actor,
    incident,
    sender,
    recipient,
    recipient_detail="",
    channel="",
    sent_at=None,
    due_at=None,
    summary="",
    reference_at=None,
):
    """Log a report sent (or due) upward; the deadline defaults to the sender's rule (1 h / 2 h)."""
    require(actor, "incident.follow_up")
    span, rule = DEADLINES[sender]
    due_at = due_at or (reference_at or incident.reported_at) + span
    check_instance(UpwardReport(due_at=due_at, sent_at=sent_at))  # the plausible window (issue 16)
    with transaction.atomic():
        report = UpwardReport.objects.create(
            incident=incident,
            sender=sender,
            recipient=recipient,
            recipient_detail=recipient_detail,
            channel=channel,
            due_at=due_at,
            deadline_rule=rule,
            sent_at=sent_at,
            summary=summary,
            recorded_by=actor,
        )
        late = report.is_late()
        with recorded():  # the record is kept in the plan's language
            _event(
                incident,
                actor,
                TimelineEvent.Kind.UPWARD_REPORT,
                _("信息报送：%(sender)s → %(to)s%(state)s")
                % {
                    "sender": report.get_sender_display(),
                    "to": report.get_recipient_display(),
                    "state": _("（已报送）") if sent_at else _("（待报送）"),
                },
                at=sent_at or timezone.now(),
                clause="§5.1",
                data={"due_at": _plain(due_at), "late": late},
            )
    return report


def upward_report_mark_sent(*, actor, report_id, sent_at=None):
    require(actor, "incident.follow_up")
    with transaction.atomic():
        report = UpwardReport.objects.select_for_update().get(pk=report_id)
        if report.sent_at:
            raise ValidationError(_("该报告已于 %(at)s 报送。") % {"at": _plain(report.sent_at)})
        report.sent_at = sent_at or timezone.now()
        report.save(update_fields=["sent_at"])
        with recorded():  # the record is kept in the plan's language
            _event(
                report.incident,
                actor,
                TimelineEvent.Kind.UPWARD_REPORT,
                _("已报送：%(to)s%(late)s")
                % {"to": report.get_recipient_display(), "late": _("（超时）") if report.is_late() else ""},
                at=report.sent_at,
                clause="§5.1",
                data={"report": report.pk, "late": report.is_late()},
            )
    return report


def level_label(level):
    return ResponseLevel(level).label if level else "—"


def incident_link(*, actor, incident_id, event_name):
    """Link an incident to an event of several incidents (one cold wave, one fuel shortage); an empty
    name unlinks it. The office decides (§5.1: 分析研判)."""
    require(actor, "incident.follow_up")
    name = (event_name or "").strip()[:100]
    with transaction.atomic():
        incident = Incident.objects.select_for_update(of=("self",)).get(pk=incident_id)
        event = None
        if name:
            event, _created = LinkedEvent.objects.get_or_create(name=name, defaults={"created_by": actor})
        if incident.linked_event_id == (event.pk if event else None):
            return incident
        old = incident.linked_event.name if incident.linked_event_id else ""
        incident.linked_event = event
        incident.save(update_fields=["linked_event", "updated_at"])
        summary = (
            (_("关联到“%(name)s”") % {"name": name}) if event else (_("取消关联“%(name)s”") % {"name": old})
        )
        with recorded():  # the record is kept in the plan's language
            _event(
                incident,
                actor,
                TimelineEvent.Kind.LINK,
                summary,
                clause="§5.1",
                data={"from": old, "to": name},
            )
    return incident
