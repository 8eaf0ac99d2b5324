"""The API tests' unit, scopes and a report body as a dispatch system sends it."""

from datetime import timedelta

from django.utils import timezone

from api.models import Scope

ALL_SCOPES = list(Scope.values)


COMPANY = "demo-heat-1"


def report_body(**overrides):
    now = timezone.localtime()
    body = {
        "title": "接口测试：一次管网爆管停热",
        "category": "heat_source_pipeline",
        "facility": "main_network",
        "description": "调度系统自动上报",
        "county": None,
        "occurred_at": (now - timedelta(hours=2)).isoformat(),
        "outage_started_at": (now - timedelta(hours=2)).isoformat(),
        "affected_area_m2": 150000,
        "affected_households": 1200,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}
