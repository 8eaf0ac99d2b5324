"""The incident's command page (issue 5): its level and the request chain, the on-site HQ, the groups,
the checklist, the call-down board and the leaders' instructions; the forms with long lists load when
opened. Thin views: read the permission, call a service or a selector, then render the page or the
partial htmx asked for."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from config.htmx import asked_part, render_page
from config.pagecache import cached_page
from incidents.choices import State
from incidents.models import Incident
from incidents.panels import recommendation_context
from orgchart.models import Expert, Person, Unit, UnitKind, WorkingGroup
from orgchart.permissions import can

from ..approvals.presenters import level_options, request_card
from ..assignments.models import ActivatedGroup
from ..web import sig
from . import selectors
from .companies import READING, company_offers
from .models import Instruction


def command_context(request, incident):
    user = request.user
    data = selectors.command_page(incident, user)
    options, end = level_options(incident, user)
    may_record = bool(can(user, "command.record", incident))
    calldowns = data["calldowns"]
    context = {
        "incident": incident,
        **data,
        **recommendation_context(incident, timezone.now()),
        "cards": [request_card(r, user) for r in data["requests"]],
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
        context["inactive_groups"] = [g for g in WorkingGroup.objects.order_by("order") if g.pk not in active]
        context["instruction_sources"] = Instruction.Source.choices
    if incident.state == State.RESPONDING and may_record:
        context["company_offers"] = company_offers(incident)
        context["company_reading"] = READING
    return context


def board_context(request, incident):
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
        "sig": sig((c.pk, c.received_at, c.arrived_at) for c in calldowns),
    }


def get_incident(pk):
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
    return render_page(request, "command/response/incident.html", context, partial=f"{name}_form")


@login_required
@cached_page()
def incident_command(request, pk):
    incident = get_incident(pk)
    part = asked_part(request)
    if part == "board":  # polled every 20 s: only what the board needs
        context = board_context(request, incident)
        return render_page(
            request,
            "command/response/incident.html",
            context,
            partial=part,
            signature=context["board"]["sig"],
        )
    if part and part.removesuffix("_form") in LAZY_FORMS:
        return _lazy_form(request, incident, part.removesuffix("_form"))
    context = command_context(request, incident)
    form = request.GET.get("form")
    if form in LAZY_FORMS:  # without JavaScript: the page with this form open
        choices = _form_choices(form, incident)
        choices.pop("groups", None)  # the page has them already
        context.update(choices, open_form=form)
    sections = ("checklist", "level", "instructions")
    return render_page(
        request, "command/response/incident.html", context, partial=part if part in sections else None
    )
