"""The office's editing of the org chart (附件2: 市指挥部办公室承担市指挥部日常工作).

Thin views: parse, require the permission (``orgchart.edit``; ``roster.edit`` for the duty roster),
call a service (``orgchart.services``: every write is audited in OrgChange), then redirect with a
Chinese message or re-render with the errors. An invalid POST answers 422 (htmx swaps it: see
``templates/orgchart/edit/_htmx_config.html``); htmx requests get the page's partial.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.htmx import render_page, wants_partial

from . import services
from .forms import (
    AbsenceForm,
    AppointmentForm,
    ChangeFilterForm,
    CompanyForm,
    GroupMemberForm,
    PersonForm,
    UnitForm,
)
from .models import (
    Absence,
    Appointment,
    GroupMembership,
    OrgChange,
    Person,
    Unit,
    WorkingGroup,
)
from .permissions import require

INVALID = 422
CHANGES_PER_PAGE = 50
DIFF_SHOWN = 8  # a month's roster changes up to 124 cells: the rest fold away


def require_edit(request):
    """``orgchart.edit`` (附件2: the office maintains the org chart), or 403 with the plan's reason."""
    return require(request.user, "orgchart.edit")


# ------------------------------------------------------------------------------------------------
# Units and companies
# ------------------------------------------------------------------------------------------------


@login_required
def unit_edit(request, code):
    require_edit(request)
    unit = get_object_or_404(Unit.objects.select_related("parent"), code=code)
    plan_name, plan_current_name = unit.name, unit.current_name
    form = UnitForm(request.POST if request.method == "POST" else None, instance=unit)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.unit_update(actor=request.user, unit=unit, data=form.cleaned_data)
            except ValidationError as e:
                form.add_service_error(e)
            else:
                if form.has_changed():
                    messages.success(request, _("已保存“%(u)s”的修改，已记入变更记录。") % {"u": plan_name})
                else:
                    messages.info(request, _("没有修改。"))
                return redirect("orgchart:unit", unit.code)
    return render(
        request,
        "orgchart/edit/unit_form.html",
        {"unit": unit, "form": form, "plan_name": plan_name, "saved_current_name": plan_current_name},
        status=INVALID if form.errors else 200,
    )


@login_required
def company_add(request, code):
    require_edit(request)
    category = get_object_or_404(Unit, code=code)
    if not category.is_category or category.code not in services.CATEGORY_COMPANY_TYPES:
        raise Http404(_("只能在“各供热企业”或“各供水企业”下添加企业。"))
    form = CompanyForm(request.POST if request.method == "POST" else None, category=category)
    if request.method == "POST":
        if form.is_valid():
            try:
                company = services.company_create(
                    actor=request.user, category=category, data=form.cleaned_data
                )
            except ValidationError as e:
                form.add_service_error(e)
            else:
                messages.success(
                    request, _("已在“%(c)s”下新增企业“%(n)s”。") % {"c": category.name, "n": company.name}
                )
                return redirect("orgchart:unit", company.code)
    return render(
        request,
        "orgchart/edit/company_form.html",
        {"category": category, "form": form},
        status=INVALID if form.errors else 200,
    )


# ------------------------------------------------------------------------------------------------
# People, their appointments and absences
# ------------------------------------------------------------------------------------------------


@login_required
def person_add(request):
    require_edit(request)
    form = PersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                person = services.person_create(actor=request.user, data=form.service_data())
            except ValidationError as e:
                form.add_service_error(e)
            else:
                messages.success(request, _("已新增人员“%(n)s”。可在下方为其添加任职。") % {"n": person.name})
                return redirect("orgchart:person_edit", person.pk)
    return render(
        request,
        "orgchart/edit/person_form.html",
        {"form": form, "person": None},
        status=INVALID if form.errors else 200,
    )


def _person_context(person, **extra):
    return {
        "person": person,
        "appointments": list(
            Appointment.objects.filter(person=person)
            .select_related("position", "unit", "group")
            .order_by("position__order", "role")
        ),
        "absences": list(
            Absence.objects.filter(person=person, ends_at__gt=timezone.now()).order_by("starts_at")
        ),
        "appointment_form": AppointmentForm(),
        "absence_form": AbsenceForm(),
        **extra,
    }


def _get_person(pk):
    return get_object_or_404(Person.objects.select_related("unit", "user"), pk=pk)


@login_required
def person_edit(request, pk):
    require_edit(request)
    person = _get_person(pk)
    form = PersonForm(request.POST if request.method == "POST" else None, instance=person)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.person_update(actor=request.user, person=person, data=form.service_data())
            except ValidationError as e:
                form.add_service_error(e)
            else:
                if form.has_changed():
                    messages.success(
                        request, _("已保存“%(n)s”的修改，已记入变更记录。") % {"n": form.cleaned_data["name"]}
                    )
                else:
                    messages.info(request, _("没有修改。"))
                return redirect("orgchart:person", person.pk)
        person = _get_person(pk)  # the form changed the instance; show the saved values beside it
    return render(
        request,
        "orgchart/edit/person_form.html",
        _person_context(person, form=form),
        status=INVALID if form.errors else 200,
    )


def _person_section(request, person, partial, *, ok, notice="", **extra):
    """After an appointment/absence action: htmx gets the section, a plain form post the page."""
    if wants_partial(request):
        ctx = _person_context(person, notice=notice if ok else "", **extra)
        return render_page(
            request, "orgchart/edit/person_form.html", ctx, partial=partial, status=200 if ok else INVALID
        )
    if ok:
        messages.success(request, notice)
        return redirect(reverse("orgchart:person_edit", args=[person.pk]) + f"#{partial}")
    return render(
        request,
        "orgchart/edit/person_form.html",
        _person_context(person, form=PersonForm(instance=person), **extra),
        status=INVALID,
    )


@login_required
@require_POST
def appointment_add(request, pk):
    require_edit(request)
    person = _get_person(pk)
    form = AppointmentForm(request.POST)
    if form.is_valid():
        try:
            a = services.appointment_add(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as e:
            form.add_service_error(e)
        else:
            return _person_section(
                request,
                person,
                "appointments",
                ok=True,
                notice=_("已添加任职：%(a)s。") % {"a": services.appointment_text(a)},
            )
    return _person_section(request, person, "appointments", ok=False, appointment_form=form)


@login_required
@require_POST
def appointment_remove(request, pk, appointment_id):
    require_edit(request)
    person = _get_person(pk)
    appointment = get_object_or_404(
        Appointment.objects.select_related("position", "unit", "group"), pk=appointment_id, person=person
    )
    text = services.appointment_text(appointment)
    try:
        services.appointment_remove(actor=request.user, appointment=appointment)
    except ValidationError as e:
        return _person_section(
            request, person, "appointments", ok=False, appointment_error=" ".join(e.messages)
        )
    return _person_section(
        request, person, "appointments", ok=True, notice=_("已撤销任职：%(a)s。") % {"a": text}
    )


@login_required
@require_POST
def absence_add(request, pk):
    require_edit(request)
    person = _get_person(pk)
    form = AbsenceForm(request.POST)
    if form.is_valid():
        try:
            services.absence_add(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as e:
            form.add_service_error(e)
        else:
            return _person_section(request, person, "absences", ok=True, notice=_("已登记不在岗时间。"))
    return _person_section(request, person, "absences", ok=False, absence_form=form)


@login_required
@require_POST
def absence_remove(request, pk, absence_id):
    require_edit(request)
    person = _get_person(pk)
    absence = get_object_or_404(Absence, pk=absence_id, person=person)
    try:
        services.absence_remove(actor=request.user, absence=absence)
    except ValidationError as e:
        return _person_section(request, person, "absences", ok=False, absence_error=" ".join(e.messages))
    return _person_section(request, person, "absences", ok=True, notice=_("已删除不在岗记录。"))


# ------------------------------------------------------------------------------------------------
# Working-group standing members (附件3)
# ------------------------------------------------------------------------------------------------


@login_required
def group_members(request, code):
    require_edit(request)
    group = get_object_or_404(WorkingGroup, code=code)
    outcome = _GroupOutcome()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            outcome = _group_member_remove(request, group)
        elif action == "add":
            outcome = _group_member_add(request, group)
        else:
            raise Http404(_("未知的操作。"))
        if outcome.ok and not wants_partial(request):
            messages.success(request, outcome.notice)
            return redirect("orgchart:group_members", group.code)
    context = {
        "group": group,
        "memberships": list(
            GroupMembership.objects.filter(group=group)
            .select_related("unit")
            .order_by("-from_plan", "order", "unit__order")
        ),
        "form": outcome.form or GroupMemberForm(group=group),
        "error": outcome.error,
        "notice": outcome.notice,
    }
    return render_page(
        request,
        "orgchart/edit/group_members.html",
        context,
        partial="members",
        status=200 if outcome.ok else INVALID,
    )


@dataclass
class _GroupOutcome:
    """What a working-group member action leaves for the page: the form to show again, a message."""

    form: GroupMemberForm | None = None
    error: str = ""
    notice: str = ""
    ok: bool = True


def _group_member_remove(request, group):
    membership = get_object_or_404(
        GroupMembership.objects.select_related("unit"),
        pk=request.POST.get("membership") or 0,
        group=group,
    )
    try:
        services.group_member_remove(actor=request.user, membership=membership)
    except ValidationError as e:
        return _GroupOutcome(error=" ".join(e.messages), ok=False)
    return _GroupOutcome(notice=_("已从%(g)s删除成员单位“%(u)s”。") % {"g": group.name, "u": membership.unit})


def _group_member_add(request, group):
    form = GroupMemberForm(request.POST, group=group)
    if not form.is_valid():
        return _GroupOutcome(form=form, ok=False)
    try:
        services.group_member_add(actor=request.user, group=group, unit=form.cleaned_data["unit"])
    except ValidationError as e:
        form.add_service_error(e)
        return _GroupOutcome(form=form, ok=False)
    return _GroupOutcome(
        notice=_("已为%(g)s增加成员单位“%(u)s”。") % {"g": group.name, "u": form.cleaned_data["unit"]}
    )


# ------------------------------------------------------------------------------------------------
# The change log (append-only)
# ------------------------------------------------------------------------------------------------


def _value(v):
    if v is None or v == "":
        return "—"
    if isinstance(v, bool):
        return _("是") if v else _("否")
    if isinstance(v, list):
        return "、".join(str(x) for x in v) or "—"
    return str(v)


def _field_label(model, name):
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # a roster key ("2026-01-05 白班·值班员") or "username"
            pass
    return {
        "username": _("用户名"),
        "person": _("人员"),
        "position": _("岗位"),
        "group": _("工作组"),
        "unit": _("单位"),
        "code": _("代码"),
        "parent": _("所属类别"),
    }.get(name, name)


ACTIONS = {"create": gettext_lazy("新建"), "update": gettext_lazy("修改"), "delete": gettext_lazy("删除")}


@login_required
def changes(request):
    require_edit(request)
    filters = ChangeFilterForm(request.GET)
    model = filters.cleaned_data.get("model") if filters.is_valid() else ""
    qs = OrgChange.objects.select_related("actor").order_by("-at", "-id")
    if model:
        qs = qs.filter(model=model)
    page = Paginator(qs, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    entries = [_change_entry(c) for c in page.object_list]
    query = f"model={model}&" if model else ""
    return render_page(
        request,
        "orgchart/edit/changes.html",
        {"page": page, "entries": entries, "filters": filters, "model": model, "query": query},
        partial="log",
    )


def _change_entry(c):
    """One change of the log as the page shows it: the diff with field names, the first few unfolded."""
    try:
        m = apps.get_model(c.model)
    except (LookupError, ValueError):
        m = None
    diff = [
        (
            _field_label(m, k),
            _value(v[0] if isinstance(v, list) and len(v) == 2 else None),
            _value(v[1] if isinstance(v, list) and len(v) == 2 else v),
        )
        for k, v in (c.changes or {}).items()
    ]
    return {
        "change": c,
        "diff": diff[:DIFF_SHOWN],
        "more": diff[DIFF_SHOWN:],
        "model_name": m._meta.verbose_name if m else c.model,
        "action": ACTIONS.get(c.action, c.action),
        "actor": (c.actor.get_full_name() or c.actor.username) if c.actor else _("系统"),
        "link": reverse("orgchart:person", args=[c.object_id])
        if c.model == "orgchart.Person" and c.action != "delete" and c.object_id.isdigit()
        else "",
    }
