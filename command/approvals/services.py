"""The level-change request (DOMAIN.md §5; the chain in ``approvals.chain``): draft, report, propose,
decide — or the authority decides directly; a decision taken by phone; withdrawal; a request made stale
by the incident's move lapses. Each write locks what it changes, checks the plan's authority through
``orgchart.permissions``, writes the request's history and the incident's timeline in the same
transaction, and tells the people concerned on commit.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import ResponseLevel, State
from incidents.lifecycle import TransitionError, is_judgment
from incidents.recording import recorded
from incidents.timeline import actor_name, post_label
from orgchart.approvals import LevelChange
from orgchart.permissions import RULES, can

from ..assignments.ending import response_end
from ..assignments.models import Assignment
from ..common import CommandError, lock_incident, require_authority, timeline_add
from .chain import STEP_LABELS, RouteError, kind_for, route, start_stage
from .models import LevelRequest, LevelRequestStep
from .moves import apply_move, lock_open_request
from .notices import notify_outcome, notify_phone_record, notify_step
from .phone import phone_decision, phone_fields, phone_suffix


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


def _requested_level(to_level):
    """The level asked for, as a number (None: none chosen, or ending the response)."""
    if to_level in (None, ""):
        return None
    try:
        return int(to_level)
    except (TypeError, ValueError):
        raise CommandError(_("响应级别只能是Ⅰ级、Ⅱ级、Ⅲ级或Ⅳ级。")) from None


def _check_requestable(incident, *, end, to_level):
    if incident.state not in (State.ASSESSING, State.RESPONDING):
        raise CommandError(_closed_states_message(incident))
    if end and incident.state != State.RESPONDING:
        raise CommandError(_("事件未在响应中，无需结束响应。"))
    if not end and to_level is None:
        raise CommandError(_("请选择拟定的响应级别。"))


def _refuse_if_open(incident):
    """At most one request per incident is open at a time."""
    open_request = LevelRequest.objects.filter(incident=incident, status=LevelRequest.Status.OPEN).first()
    if open_request is not None:
        raise CommandError(
            _("该事件已有一件审批中的请示（#%(pk)s %(title)s），请待其办结或撤回后再提出。")
            % {"pk": open_request.pk, "title": open_request.title}
        )


def _judgment(kind, to_level, rec, reason):
    """Whether the level is the office's own judgment (not backed by the firm 附件4 recommendation):
    then, and for any raise or lower, a reason must be written."""
    judgment = kind in (LevelChange.ACTIVATE, LevelChange.RAISE) and is_judgment(to_level, rec)
    if judgment and not reason:
        raise CommandError(
            _(
                "%(level)s不是附件4的确定建议级别（或其备选）：按附件4第4项（市指挥部认为需要启动的其他情形）"
                "须写明理由。"
            )
            % {"level": ResponseLevel(to_level).label}
        )
    if kind in (LevelChange.RAISE, LevelChange.LOWER) and not reason:
        raise CommandError(_("调整响应级别须写明理由（§5.3.5）。"))
    return judgment


def level_request_submit(*, incident_id, actor, to_level=None, end=False, reason="", now=None):
    """Draft, report, propose — or, for the authority, decide directly. Returns the request.

    Refused: the incident is not assessing/responding; another request is open; the level is not
    backed by the firm 附件4 recommendation and no reason is written (附件4 第4项); the person takes no
    part in this chain."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    to_level = _requested_level(to_level)
    with transaction.atomic():
        incident = lock_incident(incident_id)
        _check_requestable(incident, end=end, to_level=to_level)
        rec = incident.recommendation(now)
        try:
            kind = kind_for(incident.state, incident.level, to_level, end=end)
            r = route(kind, incident.level, to_level, int(rec.level) if rec.firm and rec.level else None)
        except RouteError as e:
            raise CommandError(str(e)) from None
        _refuse_if_open(incident)

        def holds(action):
            return bool(can(actor, action, incident))

        if not any(holds(r.action(s)) for s in r.steps) and not holds("level.draft"):
            raise PermissionDenied(
                _("按预案%(clause)s，您不在这项请示的办理环节中（起草：市指挥部办公室；决定：%(who)s）。")
                % {"clause": r.clause, "who": RULES[r.decide_action].label}
            )
        stage, entry = start_stage(r, holds)
        request = LevelRequest.objects.create(
            incident=incident,
            kind=kind,
            from_level=incident.level,
            to_level=to_level,
            expected_state=incident.state,
            reason=reason,
            judgment=_judgment(kind, to_level, rec, reason),
            recommendation=_recommendation_snapshot(rec),
            clause=r.clause,
            steps=list(r.steps),
            stage=stage,
            created_by=actor,
            created_at=now,
        )
        _record_submission(request, incident, entry, actor=actor, now=now)
        if entry == "decide":  # the authority acts directly (DOMAIN.md §5)
            _decide(request, incident, approver=actor, note=reason, now=now)
        else:
            notify_step(request, incident)
    return request


def _record_submission(request, incident, entry, *, actor, now):
    """The request's first step in its history, and on the incident's timeline."""
    entry_action = "level.draft" if entry == "draft" else request.route.action(entry)
    post = post_label(can(actor, entry_action, incident))
    LevelRequestStep.objects.create(
        request=request,
        at=now,
        step=entry if entry != "decide" else "draft",
        outcome=LevelRequestStep.Outcome.SUBMITTED,
        actor=actor,
        actor_name=actor_name(actor),
        actor_post=post,
        note=request.reason,
    )
    with recorded():
        timeline_add(
            incident,
            actor=actor,
            at=now,
            summary=_("提出请示：%(title)s（%(step)s）")
            % {"title": request.title, "step": STEP_LABELS[entry]},
            clause=request.clause,
            reason=request.reason,
            actor_post=post,
            data={"level_request": request.pk, "step": entry},
        )


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
        request = lock_open_request(request_id, expected_stage)
        phone = phone_fields(by_phone, actor, now, request)
        approver = phone["approver"] if phone else actor
        incident = lock_incident(request.incident_id)
        step = request.current_step
        action = request.route.action(step)
        decision = (
            phone_decision(phone, action, incident)
            if phone
            else require_authority(approver, action, incident)
        )
        taken = {"approver": approver, "decision": decision, "note": note, "phone": phone, "recorder": actor}
        if incident.state != request.expected_state or incident.level != request.from_level:
            superseded = _supersede(request, incident, now)
        elif not approve:
            _reject(request, incident, step, now=now, **taken)
        elif step != "decide":
            _forward(request, incident, step, now=now, **taken)
        else:
            _decide(request, incident, approver=approver, note=note, now=now, phone=phone, recorder=actor)
    if superseded:
        raise CommandError(superseded)
    if phone:
        notify_phone_record(request, approver)
    return request


def _reject(request, incident, step, *, approver, decision, note, phone, recorder, now):
    if not note:
        raise CommandError(_("退回请示须写明理由，以便提出人知道原因。"))
    _record_step(
        request, step, LevelRequestStep.Outcome.REJECTED, approver, decision, note, phone, recorder, now
    )
    apply_move(request, "reject", now=now, note=note)
    with recorded():
        timeline_add(
            incident,
            actor=approver,
            at=phone["at"] if phone else now,
            summary=_("退回请示：%(title)s") % {"title": request.title}
            + phone_suffix(phone, recorder, agreed=False),
            clause=request.clause,
            reason=note,
            actor_post=post_label(decision),
            data={"level_request": request.pk, "step": step, "by_phone": bool(phone)},
        )
    notify_outcome(request, incident, rejected=True)


def _forward(request, incident, step, *, approver, decision, note, phone, recorder, now):
    _record_step(
        request, step, LevelRequestStep.Outcome.FORWARDED, approver, decision, note, phone, recorder, now
    )
    apply_move(request, "forward", now=now)
    with recorded():
        timeline_add(
            incident,
            actor=approver,
            at=phone["at"] if phone else now,
            summary=_("%(step)s：%(title)s") % {"step": STEP_LABELS[step], "title": request.title}
            + phone_suffix(phone, recorder),
            clause=request.clause,
            reason=note,
            actor_post=post_label(decision),
            data={"level_request": request.pk, "step": step, "by_phone": bool(phone)},
        )
    notify_step(request, incident)


def _record_step(request, step, outcome, approver, decision, note, phone, recorder, now):
    return LevelRequestStep.objects.create(
        request=request,
        at=phone["at"] if phone else now,
        step=step,
        outcome=outcome,
        actor=approver,
        actor_name=actor_name(approver),
        actor_post=post_label(decision),
        note=note,
        by_phone=bool(phone),
        recorded_by=recorder if phone else None,
        recorded_name=actor_name(recorder) if phone else "",
        recorded_at=now if phone else None,
    )


def _decide(request, incident, *, approver, note, now, phone=None, recorder=None):
    """The decision: mark the request approved, then run the incident's transition as the approver,
    in the same transaction (a refused transition rolls the approval back)."""
    r = request.route
    decision = can(approver, r.decide_action, incident)
    apply_move(request, "approve", now=now, note=note)
    _record_step(
        request, "decide", LevelRequestStep.Outcome.APPROVED, approver, decision, note, phone, recorder, now
    )
    kwargs = {
        "expected_state": request.expected_state,
        "expected_level": request.from_level,
        "reason": request.reason,
        "now": now,
        "summary_suffix": phone_suffix(phone, recorder),
        "context": {"level_request": request.pk, "by_phone": bool(phone)},
    }
    if r.move in ("activate", "change_level"):
        kwargs["level"] = request.to_level
    if r.move == "end_response":
        # Ending through a request: the open tasks are carried into the aftermath (nothing is lost; the
        # end form lets the deciding person close some instead), then the incident moves to aftermath.
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
        notify_outcome(request, incident, rejected=False)
        return
    try:
        getattr(incident, r.move)(approver, **kwargs)
    except TransitionError as e:
        raise CommandError(str(e)) from None
    notify_outcome(request, incident, rejected=False)


def _supersede(request, incident, now, by=None):
    """The incident moved since the request was made: the request lapses (it would act on old facts)."""
    message = _(
        "这件请示已失效：提出后事件已变为“%(state)s”%(level)s，请按现在的情况重新研判、提出请示。"
    ) % {
        "state": State(incident.state).label,
        "level": f"（{ResponseLevel(incident.level).label}）" if incident.level else "",
    }
    apply_move(request, "supersede", now=now, note=message)
    LevelRequestStep.objects.create(
        request=request,
        at=now,
        step=request.steps[request.stage],
        outcome=LevelRequestStep.Outcome.SUPERSEDED,
        actor=by,
        actor_name=actor_name(by),
        note=message,
    )
    return message


def level_request_withdraw(*, request_id, actor, expected_stage=None, note="", now=None):
    """The proposer (or the office) withdraws an open request."""
    now = now or timezone.now()
    with transaction.atomic():
        request = lock_open_request(request_id, expected_stage)
        if actor.pk != request.created_by_id:
            require_authority(actor, "level.draft")
        apply_move(request, "withdraw", now=now, note=note.strip())
        LevelRequestStep.objects.create(
            request=request,
            at=now,
            step=request.steps[request.stage],
            outcome=LevelRequestStep.Outcome.WITHDRAWN,
            actor=actor,
            actor_name=actor_name(actor),
            note=note.strip(),
        )
        with recorded():
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
            actor_name=actor_name(actor),
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
