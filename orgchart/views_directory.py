"""The office's editing of the heating service areas and the expert directory (附件3)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import services
from .forms import ExpertForm, ServiceAreaForm
from .models import Expert, ServiceArea
from .permissions import can
from .views_edit import INVALID, require_edit

# ------------------------------------------------------------------------------------------------
# Service areas and the expert directory
# ------------------------------------------------------------------------------------------------


def _simple_edit(request, *, form_class, obj, save, title, back, intro=""):
    """Add or edit one row with a ModelForm and an audited service; the same page for both."""
    require_edit(request)
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
