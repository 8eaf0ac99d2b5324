"""The level-change request pages (issue 5): "待我审批", a request's page, and its actions — submit, act
(forward, decide, send back), a decision taken by phone, withdraw, and the approver's confirmation of a
phone record. Thin views: read the permission, call a service, then redirect with a message."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents.models import Incident
from orgchart.permissions import can

from ..common import CommandError
from ..web import back_to_incident, hidden_int, parse_local, refusal
from . import selectors, services
from .chain import STEP_LABELS
from .models import LevelRequest
from .presenters import request_card


def _may_act(request, r):
    return lambda: (
        bool(r.current_step) and bool(can(request.user, r.route.action(r.current_step), r.incident))
    )


@login_required
def request_detail(request, pk):
    r = get_object_or_404(selectors.requests_qs(), pk=pk)
    return render(
        request,
        "command/approvals/request.html",
        {"card": request_card(r, request.user), "incident": r.incident},
    )


def _after_request(request, r, fallback_pk):
    nxt = request.POST.get("next", "")
    if nxt == "inbox":
        return redirect("command:inbox")
    return back_to_incident(fallback_pk, "level")


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
        refusal(request, e)
        return back_to_incident(pk, "level")
    if r.status == LevelRequest.Status.APPROVED:
        messages.success(request, _("已决定：%(title)s。") % {"title": r.title})
    else:
        messages.success(
            request,
            _("已提交：%(title)s，待%(step)s。") % {"title": r.title, "step": STEP_LABELS[r.current_step]},
        )
    return back_to_incident(pk, "level")


@login_required
@require_POST
def request_act(request, pk):
    r = get_object_or_404(LevelRequest, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        raise Http404
    stage = hidden_int(request, "stage", _may_act(request, r))
    try:
        services.level_request_act(
            request_id=r.pk,
            actor=request.user,
            expected_stage=stage,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
        )
    except (CommandError, PermissionDenied) as e:
        refusal(request, e)
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
    stage, approver_id = hidden_int(request, "stage", may), hidden_int(request, "approver", may)
    try:
        approver = get_user_model().objects.filter(pk=approver_id or 0).first()
        at = parse_local(request.POST.get("at")) or timezone.now()
        services.level_request_act(
            request_id=r.pk,
            actor=request.user,
            expected_stage=stage,
            approve=request.POST.get("decision", "approve") == "approve",
            note=request.POST.get("note", ""),
            by_phone={"approver": approver, "at": at},
        )
    except (CommandError, PermissionDenied) as e:
        refusal(request, e)
        return back_to_incident(r.incident_id, "level")
    r.refresh_from_db()
    messages.success(
        request,
        _("已记录电话请示的决定：%(title)s（%(status)s）。")
        % {"title": r.title, "status": r.get_status_display()},
    )
    return back_to_incident(r.incident_id, "level")


@login_required
@require_POST
def request_withdraw(request, pk):
    r = get_object_or_404(LevelRequest, pk=pk)
    may = lambda: r.created_by_id == request.user.pk or bool(can(request.user, "level.draft"))  # noqa: E731
    stage = hidden_int(request, "stage", may)
    try:
        services.level_request_withdraw(
            request_id=r.pk,
            actor=request.user,
            expected_stage=stage,
            note=request.POST.get("note", ""),
        )
    except (CommandError, PermissionDenied) as e:
        refusal(request, e)
    else:
        messages.success(request, _("已撤回：%(title)s。") % {"title": r.title})
    return back_to_incident(r.incident_id, "level")


@login_required
@require_POST
def phone_confirm(request, pk):
    try:
        step = services.phone_decision_confirm(step_id=pk, actor=request.user)
    except (CommandError, PermissionDenied) as e:
        refusal(request, e)
    else:
        messages.success(request, _("已确认电话请示的决定：%(title)s。") % {"title": step.request.title})
    return redirect("command:inbox")
