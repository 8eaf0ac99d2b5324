"""The incident command page's actions: call to the scene (and the confirmation, also from the link in
the call on a phone without logging in), groups and their units, the on-site HQ's members, the
checklist, the leaders' instructions. Thin views: read the permission, call a service, then redirect
with a message (or render the changed panel for htmx)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.htmx import render_page, wants_partial

from ..common import CommandError
from ..web import back_to_incident, parse_local, refusal
from . import activation, calldowns, companies, services
from .models import CallDown, ChecklistItem, Instruction
from .views import board_context, command_context, get_incident


@login_required
@require_POST
def calldown_add(request, pk):
    try:
        calldowns.calldown_add(
            incident_id=pk,
            actor=request.user,
            person_ids=[int(x) for x in request.POST.getlist("people") if x.isdigit()],
            expert_ids=[int(x) for x in request.POST.getlist("experts") if x.isdigit()],
            role=request.POST.get("role", CallDown.Role.TEAM),
        )
    except (CommandError, PermissionDenied) as e:
        refusal(request, e)
    else:
        messages.success(request, _("已发出到岗通知。"))
    return back_to_incident(pk, "calldown")


@login_required
@require_POST
def calldown_record(request, pk):
    """The office records a confirmation for someone (by phone), or a person confirms their own."""
    cd = get_object_or_404(CallDown, pk=pk)
    what = request.POST.get("what")
    own = getattr(request.user, "person", None) is not None and request.user.person.pk == cd.person_id
    try:
        calldowns.calldown_confirm(
            calldown_id=cd.pk,
            what=what,
            user=request.user if own else None,
            recorded_by=None if own else request.user,
        )
    except (CommandError, PermissionDenied) as e:
        refusal(request, e)
    if wants_partial(request):
        incident = get_incident(cd.incident_id)
        return render_page(
            request, "command/response/incident.html", board_context(request, incident), partial="board"
        )
    if request.POST.get("next") == "inbox":
        return redirect("command:inbox")
    return back_to_incident(cd.incident_id, "calldown")


def calldown(request, token):
    """The link in a call-down: works on a phone without logging in (the token is the key: 43 random
    characters, one per person and incident); it can only confirm this one call."""
    cd = CallDown.objects.select_related("incident", "incident__county").filter(token=token).first()
    if cd is None:
        raise Http404(_("没有这条到岗通知（链接可能已失效）。"))
    if request.method == "POST":
        try:
            calldowns.calldown_confirm(
                token=token,
                what=request.POST.get("what"),
                user=request.user if request.user.is_authenticated else None,
            )
        except (CommandError, PermissionDenied) as e:
            refusal(request, e)
        return redirect("command:calldown", token=token)
    return render(request, "command/response/calldown.html", {"cd": cd, "incident": cd.incident})


@login_required
@require_POST
def groups_activate(request, pk):
    try:
        groups = activation.groups_activate(
            incident_id=pk, actor=request.user, group_codes=request.POST.getlist("groups")
        )
    except (CommandError, PermissionDenied) as e:
        refusal(request, e)
    else:
        messages.success(request, _("已启用：%(names)s。") % {"names": "、".join(g.name for g in groups)})
    return back_to_incident(pk, "groups")


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
        refusal(request, e if not isinstance(e, ValueError) else CommandError(_("请选择单位。")))
    else:
        messages.success(request, _("已增加成员单位。"))
    return back_to_incident(pk, "groups")


@login_required
@require_POST
def company_add(request, pk):
    """应急保障组: the office adds one offered water or heating company (附件3; DOMAIN §6 reading)."""
    try:
        unit = companies.company_add(incident_id=pk, actor=request.user, unit_id=request.POST.get("unit", ""))
    except (CommandError, PermissionDenied) as e:
        refusal(request, e)
    else:
        messages.success(request, _("%(unit)s已加入应急保障组。") % {"unit": unit.display_name})
    return back_to_incident(pk, "groups")


@login_required
@require_POST
def onsite_member_add(request, pk):
    try:
        services.onsite_member_add(
            incident_id=pk, actor=request.user, person_id=int(request.POST.get("person") or 0)
        )
    except (CommandError, PermissionDenied, ValueError) as e:
        refusal(request, e if not isinstance(e, ValueError) else CommandError(_("请选择人员。")))
    else:
        messages.success(request, _("已增加现场指挥部成员，并通知其赶赴现场。"))
    return back_to_incident(pk, "onsite")


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
        refusal(request, e)
    if wants_partial(request):
        incident = get_incident(item.incident_id)
        context = command_context(request, incident)
        return render_page(request, "command/response/incident.html", context, partial="checklist")
    return back_to_incident(item.incident_id, "checklist")


@login_required
@require_POST
def instruction_add(request, pk):
    try:
        services.instruction_add(
            incident_id=pk,
            actor=request.user,
            source=request.POST.get("source", ""),
            given_by=request.POST.get("given_by", ""),
            given_at=parse_local(request.POST.get("given_at")),
            text=request.POST.get("text", ""),
        )
    except (CommandError, PermissionDenied) as e:
        refusal(request, e)
    else:
        messages.success(request, _("已登记批示。"))
    return back_to_incident(pk, "instructions")


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
        refusal(request, e)
    else:
        messages.success(request, _("已记录落实情况。"))
    return back_to_incident(item.incident_id, "instructions")
