"""Reference data for the callers' forms: counties, service areas, units, groups, categories. Any valid
token reads them (no scope); a fixed number of queries each."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from incidents.choices import Category, Facility, IncidentType
from incidents.models import Source
from orgchart.models import County, ServiceArea, Unit, UnitKind, WorkingGroup

from . import serializers as s
from .views import ERRORS, ApiView


class Counties(ApiView):
    @extend_schema(
        operation_id="reference_counties",
        summary=gettext_lazy("县（市、区）"),
        responses={200: s.CountyRefOut(many=True), **ERRORS},
    )
    def get(self, request):
        rows = County.objects.order_by("order")
        return Response(
            [{"id": c.pk, "code": c.code, "name": c.name, "government": c.government_id} for c in rows]
        )


class ServiceAreas(ApiView):
    @extend_schema(
        operation_id="reference_service_areas",
        summary=gettext_lazy("供热服务区域"),
        responses={200: s.ServiceAreaRefOut(many=True), **ERRORS},
    )
    def get(self, request):
        rows = (
            ServiceArea.objects.filter(active=True)
            .prefetch_related("counties")
            .order_by("-is_default", "name")
        )
        return Response(
            [
                {
                    "id": a.pk,
                    "code": a.code,
                    "name": a.name,
                    "counties": [c.pk for c in a.counties.all()],
                    "heated_area_m2": float(a.heated_area_m2) if a.heated_area_m2 is not None else None,
                    "is_default": a.is_default,
                }
                for a in rows
            ]
        )


class Units(ApiView):
    @extend_schema(
        operation_id="reference_units",
        summary=gettext_lazy("成员单位、企业、县级政府"),
        responses={200: s.UnitRefOut(many=True), **ERRORS},
    )
    def get(self, request):
        rows = (
            Unit.objects.filter(active=True)
            .exclude(kind=UnitKind.ENTERPRISE_CATEGORY)
            .order_by("order", "code")
        )
        return Response(
            [
                {
                    "id": u.pk,
                    "code": u.code,
                    "name": u.display_name,
                    "kind": u.kind,
                    "company_type": u.company_type,
                }
                for u in rows
            ]
        )


class Groups(ApiView):
    @extend_schema(
        operation_id="reference_groups",
        summary=gettext_lazy("现场工作组（附件3）"),
        responses={200: s.GroupRefOut(many=True), **ERRORS},
    )
    def get(self, request):
        rows = WorkingGroup.objects.order_by("order")
        return Response([{"id": g.pk, "code": g.code, "name": g.name, "clause": g.clause} for g in rows])


CHOICES = {"categories": Category, "facilities": Facility, "incident_types": IncidentType, "sources": Source}


class Choices(ApiView):
    @extend_schema(
        operation_id="reference_choices",
        summary=gettext_lazy("事件类别（§1.5）、受影响设施、具体情形、信息来源"),
        responses={
            200: {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                        "required": ["code", "name"],
                    },
                },
            },
            **ERRORS,
        },
    )
    def get(self, request):
        return Response(
            {
                key: [{"code": v, "name": str(label)} for v, label in enum.choices]
                for key, enum in CHOICES.items()
            }
        )
