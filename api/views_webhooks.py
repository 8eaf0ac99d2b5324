"""The unit's webhooks through the API (``webhooks:manage``): register, list, remove, deliveries, re-send."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from . import serializers as s
from . import services, webhooks
from .errors import ApiError, from_django
from .idempotency import idempotent
from .models import Delivery, Webhook
from .views import ERRORS, IDEMPOTENCY, PAGE, ApiView, checked, page_of


def hook_out(h, secret=False):
    out = {"id": h.pk, "url": h.url, "events": h.events, "active": h.active, "created_at": h.created_at}
    if secret:
        out["secret"] = h.secret
    return s.WebhookOut(out).data


def delivery_out(d):
    return s.DeliveryOut(
        {
            "id": d.pk,
            "webhook": d.webhook_id,
            "event": d.event,
            "state": d.state,
            "attempts": d.attempts,
            "last_status": d.last_status,
            "last_error": d.last_error,
            "created_at": d.created_at,
            "delivered_at": d.delivered_at,
        }
    ).data


class Webhooks(ApiView):
    required_scope = "webhooks:manage"

    @extend_schema(
        operation_id="webhooks_list",
        summary=gettext_lazy("本单位的推送地址"),
        responses={200: s.WebhookOut(many=True), **ERRORS},
    )
    def get(self, request):
        return Response([hook_out(h) for h in Webhook.objects.filter(unit=request.auth.unit, active=True)])

    @extend_schema(
        operation_id="webhooks_register",
        summary=gettext_lazy("登记推送地址"),
        description=gettext_lazy(
            "事件以 JSON POST 到该地址，带 X-Heating-Signature（HMAC-SHA256）与 X-Heating-Delivery。"
            "签名密钥只在此返回一次。"
        ),
        request=s.WebhookIn,
        parameters=[IDEMPOTENCY],
        responses={201: s.WebhookOut, **ERRORS},
    )
    @idempotent
    def post(self, request):
        data = checked(s.WebhookIn, request)
        try:
            hook = services.webhook_register(
                token=request.auth, url=data.get("url", ""), events=data.get("events", [])
            )
        except ValidationError as e:
            raise ApiError(from_django(e)) from None
        return Response(hook_out(hook, secret=True), status=status.HTTP_201_CREATED)


class WebhookDetail(ApiView):
    required_scope = "webhooks:manage"

    @extend_schema(
        operation_id="webhooks_remove",
        summary=gettext_lazy("停用推送地址"),
        responses={204: OpenApiResponse(description=gettext_lazy("已停用")), **ERRORS},
    )
    def delete(self, request, pk):
        hook = get_object_or_404(Webhook, pk=pk, unit=request.auth.unit)
        Webhook.objects.filter(pk=hook.pk).update(active=False)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Deliveries(ApiView):
    required_scope = "webhooks:manage"

    @extend_schema(
        operation_id="webhooks_deliveries",
        summary=gettext_lazy("推送记录及结果"),
        parameters=[PAGE],
        responses={200: s.DeliveryOut(many=True), **ERRORS},
    )
    def get(self, request, pk):
        hook = get_object_or_404(Webhook, pk=pk, unit=request.auth.unit)
        return Response([delivery_out(d) for d in page_of(request, hook.deliveries.order_by("-created_at"))])


class Redeliver(ApiView):
    required_scope = "webhooks:manage"

    @extend_schema(
        operation_id="webhooks_redeliver",
        summary=gettext_lazy("重新发送一条推送（同一推送编号）"),
        request=None,
        parameters=[IDEMPOTENCY],
        responses={202: s.DeliveryOut, **ERRORS},
    )
    @idempotent
    def post(self, request, delivery_id):
        d = get_object_or_404(Delivery, pk=delivery_id, webhook__unit=request.auth.unit)
        webhooks.redeliver(d)
        d.refresh_from_db()
        return Response(delivery_out(d), status=status.HTTP_202_ACCEPTED)
