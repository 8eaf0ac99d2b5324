"""A real task through Redis to a real Celery worker, and its effect in PostgreSQL."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from command.models import Heartbeat
from command.tasks import heartbeat
from config.celery import app

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_task_runs_on_a_real_worker_over_redis():
    assert app.conf.broker_url.startswith("redis://")
    assert app.conf.task_acks_late and app.conf.broker_transport_options["visibility_timeout"] == 3600
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        heartbeat.delay(source="from-test")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not Heartbeat.objects.filter(source="from-test").exists():
            time.sleep(0.2)
    row = Heartbeat.objects.get(source="from-test")
    assert row.count == 1
    assert row.hostname  # set from the worker's request, so it really ran there


def test_beat_schedule_has_the_heartbeat_every_minute():
    entry = app.conf.beat_schedule["heartbeat-every-minute"]
    assert entry["task"] == heartbeat.name and entry["schedule"] == 60.0
    assert app.conf.timezone == "Asia/Shanghai" and app.conf.accept_content == ["json"]
