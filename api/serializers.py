"""Request and response shapes. Requests are checked here for JSON types only (a string is a string,
a count an integer); every rule of the plan and every required field is the web form's
(``incidents.forms``), so a caller gets the same message a clerk gets. Responses describe what is sent."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from command.models import Assignment
from incidents.choices import Category, Facility, IncidentType, State
from incidents.models import Source

from .models import Delivery, Event


class StrictChar(serializers.CharField):
    """A JSON string only (no number quietly turned into text)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return data

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("allow_blank", True)  # "" is the form's to refuse, with its message
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTimeText(StrictChar):
    """An ISO 8601 time; parsed by the web form (same messages)."""


class ChoiceText(serializers.ChoiceField):
    """Documented as an enum; the web form checks the value (same messages)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return data


class StrictInt(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class StrictBool(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


@extend_schema_field(OpenApiTypes.NUMBER)
class Number(serializers.Field):
    default_error_messages = {"invalid": _("须为数字。")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        try:
            value = Decimal(str(data))
        except InvalidOperation:
            self.fail("invalid")
        if not value.is_finite():
            self.fail("invalid")
        return value

    def to_representation(self, value):
        return float(value)


def _figures():
    n = {"required": False, "allow_null": True}
    return {
        "outage_started_at": DateTimeText(help_text=_("停热开始时间"), **n),
        "estimated_restoration_at": DateTimeText(help_text=_("预计恢复供热时间"), **n),
        "restored_at": DateTimeText(help_text=_("恢复供热时间"), **n),
        "affected_area_m2": Number(help_text=_("停热面积（平方米）"), **n),
        "affected_households": StrictInt(help_text=_("停热户数"), **n),
        "deaths": StrictInt(help_text=_("死亡人数"), **n),
        "deaths_pending": StrictBool(required=False, help_text=_("死亡人数待核定")),
        "serious_injuries": StrictInt(help_text=_("重伤人数"), **n),
        "serious_injuries_pending": StrictBool(required=False, help_text=_("重伤人数待核定")),
        "direct_loss": Number(help_text=_("直接经济损失（单位见 direct_loss_unit）"), **n),
        "direct_loss_unit": ChoiceText(choices=[("wan", _("万元")), ("yuan", _("元"))], required=False),
        "direct_loss_pending": StrictBool(required=False, help_text=_("直接经济损失待核定")),
        "people_at_risk_peak": StrictInt(help_text=_("涉险、被困、失联人数（峰值）"), **n),
        "still_trapped": StrictInt(help_text=_("仍被困人数"), **n),
        "still_missing": StrictInt(help_text=_("仍失联人数"), **n),
        "dead_unrecovered": StrictInt(help_text=_("遇难未救出人数"), **n),
        "beyond_city_capacity": StrictBool(required=False, help_text=_("超出市级人民政府应急处置能力")),
    }


class FirstMeasureIn(serializers.Serializer):
    at = DateTimeText(help_text=_("先期处置时间"))
    by = StrictChar(help_text=_("实施单位"))
    text = StrictChar(help_text=_("措施"))


class IncidentReportIn(serializers.Serializer):
    """接报登记 (§5.1): the fields of the web report form. ``company`` defaults to the token's company,
    ``county`` to the token's county government, ``reported_at`` to now, ``service_area`` to the default."""

    title = StrictChar(help_text=_("简述（120字以内）"))
    category = ChoiceText(choices=Category.choices, help_text=_("事件类别（§1.5）"))
    incident_type = ChoiceText(choices=[("", "—"), *IncidentType.choices], required=False)
    facility = ChoiceText(choices=Facility.choices, help_text=_("受影响设施"))
    description = StrictChar(help_text=_("情况描述"))
    county = StrictInt(
        required=False, help_text=_("事发地县（市、区）的 id（见 /api/v1/reference/counties/）")
    )
    service_area = StrictInt(required=False, help_text=_("供热服务区域的 id"))
    company = StrictInt(required=False, allow_null=True, help_text=_("涉事供热企业的单位 id"))
    address = StrictChar(required=False)
    lon = Number(required=False, allow_null=True)
    lat = Number(required=False, allow_null=True)
    occurred_at = DateTimeText(help_text=_("发生时间"))
    reported_at = DateTimeText(required=False, help_text=_("接报时间（默认现在）"))
    source = ChoiceText(choices=Source.choices, required=False)
    reporter_name = StrictChar(required=False)
    reporter_phone = StrictChar(required=False)
    reporter_unit = StrictChar(required=False)
    is_drill = StrictBool(required=False, help_text=_("演练"))
    first_measures = FirstMeasureIn(many=True, required=False, help_text=_("先期处置（§5.2）"))

    def get_fields(self):
        return {**super().get_fields(), **_figures()}


class FollowUpIn(serializers.Serializer):
    """续报 (§5.1): a note and only the figures that changed; a figure not sent stays as it is."""

    note = StrictChar(help_text=_("续报内容"))
    hazards_controlled = StrictBool(required=False, help_text=_("次生、衍生事故威胁已控制或消除"))

    def get_fields(self):
        return {**super().get_fields(), **_figures()}


class RecommendationOut(serializers.Serializer):
    level = serializers.IntegerField(allow_null=True, help_text=_("附件4 建议响应级别（1–4，空：无）"))
    status = serializers.ChoiceField(choices=["firm", "provisional", "lapsed", "no_outage", "none"])
    clauses = serializers.ListField(child=serializers.CharField())


class IncidentOut(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    title = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    state = serializers.ChoiceField(choices=State.choices)
    state_label = serializers.CharField()
    level = serializers.IntegerField(allow_null=True, help_text=_("当前响应级别（1–4，空：未启动）"))
    is_drill = serializers.BooleanField()
    county = serializers.IntegerField()
    company = serializers.IntegerField(allow_null=True)
    service_area = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField()
    outage_started_at = serializers.DateTimeField(allow_null=True)
    restored_at = serializers.DateTimeField(allow_null=True)
    affected_area_m2 = serializers.FloatField(allow_null=True)
    affected_households = serializers.IntegerField(allow_null=True)
    grade = serializers.CharField(allow_null=True, help_text=_("事故等级（附件5）"))
    recommendation = RecommendationOut()
    url = serializers.CharField(help_text=_("网页地址"))


class FollowUpOut(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField()
    at = serializers.DateTimeField()
    note = serializers.CharField()
    changes = serializers.DictField(help_text=_("变化的字段：[原值, 新值]"))
    level_before = serializers.IntegerField(allow_null=True)
    level_after = serializers.IntegerField(allow_null=True)


class TaskOut(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField()
    incident_title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Assignment.Kind.choices)
    title = serializers.CharField()
    duties = serializers.CharField()
    clause = serializers.CharField()
    state = serializers.ChoiceField(choices=Assignment.State.choices)
    state_label = serializers.CharField()
    priority = serializers.ChoiceField(choices=Assignment.Priority.choices)
    due_at = serializers.DateTimeField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    unit = serializers.IntegerField(allow_null=True)
    group = serializers.CharField(allow_null=True)


class TaskMoveIn(serializers.Serializer):
    expected_state = ChoiceText(
        choices=Assignment.State.choices,
        required=False,
        help_text=_("调用方看到的任务状态；已被他人改变时拒绝执行"),
    )


class ProgressIn(serializers.Serializer):
    text = StrictChar(required=False, help_text=_("进展情况"))
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=_("照片、文件（每个不超过 15 MB，最多 6 个）"),
    )


class TaskNoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField()
    at = serializers.DateTimeField()
    text = serializers.CharField()
    files = serializers.ListField(child=serializers.CharField())
    task_state = serializers.ChoiceField(choices=Assignment.State.choices)


class WebhookIn(serializers.Serializer):
    url = StrictChar(help_text=_("接收推送的地址（http 或 https）"))
    events = serializers.ListField(child=ChoiceText(choices=Event.choices), help_text=_("订阅的事件"))


class WebhookOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=Event.choices))
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    secret = serializers.CharField(required=False, help_text=_("签名密钥：只在登记时返回一次"))


class DeliveryOut(serializers.Serializer):
    id = serializers.UUIDField()
    webhook = serializers.IntegerField()
    event = serializers.ChoiceField(choices=Event.choices)
    state = serializers.ChoiceField(choices=Delivery.State.choices)
    attempts = serializers.IntegerField()
    last_status = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)


class ErrorItem(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)
    errors = ErrorItem(many=True)


class RefOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class UnitRefOut(RefOut):
    kind = serializers.CharField()
    company_type = serializers.CharField()


class ServiceAreaRefOut(RefOut):
    counties = serializers.ListField(child=serializers.IntegerField())
    heated_area_m2 = serializers.FloatField(allow_null=True)
    is_default = serializers.BooleanField()


class CountyRefOut(RefOut):
    government = serializers.IntegerField(allow_null=True)


class GroupRefOut(RefOut):
    clause = serializers.CharField()


class ChoiceRefOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
