"""Writes of the command app (DESIGN.md: services write, selectors read). Each function is one named
action: it locks what it changes, checks the plan's authority through ``orgchart.permissions``, writes
its audit row (the incident's timeline or the request's history) in the same transaction, and schedules
side effects (notifications, activation) with ``transaction.on_commit``.

Refusals raise ``CommandError`` (a rule of the plan or a stale page; Chinese message) or
``PermissionDenied`` (the plan gives this to someone else); either way nothing is changed.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.inputs import FIELDS, window_error
from incidents.choices import ResponseLevel, State
from incidents.lifecycle import TransitionError, backed_levels
from incidents.models import Incident, TimelineEvent
from orgchart.models import Appointment, Expert, Person
from orgchart.permissions import RULES, can, phone_authority

from .models import (
    Assignment,
    CallDown,
    ChecklistItem,
    Instruction,
    LevelRequest,
    LevelRequestStep,
    Notification,
    OnsiteMember,
)
from .routing import STEP_LABELS, RouteError, kind_for, route, start_stage

log = logging.getLogger(__name__)


class CommandError(Exception):
    """A refusal with a message for the person (Chinese first)."""


class AlreadyDecided(CommandError):
    """Nothing to do: someone else has just decided the request (two approvers at once). Information for
    the one who came second, not an error (issue 17 point 11)."""


# ---------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------


def person_name(user):
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


def post_label(decision):
    if not decision or not decision.via:
        return ""
    if decision.acting_for:
        return _("%(post)s（代理%(who)s）") % {"post": decision.via, "who": "、".join(decision.acting_for)}
    return decision.via


def timeline_add(incident, *, actor, summary, clause, at=None, reason="", data=None, actor_post=""):
    """One command event on the incident's timeline, recorded in the plan's language."""
    return TimelineEvent.objects.create(
        incident=incident,
        at=at or timezone.now(),
        actor=actor,
        actor_name=person_name(actor) if actor else _("系统"),
        actor_post=actor_post,
        kind=TimelineEvent.Kind.COMMAND,
        summary=summary[:300],
        reason=reason,
        clause=clause[:60],
        data=data or {},
    )


def notify(users, *, key, kind, title, body="", url="", incident=None):
    """In-app notification, exactly once per (recipient, key): a repeat is ignored by the database."""
    rows = [
        Notification(
            recipient=u, key=key[:120], kind=kind, title=title[:200], body=body, url=url, incident=incident
        )
        for u in {u.pk: u for u in users if u is not None}.values()
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _drill(incident, text):
    return f"【演练】{text}" if incident.is_drill else text


def users_who_can(action, incident):
    """The users who may take ``action`` on ``incident`` now (holders, or deputies acting for absent
    holders): the people an approval waits for."""
    from django.contrib.auth import get_user_model

    rule = RULES[action]
    recorded = incident.onsite_commander() if rule.scope == "onsite" and incident is not None else None
    if recorded is not None:  # §5.3.6: the on-site commander recorded for the incident
        users = get_user_model().objects.filter(person__pk=recorded[0]).values_list("pk", flat=True)
    else:  # the posts the plan names (a higher authority may act, but is not waited for)
        users = (
            Appointment.objects.filter(position__code__in=rule.named or rule.positions, person__active=True)
            .select_related("person__user")
            .values_list("person__user", flat=True)
            .distinct()
        )

    result = []
    for user in get_user_model().objects.filter(pk__in=list(users)).select_related("person"):
        if can(user, action, incident):
            result.append(user)
    return result


def _lock_incident(incident_id):
    try:
        return (
            Incident.objects.select_for_update(of=("self",))
            .select_related("county", "county__government", "plan_version", "service_area", "company")
            .get(pk=incident_id)
        )
    except Incident.DoesNotExist:
        raise CommandError(_("没有这个事件。")) from None


def _require(user, action, incident=None):
    decision = can(user, action, incident)
    if not decision:
        raise PermissionDenied(decision.reason)
    return decision


def _recommendation_snapshot(rec):
    """What the approver must see as it was when the request was made (附件4 with its readings)."""
    hours = rec.unrestored_hours
    return {
        "level": int(rec.level) if rec.level else None,
        "matched_level": int(rec.matched_level) if rec.matched_level else None,
        "status": rec.status,
        "firm": rec.firm,
        "clauses": list(rec.clauses),
        "matches": [
            {"level": int(m.level), "clause": m.clause, "text": m.text, "reading": m.reading}
            for m in rec.matches
        ],
        "alternatives": [
            {"level": int(a.level), "clause": a.clause, "reason": a.reason} for a in rec.alternatives
        ],
        "readings": [str(r) for r in rec.readings],
        "unrestored_hours": float(round(hours, 1)) if hours is not None else None,
        "condition_4_clause": rec.condition_4_clause,
    }


def _closed_states_message(incident):
    return _("事件当前为“%(state)s”，不能请示调整响应。") % {"state": State(incident.state).label}


# ---------------------------------------------------------------------------------------------------
# Level-change requests (DOMAIN.md §5; routing.py)
# ---------------------------------------------------------------------------------------------------


def level_request_submit(*, incident_id, actor, to_level=None, end=False, reason="", now=None):
    """Draft, report, propose — or, for the authority, decide directly. Returns the request.

    Refused: the incident is not assessing/responding; another request is open; the level is not
    backed by the firm 附件4 recommendation and no reason is written (附件4 第4项); the person takes no
    part in this chain."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if to_level not in (None, ""):
        try:
            to_level = int(to_level)
        except (TypeError, ValueError):
            raise CommandError(_("响应级别只能是Ⅰ级、Ⅱ级、Ⅲ级或Ⅳ级。")) from None
    else:
        to_level = None
    with transaction.atomic():
        incident = _lock_incident(incident_id)
        if incident.state not in (State.ASSESSING, State.RESPONDING):
            raise CommandError(_closed_states_message(incident))
        if end and incident.state != State.RESPONDING:
            raise CommandError(_("事件未在响应中，无需结束响应。"))
        if not end and to_level is None:
            raise CommandError(_("请选择拟定的响应级别。"))
        rec = incident.recommendation(now)
        try:
            kind = kind_for(incident.state, incident.level, to_level, end=end)
            r = route(kind, incident.level, to_level, int(rec.level) if rec.firm and rec.level else None)
        except RouteError as e:
            raise CommandError(str(e)) from None
        open_request = LevelRequest.objects.filter(incident=incident, status=LevelRequest.Status.OPEN).first()
        if open_request is not None:
            raise CommandError(
                _("该事件已有一件审批中的请示（#%(pk)s %(title)s），请待其办结或撤回后再提出。")
                % {"pk": open_request.pk, "title": open_request.title}
            )

        def holds(action):
            return bool(can(actor, action, incident))

        in_chain = [s for s in r.steps if holds(r.action(s))]
        if not in_chain and not holds("level.draft"):
            raise PermissionDenied(
                _("按预案%(clause)s，您不在这项请示的办理环节中（起草：市指挥部办公室；决定：%(who)s）。")
                % {"clause": r.clause, "who": RULES[r.decide_action].label}
            )
        stage, entry = start_stage(r, holds)
        judgment = kind in ("activate", "raise") and to_level not in backed_levels(rec)
        if judgment and not reason:
            raise CommandError(
                _(
                    "%(level)s不是附件4的确定建议级别（或其备选）：按附件4第4项（市指挥部认为需要启动的其他情形）"
                    "须写明理由。"
                )
                % {"level": ResponseLevel(to_level).label}
            )
        if kind in ("raise", "lower") and not reason:
            raise CommandError(_("调整响应级别须写明理由（§5.3.5）。"))
        entry_action = "level.draft" if entry == "draft" else r.action(entry)
        request = LevelRequest.objects.create(
            incident=incident,
            kind=kind,
            from_level=incident.level,
            to_level=to_level,
            expected_state=incident.state,
            reason=reason,
            judgment=judgment,
            recommendation=_recommendation_snapshot(rec),
            clause=r.clause,
            steps=list(r.steps),
            stage=stage,
            created_by=actor,
            created_at=now,
        )
        LevelRequestStep.objects.create(
            request=request,
            at=now,
            step=entry if entry != "decide" else "draft",
            outcome=LevelRequestStep.Outcome.SUBMITTED,
            actor=actor,
            actor_name=person_name(actor),
            actor_post=post_label(can(actor, entry_action, incident)),
            note=reason,
        )
        with translation.override(settings.LANGUAGE_CODE):
            timeline_add(
                incident,
                actor=actor,
                at=now,
                summary=_("提出请示：%(title)s（%(step)s）")
                % {"title": request.title, "step": STEP_LABELS[entry]},
                clause=r.clause,
                reason=reason,
                actor_post=post_label(can(actor, entry_action, incident)),
                data={"level_request": request.pk, "step": entry},
            )
        if entry == "decide":  # the authority acts directly (DOMAIN.md §5)
            _decide(request, incident, approver=actor, note=reason, now=now)
        else:
            _notify_step(request, incident)
    return request


def _notify_step(request, incident):
    step = request.current_step
    if step is None:
        return
    action = request.route.action(step)
    request_id, incident_id = request.pk, incident.pk

    def send():
        req = LevelRequest.objects.select_related("incident").get(pk=request_id)
        if req.status != LevelRequest.Status.OPEN or req.current_step != step:
            return
        title = _drill(req.incident, _("待您审批：%(title)s") % {"title": req.title})
        notify(
            users_who_can(action, req.incident),
            key=f"level_request:{request_id}:{req.stage}",
            kind="approval",
            title=title,
            body=req.incident.title,
            url=reverse("command:request", args=[request_id]),
            incident=req.incident,
        )

    transaction.on_commit(send, robust=True)
    del incident_id


def _lock_request(request_id):
    try:
        return LevelRequest.objects.select_for_update().get(pk=request_id)
    except LevelRequest.DoesNotExist:
        raise CommandError(_("没有这件请示。")) from None


def _check_fresh(request, expected_stage):
    if request.status != LevelRequest.Status.OPEN:
        raise AlreadyDecided(_decided_message(request))
    if expected_stage is not None and int(expected_stage) != request.stage:
        raise CommandError(_("操作未执行：这件请示已进入下一环节（可能有他人刚刚办理），请刷新后再试。"))


_DECIDED = {
    LevelRequest.Status.APPROVED: (
        gettext_lazy("这件请示已由%(who)s批准，无需再办理。"),
        gettext_lazy("这件请示已批准，无需再办理。"),
    ),
    LevelRequest.Status.REJECTED: (
        gettext_lazy("这件请示已由%(who)s退回，无需再办理。"),
        gettext_lazy("这件请示已退回，无需再办理。"),
    ),
    LevelRequest.Status.WITHDRAWN: (
        gettext_lazy("这件请示已由%(who)s撤回，无需再办理。"),
        gettext_lazy("这件请示已撤回，无需再办理。"),
    ),
}


def _decided_message(request):
    """ "这件请示已由XX批准，无需再办理。" — who decided it, from the request's last step."""
    by_whom, plain = _DECIDED.get(request.status, (None, gettext_lazy("这件请示已失效，无需再办理。")))
    last = request.history.order_by("-at", "-id").first() if by_whom else None
    return str(by_whom) % {"who": last.actor_name} if last and last.actor_name else str(plain)


def _phone_fields(by_phone, recorder, now, request):
    """Validate a phone decision: who agreed (a user), when (not in the future, not before the report)."""
    if not by_phone:
        return None
    _require(recorder, "level.phone_record")
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


def level_request_act(
    *, request_id, actor, expected_stage=None, approve=True, note="", by_phone=None, now=None
):
    """The person at the current step agrees (forward, or decide) or sends it back.

    ``by_phone={"approver": user, "at": datetime}``: the office records a decision taken by phone
    ("电话请示，XX同意"); it is taken with the approver's authority, marked as by phone and recorded by
    ``actor``, and the approver sees it to confirm. Returns the request."""
    now = now or timezone.now()
    note = (note or "").strip()
    superseded = None
    with transaction.atomic():
        request = _lock_request(request_id)
        _check_fresh(request, expected_stage)
        phone = _phone_fields(by_phone, actor, now, request)
        approver = phone["approver"] if phone else actor
        incident = _lock_incident(request.incident_id)
        step = request.current_step
        action = request.route.action(step)
        decision = _phone_decision(phone, action, incident) if phone else _require(approver, action, incident)
        if incident.state != request.expected_state or incident.level != request.from_level:
            superseded = _supersede(request, incident, now)
        elif not approve:
            if not note:
                raise CommandError(_("退回请示须写明理由，以便提出人知道原因。"))
            _record_step(
                request, step, LevelRequestStep.Outcome.REJECTED, approver, decision, note, phone, actor, now
            )
            request.status, request.closed_at, request.outcome_note = LevelRequest.Status.REJECTED, now, note
            request.save(update_fields=["status", "closed_at", "outcome_note"])
            with translation.override(settings.LANGUAGE_CODE):
                timeline_add(
                    incident,
                    actor=approver,
                    at=phone["at"] if phone else now,
                    summary=_("退回请示：%(title)s") % {"title": request.title}
                    + _phone_suffix(phone, actor, agreed=False),
                    clause=request.clause,
                    reason=note,
                    actor_post=post_label(decision),
                    data={"level_request": request.pk, "step": step, "by_phone": bool(phone)},
                )
            _notify_outcome(request, incident, rejected=True)
        elif step != "decide":
            _record_step(
                request, step, LevelRequestStep.Outcome.FORWARDED, approver, decision, note, phone, actor, now
            )
            request.stage += 1
            request.save(update_fields=["stage"])
            with translation.override(settings.LANGUAGE_CODE):
                timeline_add(
                    incident,
                    actor=approver,
                    at=phone["at"] if phone else now,
                    summary=_("%(step)s：%(title)s") % {"step": STEP_LABELS[step], "title": request.title}
                    + _phone_suffix(phone, actor),
                    clause=request.clause,
                    reason=note,
                    actor_post=post_label(decision),
                    data={"level_request": request.pk, "step": step, "by_phone": bool(phone)},
                )
            _notify_step(request, incident)
        else:
            _decide(request, incident, approver=approver, note=note, now=now, phone=phone, recorder=actor)
    if superseded:
        raise CommandError(superseded)
    if phone:
        _notify_phone_record(request, approver)
    return request


def _notify_phone_record(request, approver):
    """The approver named in a phone record is told, so that they can confirm it (or object)."""
    request_id, user_id = request.pk, approver.pk

    def send():
        req = LevelRequest.objects.select_related("incident").get(pk=request_id)
        notify(
            [approver],
            key=f"phone:{request_id}:{user_id}:{req.stage}:{req.status}",
            kind="phone_record",
            title=_drill(
                req.incident, _("请确认：办公室已记录您电话请示的决定（%(title)s）") % {"title": req.title}
            ),
            body=req.incident.title,
            url=reverse("command:inbox"),
            incident=req.incident,
        )

    transaction.on_commit(send, robust=True)


def _phone_decision(phone, action, incident):
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


def _phone_suffix(phone, recorder, *, agreed=True):
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
        "who": person_name(phone["approver"]),
        "recorder": person_name(recorder),
    }


def _record_step(request, step, outcome, approver, decision, note, phone, recorder, now):
    return LevelRequestStep.objects.create(
        request=request,
        at=phone["at"] if phone else now,
        step=step,
        outcome=outcome,
        actor=approver,
        actor_name=person_name(approver),
        actor_post=post_label(decision),
        note=note,
        by_phone=bool(phone),
        recorded_by=recorder if phone else None,
        recorded_name=person_name(recorder) if phone else "",
        recorded_at=now if phone else None,
    )


def _decide(request, incident, *, approver, note, now, phone=None, recorder=None):
    """The decision: mark the request approved, then run the incident's transition as the approver,
    in the same transaction (a refused transition rolls the approval back)."""
    r = request.route
    decision = can(approver, r.decide_action, incident)
    request.status, request.closed_at, request.outcome_note = LevelRequest.Status.APPROVED, now, note
    request.save(update_fields=["status", "closed_at", "outcome_note"])
    _record_step(
        request, "decide", LevelRequestStep.Outcome.APPROVED, approver, decision, note, phone, recorder, now
    )
    kwargs = {
        "expected_state": request.expected_state,
        "expected_level": request.from_level,
        "reason": request.reason,
        "now": now,
        "summary_suffix": _phone_suffix(phone, recorder),
        "context": {"level_request": request.pk, "by_phone": bool(phone)},
    }
    if r.move in ("activate", "change_level"):
        kwargs["level"] = request.to_level
    if r.move == "end_response":
        # Ending through a request: the open tasks are carried into the aftermath (nothing is lost; the
        # end form lets the deciding person close some instead), then the incident moves to aftermath.
        from .tasking import response_end

        open_ids = Assignment.objects.filter(incident=incident, state__in=Assignment.OPEN_STATES).values_list(
            "pk", flat=True
        )
        response_end(
            incident_id=incident.pk,
            user=approver,
            decisions={pk: "carry" for pk in open_ids},
            reason=request.reason,
            expected_level=request.from_level,
            now=now,
            context={"level_request": request.pk, "by_phone": bool(phone)},
        )
        _notify_outcome(request, incident, rejected=False)
        return
    try:
        getattr(incident, r.move)(approver, **kwargs)
    except TransitionError as e:
        raise CommandError(str(e)) from None
    _notify_outcome(request, incident, rejected=False)


def _supersede(request, incident, now, by=None):
    """The incident moved since the request was made: the request lapses (it would act on old facts)."""
    message = _(
        "这件请示已失效：提出后事件已变为“%(state)s”%(level)s，请按现在的情况重新研判、提出请示。"
    ) % {
        "state": State(incident.state).label,
        "level": f"（{ResponseLevel(incident.level).label}）" if incident.level else "",
    }
    request.status, request.closed_at, request.outcome_note = LevelRequest.Status.SUPERSEDED, now, message
    request.save(update_fields=["status", "closed_at", "outcome_note"])
    LevelRequestStep.objects.create(
        request=request,
        at=now,
        step=request.steps[request.stage],
        outcome=LevelRequestStep.Outcome.SUPERSEDED,
        actor=by,
        actor_name=person_name(by) if by else _("系统"),
        note=message,
    )
    return message


def _notify_outcome(request, incident, *, rejected):
    request_id = request.pk

    def send():
        req = LevelRequest.objects.select_related("incident").get(pk=request_id)
        decider = req.history.filter(outcome__in=["approved", "rejected"]).order_by("-at", "-id").first()
        takers = {s.actor_id for s in req.history.all() if s.actor_id} | {req.created_by_id}
        takers.discard(decider.actor_id if decider else None)  # the one who decided knows
        from django.contrib.auth import get_user_model

        users = list(get_user_model().objects.filter(pk__in=takers))
        if rejected:
            title = _("请示被退回：%(title)s。理由：%(why)s") % {"title": req.title, "why": req.outcome_note}
        else:
            title = _("请示已批准：%(title)s") % {"title": req.title}
        notify(
            users,
            key=f"level_request:{request_id}:{req.status}",
            kind="request_outcome",
            title=_drill(req.incident, title),
            body=req.incident.title,
            url=reverse("command:request", args=[request_id]),
            incident=req.incident,
        )

    transaction.on_commit(send, robust=True)


def level_request_withdraw(*, request_id, actor, expected_stage=None, note="", now=None):
    """The proposer (or the office) withdraws an open request."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _lock_request(request_id)
        _check_fresh(request, expected_stage)
        if actor.pk != request.created_by_id:
            _require(actor, "level.draft")
        request.status, request.closed_at, request.outcome_note = (
            LevelRequest.Status.WITHDRAWN,
            now,
            note.strip(),
        )
        request.save(update_fields=["status", "closed_at", "outcome_note"])
        LevelRequestStep.objects.create(
            request=request,
            at=now,
            step=request.steps[request.stage],
            outcome=LevelRequestStep.Outcome.WITHDRAWN,
            actor=actor,
            actor_name=person_name(actor),
            note=note.strip(),
        )
        with translation.override(settings.LANGUAGE_CODE):
            timeline_add(
                request.incident,
                actor=actor,
                at=now,
                summary=_("撤回请示：%(title)s") % {"title": request.title},
                clause=request.clause,
                reason=note.strip(),
                data={"level_request": request.pk},
            )
    return request


def phone_decision_confirm(*, step_id, actor, now=None):
    """The approver confirms a decision the office recorded as taken by phone with them."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            step = (
                LevelRequestStep.objects.select_related("request")
                .select_for_update(of=("self",))
                .get(pk=step_id)
            )
        except LevelRequestStep.DoesNotExist:
            raise CommandError(_("没有这条记录。")) from None
        if not step.by_phone or step.actor_id != actor.pk:
            raise PermissionDenied(_("只有电话请示的对象本人可以确认。"))
        if step.confirmations.exists():
            return step
        LevelRequestStep.objects.create(
            request=step.request,
            at=now,
            step=step.step,
            outcome=LevelRequestStep.Outcome.CONFIRMED,
            actor=actor,
            actor_name=person_name(actor),
            confirms=step,
        )
    return step


def supersede_open_requests(incident, *, except_id=None, actor=None, now=None):
    """Called when the incident moves (signal): any other open request is now stale."""
    now = now or timezone.now()
    for request in (
        LevelRequest.objects.select_for_update()
        .filter(incident=incident, status=LevelRequest.Status.OPEN)
        .exclude(pk=except_id)
    ):
        _supersede(request, incident, now, by=actor)


# ---------------------------------------------------------------------------------------------------
# Call-down (到岗通知, §5.3.3(1), 附件1)
# ---------------------------------------------------------------------------------------------------


def new_token():
    return secrets.token_urlsafe(32)


def calldown_url(calldown):
    return reverse("command:calldown", args=[calldown.token])


def calldowns_notify(calldown_ids):
    """In-app notification to each person called (exactly once); scheduled on commit."""
    ids = list(calldown_ids)

    def send():
        for cd in CallDown.objects.filter(pk__in=ids, person__isnull=False).select_related(
            "incident", "person__user"
        ):
            notify(
                [cd.person.user],
                key=f"calldown:{cd.pk}",
                kind="calldown",
                title=_drill(
                    cd.incident,
                    _("到岗通知：请立即赶赴现场（%(title)s），并点“收到”“已到岗”确认。")
                    % {"title": cd.incident.title},
                ),
                body=cd.clause,
                url=calldown_url(cd),
                incident=cd.incident,
            )

    if ids:
        transaction.on_commit(send, robust=True)


def calldown_add(*, incident_id, actor, person_ids=(), expert_ids=(), role=CallDown.Role.TEAM, now=None):
    """Send people (a working team, HQ leaders, experts) to the scene (附件1 for Ⅳ/Ⅲ; more at any level)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = _lock_incident(incident_id)
        _require(actor, "command.record", incident)
        if incident.state != State.RESPONDING:
            raise CommandError(_("只有响应中的事件才能发出到岗通知。"))
        if not person_ids and not expert_ids:
            raise CommandError(_("请至少选择一名人员或专家。"))
        if role not in CallDown.Role.values:
            raise CommandError(_("身份不正确。"))
        clause = {4: "附件1、§5.3.1", 3: "附件1、§5.3.2"}.get(incident.level, "§5.3.3(1)")
        rows = []
        people = Person.objects.filter(pk__in=person_ids, active=True).select_related("unit")
        if len(people) != len(set(person_ids)):
            raise CommandError(_("所选人员不存在或已不在职。"))
        for p in people:
            rows.append(
                CallDown(
                    incident=incident,
                    person=p,
                    name=p.name,
                    post=f"{p.organisation_name} {p.title}".strip(),
                    phone=p.mobile,
                    role=role,
                    clause=clause,
                    level=incident.level,
                    token=new_token(),
                    notified_at=now,
                    notified_by=actor,
                )
            )
        experts = Expert.objects.filter(pk__in=expert_ids, active=True)
        if len(experts) != len(set(expert_ids)):
            raise CommandError(_("所选专家不存在或已停用。"))
        for e in experts:
            rows.append(
                CallDown(
                    incident=incident,
                    expert=e,
                    name=e.name,
                    post=f"{e.organisation} {e.field}",
                    phone=e.phone,
                    role=CallDown.Role.EXPERT,
                    clause=clause,
                    level=incident.level,
                    token=new_token(),
                    notified_at=now,
                    notified_by=actor,
                )
            )
        existing = set(CallDown.objects.filter(incident=incident).values_list("person_id", "expert_id"))
        rows = [r for r in rows if (r.person_id, r.expert_id) not in existing]
        created = CallDown.objects.bulk_create(rows)
        if created:
            with translation.override(settings.LANGUAGE_CODE):
                timeline_add(
                    incident,
                    actor=actor,
                    at=now,
                    summary=_("通知赶赴现场：%(names)s") % {"names": "、".join(r.name for r in created)},
                    clause=clause,
                    data={"calldowns": [r.pk for r in created]},
                )
            calldowns_notify(r.pk for r in created)
    return created


def calldown_confirm(*, token=None, calldown_id=None, what, user=None, recorded_by=None, now=None):
    """收到 / 已到岗. From the person's own link (``token``), as the person logged in, or recorded by the
    office for them (``recorded_by``, e.g. after a phone call). Arriving implies received. The
    commander's arrival is when he sets up the on-site HQ and takes command (§5.3.3(2))."""
    from .models import OnsiteHQ

    now = now or timezone.now()
    if what not in ("received", "arrived"):
        raise CommandError(_("确认类型不正确。"))
    with transaction.atomic():
        qs = CallDown.objects.select_for_update(of=("self",)).select_related("incident", "person")
        try:
            cd = qs.get(token=token) if token else qs.get(pk=calldown_id)
        except CallDown.DoesNotExist:
            raise CommandError(_("没有这条到岗通知（链接可能已失效）。")) from None
        if recorded_by is not None:
            _require(recorded_by, "command.record", cd.incident)
            how = _("%(who)s代为登记") % {"who": person_name(recorded_by)}
        elif (
            user is not None
            and cd.person_id
            and getattr(user, "person", None)
            and user.person.pk == cd.person_id
        ):
            how = _("本人确认")
        elif token and user is not None and getattr(user, "is_authenticated", False):
            # A forwarded link opened by another logged-in person: record who really confirmed it.
            how = _("由%(who)s代为确认（转发的链接）") % {"who": person_name(user)}
        elif token:
            how = _("本人通过链接确认")
        else:
            raise PermissionDenied(_("只能确认发给自己的到岗通知。"))
        if cd.incident.state != State.RESPONDING:
            raise CommandError(_("事件已不在响应中，无需再确认到岗。"))
        fields = []
        if cd.received_at is None:
            cd.received_at, cd.received_recorded_by = now, how
            fields += ["received_at", "received_recorded_by"]
        if what == "arrived" and cd.arrived_at is None:
            cd.arrived_at, cd.arrived_recorded_by = now, how
            fields += ["arrived_at", "arrived_recorded_by"]
        if not fields:
            return cd
        cd.save(update_fields=fields)
        actor = recorded_by or user or (cd.person.user if cd.person_id else None)
        with translation.override(settings.LANGUAGE_CODE):
            summary = (_("%(name)s已到岗") if "arrived_at" in fields else _("%(name)s收到到岗通知")) % {
                "name": cd.name
            }
            timeline_add(
                cd.incident,
                actor=actor,
                at=now,
                summary=f"{summary}（{how}）",
                clause=cd.clause,
                data={"calldown": cd.pk, "what": what},
            )
            if "arrived_at" in fields and cd.role == CallDown.Role.COMMANDER:
                hq = OnsiteHQ.objects.select_for_update().filter(incident=cd.incident).first()
                if hq is not None and hq.command_taken_at is None:
                    hq.command_taken_at, hq.command_taken_by = now, cd.person
                    hq.save(update_fields=["command_taken_at", "command_taken_by"])
                    timeline_add(
                        cd.incident,
                        actor=actor,
                        at=now,
                        summary=_("指挥长%(name)s到达现场，现场指挥部接管指挥权") % {"name": cd.name},
                        clause="§5.3.3(2)",
                    )
    return cd


# ---------------------------------------------------------------------------------------------------
# The on-site HQ, groups, checklist, instructions
# ---------------------------------------------------------------------------------------------------


def onsite_member_add(*, incident_id, actor, person_id, now=None):
    """The commander adds a member to the on-site HQ for this incident (§2.1: 指挥长可根据需要
    增加相关单位分管负责人为成员); the member is called to the scene too."""
    from .models import OnsiteHQ

    now = now or timezone.now()
    with transaction.atomic():
        incident = _lock_incident(incident_id)
        _require(actor, "onsite.add_member", incident)
        if incident.state != State.RESPONDING:
            raise CommandError(_("事件已不在响应中，不能再增加现场指挥部成员。"))
        if not OnsiteHQ.objects.filter(incident=incident).exists():
            raise CommandError(_("现场指挥部在Ⅱ级及以上响应时成立（§5.3.3(2)），本事件尚未成立。"))
        person = Person.objects.filter(pk=person_id, active=True).select_related("unit").first()
        if person is None:
            raise CommandError(_("所选人员不存在或已不在职。"))
        try:
            with transaction.atomic():
                OnsiteMember.objects.create(
                    incident=incident,
                    person=person,
                    role=OnsiteMember.Role.MEMBER,
                    post=f"{person.organisation_name} {person.title}".strip(),
                    clause="§2.1",
                    added_at=now,
                    added_by=actor,
                )
        except IntegrityError:
            raise CommandError(_("%(name)s已是现场指挥部成员。") % {"name": person.name}) from None
        with translation.override(settings.LANGUAGE_CODE):
            timeline_add(
                incident,
                actor=actor,
                at=now,
                summary=_("现场指挥部增加成员：%(name)s") % {"name": person.name},
                clause="§2.1",
            )
        cd, created = CallDown.objects.get_or_create(
            incident=incident,
            person=person,
            defaults={
                "name": person.name,
                "post": f"{person.organisation_name} {person.title}".strip(),
                "phone": person.mobile,
                "role": CallDown.Role.OTHER,
                "clause": "§5.3.3(1)",
                "level": incident.level,
                "token": new_token(),
                "notified_at": now,
                "notified_by": actor,
            },
        )
        if created:
            calldowns_notify([cd.pk])


def checklist_mark(*, item_id, actor, done, note="", now=None):
    """Tick (or untick) a duty of §5.3.1–§5.3.4; each change is on the timeline."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            item = (
                ChecklistItem.objects.select_for_update(of=("self",))
                .select_related("incident")
                .get(pk=item_id)
            )
        except ChecklistItem.DoesNotExist:
            raise CommandError(_("没有这一项。")) from None
        _require(actor, "command.record", item.incident)
        if item.incident.state not in (State.RESPONDING, State.RESPONSE_ENDED):
            raise CommandError(_("事件已不在响应中，工作清单不能再修改。"))
        note = (note or "").strip()[:300]
        if done == (item.done_at is not None) and note == item.note:
            return item
        item.done_at = now if done else None
        item.done_by = actor if done else None
        item.done_by_name = person_name(actor) if done else ""
        item.note = note
        item.save(update_fields=["done_at", "done_by", "done_by_name", "note"])
        with translation.override(settings.LANGUAGE_CODE):
            timeline_add(
                item.incident,
                actor=actor,
                at=now,
                summary=(_("完成：%(text)s") if done else _("撤销完成标记：%(text)s"))
                % {"text": item.text[:200]},
                clause=item.clause,
                reason=note,
                data={"checklist": item.code},
            )
    return item


def _check_length(model, name, value):
    """A text longer than its column: the model's max_length, said in Chinese (issue 16)."""
    field = model._meta.get_field(name)
    if value and len(value) > field.max_length:
        raise CommandError(
            _("%(label)s最多%(n)s个字（填写了%(len)s个字）。")
            % {"label": field.verbose_name, "n": field.max_length, "len": len(value)}
        )


def instruction_add(*, incident_id, actor, source, given_by, given_at, text, now=None):
    now = now or timezone.now()
    given_by, text = (given_by or "").strip(), (text or "").strip()
    with transaction.atomic():
        incident = _lock_incident(incident_id)
        _require(actor, "command.record", incident)
        if source not in Instruction.Source.values:
            raise CommandError(_("请选择批示来源。"))
        if not given_by or not text:
            raise CommandError(_("批示人和批示内容都须填写。"))
        if given_at is None or given_at > now + timedelta(minutes=1):
            raise CommandError(_("批示时间须填写，且不能晚于现在。"))
        if message := window_error(given_at, FIELDS["command.Instruction"]["given_at"], _("批示时间"), now):
            raise CommandError(message)
        _check_length(Instruction, "given_by", given_by)
        item = Instruction.objects.create(
            incident=incident,
            source=source,
            given_by=given_by,
            given_at=given_at,
            text=text,
            recorded_by=actor,
            recorded_at=now,
        )
        with translation.override(settings.LANGUAGE_CODE):
            timeline_add(
                incident,
                actor=actor,
                at=now,
                summary=_("登记%(source)s：%(who)s") % {"source": item.get_source_display(), "who": given_by},
                clause=item.clause,
                reason=text,
                data={"instruction": item.pk},
            )
    return item


def instruction_update(
    *, instruction_id, actor, action_taken="", action_by="", reported_back=False, now=None
):
    """Record what was done about an instruction and, once reported back, close it."""
    now = now or timezone.now()
    action_taken, action_by = (action_taken or "").strip(), (action_by or "").strip()
    with transaction.atomic():
        try:
            item = (
                Instruction.objects.select_for_update(of=("self",))
                .select_related("incident")
                .get(pk=instruction_id)
            )
        except Instruction.DoesNotExist:
            raise CommandError(_("没有这条批示。")) from None
        _require(actor, "command.record", item.incident)
        if not item.is_open:
            raise CommandError(_("这条批示已反馈办结，不能再修改。"))
        if not action_taken and not reported_back:
            raise CommandError(_("请填写落实情况。"))
        _check_length(Instruction, "action_by", action_by)
        if reported_back and not (action_taken or item.action_taken):
            raise CommandError(_("反馈前须先填写落实情况。"))
        fields = []
        if action_taken:
            item.action_taken, item.action_by, item.action_at = (
                action_taken,
                action_by or person_name(actor),
                now,
            )
            fields += ["action_taken", "action_by", "action_at"]
        if reported_back:
            item.reported_back_at, item.reported_back_by = now, person_name(actor)
            fields += ["reported_back_at", "reported_back_by"]
        item.save(update_fields=fields)
        with translation.override(settings.LANGUAGE_CODE):
            timeline_add(
                item.incident,
                actor=actor,
                at=now,
                summary=(_("批示已落实并反馈：%(who)s") if reported_back else _("批示落实情况：%(who)s"))
                % {"who": item.given_by},
                clause=item.clause,
                reason=action_taken,
                data={"instruction": item.pk},
            )
    return item


def notification_mark_read(*, user, notification_id=None, now=None):
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=now or timezone.now())
