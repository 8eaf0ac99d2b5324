"""The command pages (issue 5): "待我审批", the incident's command page (level and its history, the
request chain, on-site HQ, groups, checklist, call-down board, leaders' instructions), a request's page,
the call-down link that works on a phone without logging in, and the notifications list.

Thin views: parse, call a service (which checks the plan's authority and refuses with a Chinese message
that changes nothing), then redirect with a message, or render the page or its partial for htmx.
"""

import hashlib
from datetime import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.inputs import hidden_int_for
from config.pagecache import cached_page
from incidents.choices import ResponseLevel, State
from incidents.models import Incident
from incidents.panels import recommendation_context
from orgchart.models import Appointment, Expert, Person, Unit, UnitKind
from orgchart.permissions import RULES, can

from . import activation, selectors, services
from .models import ActivatedGroup, CallDown, ChecklistItem, Instruction, LevelRequest
from .routing import KIND_LABELS, STEP_LABELS, STEP_VERBS, Kind, RouteError, kind_for, route, start_stage
from .services import AlreadyDecided, CommandError


def _sig(parts):
    """A short signature of what a polled panel shows: the poll sends it back, and an unchanged panel
    answers 204 (htmx swaps nothing), so an open <details> or a half-typed reason is not wiped."""
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:12]


def _unchanged(request, sig):
    return request.htmx and request.GET.get("sig") == sig


def _refusal(request, e):
    if isinstance(e, AlreadyDecided):  # someone else decided it first: information, not an error
        messages.info(request, str(e))
        return
    messages.error(request, str(e) or _("您无权进行此项操作。"))


def _back(pk, anchor="top"):
    return redirect(reverse("command:incident", args=[pk]) + f"#{anchor}")


def _hidden_int(request, name, may):
    """A number the page put in a hidden field. Malformed: refused as not permitted (403) to who may not
    act here anyway, a 400 with a message to who may (issue 16: the permission comes first)."""
    return hidden_int_for(request.POST.get(name), may)


def _may_act(request, r):
    return lambda: (
        bool(r.current_step) and bool(can(request.user, r.route.action(r.current_step), r.incident))
    )


def _parse_local(raw):
    """An <input type=datetime-local> value in Asia/Shanghai → aware datetime, or None."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(_("时间格式不正确（例：2026-12-01 03:20）。")) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


# ------------------------------------------------------------------------------------------------
# 待我审批
# ------------------------------------------------------------------------------------------------


def _request_card(r, user, candidates=None):
    """A request as the approver sees it: the recommendation at the time, its clauses and readings,
    the proposer's reason, the chain so far, and what this user may do now."""
    step = r.current_step
    may_act = bool(step) and bool(can(user, r.route.action(step), r.incident))
    rec = r.recommendation or {}
    return {
        "r": r,
        "rec": rec,
        "rec_level": ResponseLevel(rec["level"]) if rec.get("level") else None,
        "step_label": STEP_LABELS.get(step, ""),
        "verb": STEP_VERBS.get(step, ""),
        "may_act": may_act,
        "is_decision": step == "decide",
        "chain": [
            (
                s,
                STEP_LABELS[s],
                i < r.stage or r.status == LevelRequest.Status.APPROVED,
                i == r.stage and r.is_open,
            )
            for i, s in enumerate(r.steps)
        ],
        "may_withdraw": r.is_open and (r.created_by_id == user.pk or bool(can(user, "level.draft"))),
        "may_phone": r.is_open and bool(can(user, "level.phone_record")),
        "phone_candidates": _phone_candidates(r, {} if candidates is None else candidates)
        if r.is_open and can(user, "level.phone_record")
        else [],
        "decide_label": r.title,
    }


def _phone_candidates(r, cache):
    """People whose post gives the current step's authority (holders and deputies), for the office's
    record of a phone decision. One query per distinct action on the page (``cache``)."""
    action = r.route.action(r.current_step)
    if action not in cache:
        cache[action] = _candidates_for(action)
    return cache[action]


def _candidates_for(action):
    positions = RULES[action].positions
    rows = (
        Appointment.objects.filter(
            position__code__in=positions, person__active=True, person__user__isnull=False
        )
        .select_related("person", "position")
        .order_by("-role", "person__name")
    )
    seen, result, acting = set(), [], _("·代理")
    for a in rows:
        if a.person.user_id not in seen:
            seen.add(a.person.user_id)
            result.append(
                (
                    a.person.user_id,
                    f"{a.person.name}（{a.position.name}{'' if a.role == 'holder' else acting}）",
                )
            )
    return result


@login_required
def inbox(request):
    user = request.user
    cache = {}
    pending = [_request_card(r, user, cache) for r in selectors.pending_for(user)]
    context = {
        "pending": pending,
        "phone_to_confirm": selectors.phone_decisions_to_confirm(user),
        "my_calldowns": selectors.my_calldowns(user),
        "open_requests": [
            _request_card(r, user)
            for r in selectors.open_requests()
            if r.pk not in {p["r"].pk for p in pending}
        ],
    }
    context["pending_sig"] = _sig((c["r"].pk, c["r"].stage, c["r"].status) for c in pending)
    if request.htmx and request.GET.get("part") == "pending":
        if _unchanged(request, context["pending_sig"]):
            return HttpResponse(status=204)
        return render(request, "command/inbox.html#pending", context)
    return render(request, "command/inbox.html", context)


# ------------------------------------------------------------------------------------------------
# A request
# ------------------------------------------------------------------------------------------------


@login_required
def request_detail(request, pk):
    r = get_object_or_404(selectors.requests_qs(), pk=pk)
    return render(
        request, "command/request.html", {"card": _request_card(r, request.user), "incident": r.incident}
    )


def _after_request(request, r, fallback_pk):
    nxt = request.POST.get("next", "")
    if nxt == "inbox":
        return redirect("command:inbox")
    return _back(fallback_pk, "level")


@login_required
@require_POST
def request_submit(request, pk):
    incident = get_object_or_404(Incident, pk=pk)
    end = request.POST.get("end") == "1"
    try:
        r = services.level_request_submit(
            incident_id=incident.pk,
            actor=request.user,
            to_level=None if end else request.POST.get("level"),
            end=end,
            reason=request.POST.get("reason", ""),
        )
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
        return _back(pk, "level")
    if r.status == LevelRequest.Status.APPROVED:
        messages.success(request, _("已决定：%(title)s。") % {"title": r.title})
    else:
        messages.success(
            request,
            _("已提交：%(title)s，待%(step)s。") % {"title": r.title, "step": STEP_LABELS[r.current_step]},
        )
    return _back(pk, "level")


@login_required
@require_POST
def request_act(request, pk):
    r = get_object_or_404(LevelRequest, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        raise Http404
    stage = _hidden_int(request, "stage", _may_act(request, r))
    try:
        services.level_request_act(
            request_id=r.pk,
            actor=request.user,
            expected_stage=stage,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
        )
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
        return _after_request(request, r, r.incident_id)
    r.refresh_from_db()
    if r.status == LevelRequest.Status.APPROVED:
        messages.success(request, _("已批准：%(title)s。") % {"title": r.title})
    elif r.status == LevelRequest.Status.REJECTED:
        messages.success(request, _("已退回：%(title)s，并已告知提出人。") % {"title": r.title})
    else:
        messages.success(
            request,
            _("已上报：%(title)s，待%(step)s。") % {"title": r.title, "step": STEP_LABELS[r.current_step]},
        )
    return _after_request(request, r, r.incident_id)


@login_required
@require_POST
def request_phone(request, pk):
    """The office records a decision taken by phone: 电话请示，XX同意 (or 不同意)."""
    r = get_object_or_404(LevelRequest, pk=pk)
    may = lambda: bool(can(request.user, "level.phone_record"))  # noqa: E731
    stage, approver_id = _hidden_int(request, "stage", may), _hidden_int(request, "approver", may)
    try:
        approver = get_user_model().objects.filter(pk=approver_id or 0).first()
        at = _parse_local(request.POST.get("at")) or timezone.now()
        services.level_request_act(
            request_id=r.pk,
            actor=request.user,
            expected_stage=stage,
            approve=request.POST.get("decision", "approve") == "approve",
            note=request.POST.get("note", ""),
            by_phone={"approver": approver, "at": at},
        )
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
        return _back(r.incident_id, "level")
    r.refresh_from_db()
    messages.success(
        request,
        _("已记录电话请示的决定：%(title)s（%(status)s）。")
        % {"title": r.title, "status": r.get_status_display()},
    )
    return _back(r.incident_id, "level")


@login_required
@require_POST
def request_withdraw(request, pk):
    r = get_object_or_404(LevelRequest, pk=pk)
    may = lambda: r.created_by_id == request.user.pk or bool(can(request.user, "level.draft"))  # noqa: E731
    stage = _hidden_int(request, "stage", may)
    try:
        services.level_request_withdraw(
            request_id=r.pk,
            actor=request.user,
            expected_stage=stage,
            note=request.POST.get("note", ""),
        )
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    else:
        messages.success(request, _("已撤回：%(title)s。") % {"title": r.title})
    return _back(r.incident_id, "level")


@login_required
@require_POST
def phone_confirm(request, pk):
    try:
        step = services.phone_decision_confirm(step_id=pk, actor=request.user)
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    else:
        messages.success(request, _("已确认电话请示的决定：%(title)s。") % {"title": step.request.title})
    return redirect("command:inbox")


# ------------------------------------------------------------------------------------------------
# The incident's command page
# ------------------------------------------------------------------------------------------------


def _level_options(incident, user):
    """The levels this user may ask for (or decide) now, each with its chain and whether it needs a
    written reason; the end of the response too. Pure: permissions are cached per user."""
    if incident.state not in (State.ASSESSING, State.RESPONDING):
        return [], None
    rec = incident.recommendation(timezone.now())
    from incidents.lifecycle import backed_levels

    backed = backed_levels(rec)
    drafter = bool(can(user, "level.draft"))
    options = []
    for lv in ResponseLevel:
        if lv == incident.level:
            continue
        try:
            kind = kind_for(incident.state, incident.level, int(lv))
            r = route(kind, incident.level, int(lv))
        except RouteError:
            continue
        _stage, entry = start_stage(r, lambda a: bool(can(user, a, incident)))
        if entry == "draft" and not drafter:
            continue
        options.append(
            {
                "level": int(lv),
                "label": lv.label,
                "kind": KIND_LABELS[kind],
                "direct": entry == "decide",
                "entry": STEP_LABELS[entry],
                "chain": " → ".join(str(STEP_LABELS[s]) for s in r.steps),
                "clause": r.clause,
                "needs_reason": kind in (Kind.RAISE, Kind.LOWER) or lv not in backed,
                "backed": lv in backed,
                "suggested": rec.level == lv,
            }
        )
    end = None
    if incident.state == State.RESPONDING:
        r = route(Kind.END, incident.level, None)
        _stage, entry = start_stage(r, lambda a: bool(can(user, a, incident)))
        if entry != "draft" or drafter:
            end = {
                "direct": entry == "decide",
                "clause": r.clause,
                "chain": " → ".join(str(STEP_LABELS[s]) for s in r.steps),
            }
    return options, end


def _command_context(request, incident):
    user = request.user
    data = selectors.command_page(incident, user)
    options, end = _level_options(incident, user)
    may_record = bool(can(user, "command.record", incident))
    calldowns = data["calldowns"]
    context = {
        "incident": incident,
        **data,
        **recommendation_context(incident, timezone.now()),
        "cards": [_request_card(r, user) for r in data["requests"]],
        "level_options": options,
        "end_option": end,
        "may_record": may_record,
        "may_add_member": incident.state == State.RESPONDING
        and data["onsite_hq"] is not None
        and bool(can(user, "onsite.add_member", incident)),
        "may_adjust_groups": incident.state == State.RESPONDING
        and bool(data["groups"])
        and bool(can(user, "onsite.adjust_groups", incident)),
        "board": _board(calldowns),
        "setup_missing": incident.state == State.RESPONDING
        and incident.level
        and not incident.level_setup_done,
        "open_instructions": sum(1 for i in data["instructions"] if i.is_open),
        "checklist_done": sum(1 for i in data["checklist"] if i.done_at),
        "now": timezone.now(),
        "responding": incident.state == State.RESPONDING,
    }
    if incident.state == State.RESPONDING and (may_record or context["may_add_member"]):
        active = {g.group_id for g in data["groups"]}
        from orgchart.models import WorkingGroup

        context["inactive_groups"] = [g for g in WorkingGroup.objects.order_by("order") if g.pk not in active]
        context["instruction_sources"] = Instruction.Source.choices
    if incident.state == State.RESPONDING and may_record:
        from .companies import READING, company_offers

        context["company_offers"] = company_offers(incident)
        context["company_reading"] = READING
    return context


def _board_context(request, incident):
    return {
        "incident": incident,
        "board": _board(selectors.calldown_board(incident)),
        "may_record": bool(can(request.user, "command.record", incident)),
        "responding": incident.state == State.RESPONDING,
        "now": timezone.now(),
    }


def _board(calldowns):
    waiting = [c for c in calldowns if not c.received_at]
    received = [c for c in calldowns if c.received_at and not c.arrived_at]
    arrived = [c for c in calldowns if c.arrived_at]
    return {
        "all": calldowns,
        "waiting": len(waiting),
        "received": len(received),
        "arrived": len(arrived),
        "sig": _sig((c.pk, c.received_at, c.arrived_at) for c in calldowns),
    }


def _get_incident(pk):
    try:
        return selectors.command_incident(pk)
    except Incident.DoesNotExist:
        raise Http404(_("没有这个事件。")) from None


# The forms with long lists of people, loaded when opened (templates/command/_lazy_form.html): who may
# open each, and what it lists.
LAZY_FORMS = {
    "member": lambda user, incident: can(user, "onsite.add_member", incident),
    "calldown": lambda user, incident: can(user, "command.record", incident),
    "group_unit": lambda user, incident: can(user, "onsite.adjust_groups", incident),
}


def _form_choices(name, incident):
    if name == "group_unit":
        return {
            "groups": list(
                ActivatedGroup.objects.filter(incident=incident)
                .select_related("group")
                .order_by("group__order")
            ),
            "unit_choices": list(
                Unit.objects.filter(active=True)
                .exclude(kind=UnitKind.ENTERPRISE_CATEGORY)
                .order_by("order", "name")
            ),
        }
    people = list(
        Person.objects.filter(active=True, user__isnull=False)
        .select_related("unit")
        .order_by("unit__order", "name")[:400]
    )
    if name == "member":
        return {"people_choices": people}
    return {
        "people_choices": people,
        "expert_choices": list(Expert.objects.filter(active=True).order_by("field", "name")),
    }


def _lazy_form(request, incident, name):
    """One of LAZY_FORMS alone (htmx, when it is opened); 403 for someone who may not use it."""
    decision = LAZY_FORMS[name](request.user, incident)
    if incident.state != State.RESPONDING or not decision:
        raise PermissionDenied(getattr(decision, "reason", "") or _("事件不在响应中。"))
    context = {"incident": incident, **_form_choices(name, incident)}
    return render(request, f"command/incident.html#{name}_form", context)


@login_required
@cached_page()
def incident_command(request, pk):
    incident = _get_incident(pk)
    part = request.GET.get("part")
    if request.htmx and part == "board":  # polled every 20 s: only what the board needs
        context = _board_context(request, incident)
        if _unchanged(request, context["board"]["sig"]):
            return HttpResponse(status=204)
        return render(request, "command/incident.html#board", context)
    if request.htmx and part and part.removesuffix("_form") in LAZY_FORMS:
        return _lazy_form(request, incident, part.removesuffix("_form"))
    context = _command_context(request, incident)
    form = request.GET.get("form")
    if form in LAZY_FORMS:  # without JavaScript: the page with this form open
        choices = _form_choices(form, incident)
        choices.pop("groups", None)  # the page has them already
        context.update(choices, open_form=form)
    if request.htmx and part in ("board", "checklist", "level", "instructions"):
        return render(request, f"command/incident.html#{part}", context)
    return render(request, "command/incident.html", context)


@login_required
@require_POST
def calldown_add(request, pk):
    try:
        services.calldown_add(
            incident_id=pk,
            actor=request.user,
            person_ids=[int(x) for x in request.POST.getlist("people") if x.isdigit()],
            expert_ids=[int(x) for x in request.POST.getlist("experts") if x.isdigit()],
            role=request.POST.get("role", CallDown.Role.TEAM),
        )
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    else:
        messages.success(request, _("已发出到岗通知。"))
    return _back(pk, "calldown")


@login_required
@require_POST
def calldown_record(request, pk):
    """The office records a confirmation for someone (by phone), or a person confirms their own."""
    cd = get_object_or_404(CallDown, pk=pk)
    what = request.POST.get("what")
    own = getattr(request.user, "person", None) is not None and request.user.person.pk == cd.person_id
    try:
        services.calldown_confirm(
            calldown_id=cd.pk,
            what=what,
            user=request.user if own else None,
            recorded_by=None if own else request.user,
        )
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    if request.htmx:
        incident = _get_incident(cd.incident_id)
        return render(request, "command/incident.html#board", _board_context(request, incident))
    if request.POST.get("next") == "inbox":
        return redirect("command:inbox")
    return _back(cd.incident_id, "calldown")


def calldown(request, token):
    """The link in a call-down: works on a phone without logging in (the token is the key: 43 random
    characters, one per person and incident); it can only confirm this one call."""
    cd = CallDown.objects.select_related("incident", "incident__county").filter(token=token).first()
    if cd is None:
        raise Http404(_("没有这条到岗通知（链接可能已失效）。"))
    if request.method == "POST":
        try:
            services.calldown_confirm(
                token=token,
                what=request.POST.get("what"),
                user=request.user if request.user.is_authenticated else None,
            )
        except (CommandError, PermissionDenied) as e:
            _refusal(request, e)
        return redirect("command:calldown", token=token)
    return render(request, "command/calldown.html", {"cd": cd, "incident": cd.incident})


@login_required
@require_POST
def groups_activate(request, pk):
    try:
        groups = activation.groups_activate(
            incident_id=pk, actor=request.user, group_codes=request.POST.getlist("groups")
        )
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    else:
        messages.success(request, _("已启用：%(names)s。") % {"names": "、".join(g.name for g in groups)})
    return _back(pk, "groups")


@login_required
@require_POST
def group_unit_add(request, pk):
    try:
        activation.group_unit_add(
            incident_id=pk,
            actor=request.user,
            group_code=request.POST.get("group", ""),
            unit_id=int(request.POST.get("unit") or 0),
        )
    except (CommandError, PermissionDenied, ValueError) as e:
        _refusal(request, e if not isinstance(e, ValueError) else CommandError(_("请选择单位。")))
    else:
        messages.success(request, _("已增加成员单位。"))
    return _back(pk, "groups")


@login_required
@require_POST
def company_add(request, pk):
    """应急保障组: the office adds one offered water or heating company (附件3; DOMAIN §6 reading)."""
    from .companies import company_add as add

    try:
        unit = add(incident_id=pk, actor=request.user, unit_id=request.POST.get("unit", ""))
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    else:
        messages.success(request, _("%(unit)s已加入应急保障组。") % {"unit": unit.display_name})
    return _back(pk, "groups")


@login_required
@require_POST
def onsite_member_add(request, pk):
    try:
        services.onsite_member_add(
            incident_id=pk, actor=request.user, person_id=int(request.POST.get("person") or 0)
        )
    except (CommandError, PermissionDenied, ValueError) as e:
        _refusal(request, e if not isinstance(e, ValueError) else CommandError(_("请选择人员。")))
    else:
        messages.success(request, _("已增加现场指挥部成员，并通知其赶赴现场。"))
    return _back(pk, "onsite")


@login_required
@require_POST
def checklist_mark(request, pk):
    item = get_object_or_404(ChecklistItem, pk=pk)
    try:
        services.checklist_mark(
            item_id=item.pk,
            actor=request.user,
            done=request.POST.get("done") == "1",
            note=request.POST.get("note", ""),
        )
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    if request.htmx:
        incident = _get_incident(item.incident_id)
        return render(request, "command/incident.html#checklist", _command_context(request, incident))
    return _back(item.incident_id, "checklist")


@login_required
@require_POST
def instruction_add(request, pk):
    try:
        services.instruction_add(
            incident_id=pk,
            actor=request.user,
            source=request.POST.get("source", ""),
            given_by=request.POST.get("given_by", ""),
            given_at=_parse_local(request.POST.get("given_at")),
            text=request.POST.get("text", ""),
        )
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    else:
        messages.success(request, _("已登记批示。"))
    return _back(pk, "instructions")


@login_required
@require_POST
def instruction_update(request, pk):
    item = get_object_or_404(Instruction, pk=pk)
    try:
        services.instruction_update(
            instruction_id=item.pk,
            actor=request.user,
            action_taken=request.POST.get("action_taken", ""),
            action_by=request.POST.get("action_by", ""),
            reported_back=request.POST.get("reported_back") == "1",
        )
    except (CommandError, PermissionDenied) as e:
        _refusal(request, e)
    else:
        messages.success(request, _("已记录落实情况。"))
    return _back(item.incident_id, "instructions")


@login_required
def notifications(request):
    if request.method == "POST":
        notification_id = _hidden_int(request, "id", lambda: True)  # one's own notifications: always
        services.notification_mark_read(user=request.user, notification_id=notification_id)
        return redirect("command:notifications")
    return render(
        request,
        "command/notifications.html",
        {
            "items": selectors.notifications_for(request.user),
            "may_see_reminders": bool(can(request.user, "command.record")),
        },
    )
