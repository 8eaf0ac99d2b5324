"""The office's editing of the org chart (附件2: 市指挥部办公室承担市指挥部日常工作).

Thin views: parse, require the permission (``orgchart.edit``; ``roster.edit`` for the duty roster),
call a service (``orgchart.services``: every write is audited in OrgChange), then redirect with a
Chinese message or re-render with the errors. An invalid POST answers 422 (htmx swaps it: see
``templates/orgchart/edit/_htmx_config.html``); htmx requests get the page's partial.
"""

from datetime import date

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import services
from .forms import (
    AbsenceForm,
    AppointmentForm,
    ChangeFilterForm,
    CompanyForm,
    ExpertForm,
    GroupMemberForm,
    PersonForm,
    RosterMonthForm,
    ServiceAreaForm,
    UnitForm,
)
from .models import (
    Absence,
    Appointment,
    DutyShift,
    Expert,
    GroupMembership,
    OrgChange,
    Person,
    ServiceArea,
    Unit,
    WorkingGroup,
)
from .permissions import can, require

INVALID = 422
CHANGES_PER_PAGE = 50
DIFF_SHOWN = 8  # a month's roster changes up to 124 cells: the rest fold away


def _edit(request):
    return require(request.user, "orgchart.edit")


def _page(request, template, partial, context, status=200):
    """The whole page, or only its ``partial`` for an htmx request."""
    return render(request, f"{template}#{partial}" if request.htmx else template, context, status=status)


# ------------------------------------------------------------------------------------------------
# Units and companies
# ------------------------------------------------------------------------------------------------


@login_required
def unit_edit(request, code):
    _edit(request)
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
    _edit(request)
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
    _edit(request)
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
    _edit(request)
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
    if request.htmx:
        ctx = _person_context(person, notice=notice if ok else "", **extra)
        return render(
            request, f"orgchart/edit/person_form.html#{partial}", ctx, status=200 if ok else INVALID
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
    _edit(request)
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
    _edit(request)
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
    _edit(request)
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
    _edit(request)
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
    _edit(request)
    group = get_object_or_404(WorkingGroup, code=code)
    form, error, notice, ok = None, "", "", True
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            membership = get_object_or_404(
                GroupMembership.objects.select_related("unit"),
                pk=request.POST.get("membership") or 0,
                group=group,
            )
            try:
                services.group_member_remove(actor=request.user, membership=membership)
            except ValidationError as e:
                error, ok = " ".join(e.messages), False
            else:
                notice = _("已从%(g)s删除成员单位“%(u)s”。") % {"g": group.name, "u": membership.unit}
        elif action == "add":
            form = GroupMemberForm(request.POST, group=group)
            if form.is_valid():
                try:
                    services.group_member_add(actor=request.user, group=group, unit=form.cleaned_data["unit"])
                except ValidationError as e:
                    form.add_service_error(e)
                    ok = False
                else:
                    notice, form = (
                        _("已为%(g)s增加成员单位“%(u)s”。")
                        % {"g": group.name, "u": form.cleaned_data["unit"]},
                        None,
                    )
            else:
                ok = False
        else:
            raise Http404(_("未知的操作。"))
        if ok and not request.htmx:
            messages.success(request, notice)
            return redirect("orgchart:group_members", group.code)
    context = {
        "group": group,
        "memberships": list(
            GroupMembership.objects.filter(group=group)
            .select_related("unit")
            .order_by("-from_plan", "order", "unit__order")
        ),
        "form": form or GroupMemberForm(group=group),
        "error": error,
        "notice": notice,
    }
    return _page(
        request, "orgchart/edit/group_members.html", "members", context, status=200 if ok else INVALID
    )


# ------------------------------------------------------------------------------------------------
# Duty roster (值班表, DOMAIN.md §4)
# ------------------------------------------------------------------------------------------------


def _roster_form(request, year, month, *, data=None, pattern=None):
    days = services.month_days(year, month)
    shifts = {(s.date, s.kind): s for s in DutyShift.objects.filter(date__gte=days[0], date__lte=days[-1])}
    eligible = services.roster_eligible_ids()
    used = {pk for s in shifts.values() for pk in (s.duty_officer_id, s.duty_leader_id) if pk}
    people = list(
        Person.objects.filter(
            Q(pk__in=eligible["duty_officer"] | eligible["duty_leader"]) | Q(pk__in=used)
        ).order_by("name")
    )
    if pattern:
        pattern = {
            key: tuple(
                pk if pk in eligible[role] else None
                for pk, role in zip(pair, RosterMonthForm.ROLES, strict=True)
            )
            for key, pair in pattern.items()
        }
    return RosterMonthForm(
        data, year=year, month=month, shifts=shifts, people=people, eligible=eligible, pattern=pattern
    )


@login_required
def roster_edit(request, year, month):
    require(request.user, "roster.edit")
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404(_("没有这个月份。"))
    first = date(year, month, 1)
    if request.method == "POST":
        form = _roster_form(request, year, month, data=request.POST)
        if form.is_valid():
            try:
                created, updated = services.roster_month_save(
                    actor=request.user, year=year, month=month, rows=form.service_rows()
                )
            except ValidationError as e:
                form.add_service_error(e)
            else:
                if created or updated:
                    messages.success(
                        request,
                        _("已保存%(y)s年%(m)s月值班表：新建%(c)s个班次，修改%(u)s个班次。")
                        % {"y": year, "m": month, "c": created, "u": updated},
                    )
                else:
                    messages.info(request, _("值班表没有修改。"))
                return redirect(reverse("orgchart:duty") + f"?month={year:04d}-{month:02d}")
        copied = False
    else:
        copied = request.GET.get("copy") == "prev"
        pattern = services.roster_copy_pattern(year=year, month=month) if copied else None
        form = _roster_form(request, year, month, pattern=pattern)
    prev_month = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
    next_month = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return render(
        request,
        "orgchart/edit/roster.html",
        {
            "form": form,
            "first": first,
            "rows": form.rows(),
            "copied": copied,
            "today": timezone.localdate(),
            "prev_month": prev_month,
            "next_month": next_month,
            "shift_times": _shift_times(),
        },
        status=INVALID if form.errors else 200,
    )


def _shift_times():
    out = []
    for kind, label in DutyShift.Kind.choices:
        start, length = DutyShift.SHIFT_TIMES[kind]
        end_hour = (start.hour + int(length.total_seconds() // 3600)) % 24
        out.append(
            {
                "label": label,
                "start": f"{start:%H:%M}",
                "end": f"{end_hour:02d}:{start:%M}",
                "next_day": start.hour + length.total_seconds() / 3600 >= 24,
            }
        )
    return out


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
    _edit(request)
    filters = ChangeFilterForm(request.GET)
    model = filters.cleaned_data.get("model") if filters.is_valid() else ""
    qs = OrgChange.objects.select_related("actor").order_by("-at", "-id")
    if model:
        qs = qs.filter(model=model)
    page = Paginator(qs, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    entries = []
    for c in page.object_list:
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
        entries.append(
            {
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
        )
    query = f"model={model}&" if model else ""
    return _page(
        request,
        "orgchart/edit/changes.html",
        "log",
        {"page": page, "entries": entries, "filters": filters, "model": model, "query": query},
    )


# ------------------------------------------------------------------------------------------------
# Service areas and the expert directory
# ------------------------------------------------------------------------------------------------


def _simple_edit(request, *, form_class, obj, save, title, back, intro=""):
    """Add or edit one row with a ModelForm and an audited service; the same page for both."""
    _edit(request)
    form = form_class(request.POST if request.method == "POST" else None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(actor=request.user, obj=obj, data=form.cleaned_data)
        except ValidationError as e:
            form.add_service_error(e)
        else:
            messages.success(request, _("已保存“%(n)s”，已记入变更记录。") % {"n": saved})
            return redirect(back)
    return render(
        request,
        "orgchart/edit/simple_form.html",
        {"form": form, "title": title, "back": back, "intro": intro, "obj": obj},
        status=INVALID if form.errors else 200,
    )


@login_required
def service_areas(request):
    areas = ServiceArea.objects.prefetch_related("counties").order_by("-is_default", "name")
    return render(
        request,
        "orgchart/edit/service_areas.html",
        {"areas": areas, "can_edit": bool(can(request.user, "orgchart.edit"))},
    )


@login_required
def service_area_edit(request, pk=None):
    area = get_object_or_404(ServiceArea, pk=pk) if pk else None
    return _simple_edit(
        request,
        form_class=ServiceAreaForm,
        obj=area,
        save=lambda actor, obj, data: services.service_area_save(actor=actor, area=obj, data=data),
        title=_("编辑供热服务区域") if area else _("新增供热服务区域"),
        back=reverse("orgchart:service_areas"),
        intro=_("停热比例 = 停热面积 ÷ 事件所在服务区域的供热面积（§1.4、附件4(1)，解读）。"),
    )


@login_required
def experts(request):
    rows = Expert.objects.order_by("-active", "field", "name")
    return render(
        request,
        "orgchart/edit/experts.html",
        {"experts": rows, "can_edit": bool(can(request.user, "orgchart.edit"))},
    )


@login_required
def expert_edit(request, pk=None):
    expert = get_object_or_404(Expert, pk=pk) if pk else None
    return _simple_edit(
        request,
        form_class=ExpertForm,
        obj=expert,
        save=lambda actor, obj, data: services.expert_save(actor=actor, expert=obj, data=data),
        title=_("编辑专家") if expert else _("新增专家"),
        back=reverse("orgchart:experts"),
        intro=_("技术专家组：研判灾情，研究论证救援技术措施，为救援决策提出意见和建议（附件3）。"),
    )
