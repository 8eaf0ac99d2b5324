"""The API's incident and task endpoints. Each calls the service the web page calls
(``incidents.services.incident_report`` / ``follow_up_add``; ``command.assignments.services.task_move`` /
``task_progress``) after the web form has validated the data; permission is the same layer
(``orgchart.permissions``), the token acting as its unit's liaison."""

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from command.assignments import services as tasking
from command.common import CommandError
from command.models import Assignment
from incidents import services
from incidents.forms import FirstMeasureFormSet, FollowUpForm, IncidentReportForm
from incidents.models import Incident
from orgchart.permissions import can

from . import binding, presenters
from . import serializers as s
from .errors import ApiError, error, from_django, from_form
from .idempotency import idempotent

PAGE_SIZE = 50
LOSS = {"direct_loss_yuan": "direct_loss"}
ERRORS = {
    400: OpenApiResponse(s.ErrorOut, description=gettext_lazy("校验错误（与网页表单相同的规则和提示）")),
    401: OpenApiResponse(s.ErrorOut, description=gettext_lazy("令牌缺失、无效、过期或已吊销")),
    403: OpenApiResponse(s.ErrorOut, description=gettext_lazy("令牌没有权限范围，或预案规定无权进行")),
    404: OpenApiResponse(s.ErrorOut, description=gettext_lazy("不存在，或不属于本单位")),
    409: OpenApiResponse(s.ErrorOut, description=gettext_lazy("当前状态下不能进行（如任务已签收）")),
    422: OpenApiResponse(s.ErrorOut, description=gettext_lazy("Idempotency-Key 已用于另一个请求")),
    429: OpenApiResponse(s.ErrorOut, description=gettext_lazy("请求过于频繁")),
}
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy("重试同一请求时带上同一个键（1–200 字符）：返回第一次的结果，不会重复登记"),
)
PAGE = OpenApiParameter(
    "page", int, OpenApiParameter.QUERY, required=False, description=gettext_lazy("页码，每页 50 条")
)


class ApiView(APIView):
    # Path ids are parsed here, so that a malformed one is a JSON 404 like a missing one (the URL
    # patterns take any segment). No docstring: it would become every operation's description.

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        for name, value in kwargs.items():
            self.kwargs[name] = _parse_id(name, value)  # the very dict dispatch() hands to the handler


def _parse_id(name, value):
    try:
        if name == "delivery_id":
            return uuid.UUID(value)
        number = int(value)
        if not (value.isdigit() and 0 < number < 2**63):
            raise ValueError(value)
        return number
    except (ValueError, TypeError):
        raise ApiError(
            [error(None, "not_found", _("没有找到。"))], status_code=404, code="not_found"
        ) from None


class PageIn(drf.Serializer):
    page = drf.IntegerField(min_value=1, max_value=100000, required=False, default=1)


def page_of(request, qs):
    p = PageIn(data=request.query_params)
    p.is_valid(raise_exception=True)
    start = (p.validated_data["page"] - 1) * PAGE_SIZE
    return qs[start : start + PAGE_SIZE]


def checked(serializer_class, request):
    """JSON types only (partial: required fields are the form's to report, with its message)."""
    ser = serializer_class(data=request.data, partial=True)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


def errors_of(e, status_code=400, field_map=None):
    return ApiError(from_django(e, field_map), status_code=status_code)


def _refused(e, code="refused"):
    return ApiError([error(None, code, str(e))], status_code=409, code=code)


def incidents_for(token):
    """The incidents the token's unit may read: its company's, its county's, those it works on or reported."""
    u = token.unit_id
    return (
        Incident.objects.filter(
            Q(company_id=u)
            | Q(county__government_id=u)
            | Q(pk__in=Assignment.objects.filter(unit_id=u).values("incident_id"))
            | Q(created_by__api_token__unit_id=u)
        )
        .select_related("service_area", "plan_version", "county")
        .order_by("-reported_at", "-id")
    )


class Incidents(ApiView):
    @property
    def required_scope(self):
        return "incidents:report" if self.request.method == "POST" else "incidents:read"

    @extend_schema(
        operation_id="incidents_list",
        summary=gettext_lazy("本单位相关的事件"),
        parameters=[PAGE],
        responses={200: s.IncidentOut(many=True), **ERRORS},
    )
    def get(self, request):
        return Response(
            s.IncidentOut(
                [presenters.incident(i) for i in page_of(request, incidents_for(request.auth))], many=True
            ).data
        )

    @extend_schema(
        operation_id="incidents_report",
        summary=gettext_lazy("接报登记（§5.1）"),
        description=gettext_lazy(
            "与网页“接报登记”相同的字段和校验。供热企业的令牌：company 为本企业；县级政府的令牌："
            "county 为本县（市、区）。"
        ),
        request=s.IncidentReportIn,
        parameters=[IDEMPOTENCY],
        responses={201: s.IncidentOut, **ERRORS},
    )
    @idempotent
    def post(self, request):
        data, measures_data, errors = binding.report_data(
            checked(s.IncidentReportIn, request), request.auth.unit
        )
        now = timezone.now()
        form = IncidentReportForm(data, now=now)
        measures = FirstMeasureFormSet(measures_data, prefix="measures", now=now)
        form_ok, measures_ok = form.is_valid(), measures.is_valid()
        errors += from_form(form, field_map={"direct_loss_yuan": "direct_loss"})
        for i, f in enumerate(measures.forms):
            errors += from_form(f, prefix=f"first_measures[{i}].")
        if errors or not (form_ok and measures_ok):
            raise ApiError(errors or [error(None, "invalid", _("请核对先期处置。"))])
        try:
            incident = services.incident_report(
                actor=request.user, data=form.incident_data(), first_measures=measures.rows()
            )
        except ValidationError as e:
            raise errors_of(e, field_map=LOSS) from None
        incident = incidents_for(request.auth).get(pk=incident.pk)
        response = Response(s.IncidentOut(presenters.incident(incident)).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/incidents/{incident.pk}/"
        return response


class IncidentDetail(ApiView):
    required_scope = "incidents:read"

    @extend_schema(
        operation_id="incidents_read",
        summary=gettext_lazy("事件：级别与附件4建议"),
        responses={200: s.IncidentOut, **ERRORS},
    )
    def get(self, request, pk):
        incident = get_object_or_404(incidents_for(request.auth), pk=pk)
        return Response(s.IncidentOut(presenters.incident(incident)).data)


class FollowUps(ApiView):
    required_scope = "incidents:report"

    @extend_schema(
        operation_id="incidents_follow_up",
        summary=gettext_lazy("续报（§5.1）"),
        description=gettext_lazy("只改变请求中带有的数字；未带的保持原样。"),
        request=s.FollowUpIn,
        parameters=[IDEMPOTENCY],
        responses={201: s.FollowUpOut, **ERRORS},
    )
    @idempotent
    def post(self, request, pk):
        incident = get_object_or_404(incidents_for(request.auth).select_related("county__government"), pk=pk)
        validated = checked(s.FollowUpIn, request)
        if not (
            can(request.user, "incident.follow_up") or can(request.user, "incident.follow_up_unit", incident)
        ):
            raise PermissionDenied(can(request.user, "incident.follow_up_unit", incident).reason)
        form = FollowUpForm(binding.follow_up_data(validated, incident), incident=incident)
        if not form.is_valid():
            raise ApiError(from_form(form, field_map=LOSS))
        try:
            report = services.follow_up_add(
                actor=request.user,
                incident_id=incident.pk,
                note=form.cleaned_data["note"],
                data=form.changed_values(),
            )
        except ValidationError as e:
            raise errors_of(e, field_map=LOSS) from None
        return Response(s.FollowUpOut(presenters.follow_up(report)).data, status=status.HTTP_201_CREATED)


def tasks_for(user):
    return tasking.visible(user, Assignment.objects.select_related("incident", "group", "unit"))


class Tasks(ApiView):
    required_scope = "tasks:read"

    @extend_schema(
        operation_id="tasks_list",
        summary=gettext_lazy("本单位的任务（未完成的在前）"),
        parameters=[PAGE],
        responses={200: s.TaskOut(many=True), **ERRORS},
    )
    def get(self, request):
        qs = tasks_for(request.user).order_by("-created_at", "-id")
        return Response(s.TaskOut([presenters.task(t) for t in page_of(request, qs)], many=True).data)


class TaskDetail(ApiView):
    required_scope = "tasks:read"

    @extend_schema(
        operation_id="tasks_read", summary=gettext_lazy("一项任务"), responses={200: s.TaskOut, **ERRORS}
    )
    def get(self, request, pk):
        return Response(s.TaskOut(presenters.task(get_object_or_404(tasks_for(request.user), pk=pk))).data)


class TaskMove(ApiView):
    required_scope = "tasks:write"
    move = None

    def _move(self, request, pk):
        validated = checked(s.TaskMoveIn, request)
        try:
            tasking.task_move(
                task_id=pk, user=request.user, move=self.move, expected_state=validated.get("expected_state")
            )
        except Assignment.DoesNotExist:
            raise _not_found() from None
        except CommandError as e:
            raise _refused(e) from None
        task = tasks_for(request.user).get(pk=pk)
        return Response(s.TaskOut(presenters.task(task)).data)


def _not_found():
    return ApiError([error(None, "not_found", _("没有这项任务。"))], status_code=404, code="not_found")


def _move_schema(operation_id, summary):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        request=s.TaskMoveIn,
        parameters=[IDEMPOTENCY],
        responses={200: s.TaskOut, **ERRORS},
    )


class TaskSign(TaskMove):
    move = "sign"

    @_move_schema("tasks_sign", "签收任务")
    @idempotent
    def post(self, request, pk):
        return self._move(request, pk)


class TaskComplete(TaskMove):
    move = "done"

    @_move_schema("tasks_complete", "报告完成")
    @idempotent
    def post(self, request, pk):
        return self._move(request, pk)


class TaskProgress(ApiView):
    required_scope = "tasks:write"

    @extend_schema(
        operation_id="tasks_progress",
        summary=gettext_lazy("报告进展（可附照片、文件）"),
        description=gettext_lazy(
            "JSON（只有文字）或 multipart/form-data（text 和 files）。第一次报告进展即签收并开始处理。"
        ),
        request={"application/json": s.ProgressIn, "multipart/form-data": s.ProgressIn},
        parameters=[IDEMPOTENCY],
        responses={201: s.TaskNoteOut, **ERRORS},
    )
    @idempotent
    def post(self, request, pk):
        text = request.data.get("text", "") if hasattr(request.data, "get") else None
        if not isinstance(text, str):
            raise ApiError([error("text", "invalid", _("进展情况须为文字。"))])
        if "\x00" in text:
            raise ApiError(
                [error("text", "null_characters_not_allowed", _("进展情况不能包含空字符（NUL）。"))],
                code="null_characters_not_allowed",
            )
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        try:
            note = tasking.task_progress(task_id=pk, user=request.user, text=text, files=files)
        except Assignment.DoesNotExist:
            raise _not_found() from None
        except CommandError as e:
            raise ApiError([error(None, "invalid", str(e))]) from None
        task = tasks_for(request.user).get(pk=pk)
        return Response(s.TaskNoteOut(presenters.note(note, task.state)).data, status=status.HTTP_201_CREATED)
