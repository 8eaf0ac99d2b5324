"""A webhook delivery through Redis and a real Celery worker process: refused once by the local server,
retried by the worker after the backoff, then delivered — the same delivery id both times, signed."""

import hashlib
import hmac

import pytest
from django.db import transaction

from api import webhooks
from api.models import Delivery, Webhook
from config.celery import app
from orgchart.models import Unit
from tests.support.api import COMPANY
from tests.support.workers import Worker, wait_for

from .receiver import Receiver

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_worker_retries_with_backoff_then_delivers(demo, user_of, tmp_path, monkeypatch):
    monkeypatch.setenv("API_WEBHOOK_BACKOFF", "0,1,1")
    app.control.purge()
    worker = Worker(tmp_path, "webhooks")
    try:
        worker.wait_ready()
        with Receiver(statuses=[500]) as server:
            hook = Webhook.objects.create(
                unit=Unit.objects.get(code=COMPANY),
                url=server.url,
                events=["reminder"],
                secret=webhooks.new_secret(),
                created_by=user_of("office"),
            )
            with transaction.atomic():  # queued on commit, as from a signal
                [pk] = webhooks.emit([hook.unit_id], "reminder", "reminder:worker", {"text": "任务未签收"})
            wait_for(
                lambda: Delivery.objects.get(pk=pk).state == Delivery.State.SENT,
                30,
                "the delivery",
                worker.log,
            )
        d = Delivery.objects.get(pk=pk)
        assert d.attempts == 2 and d.last_status == 200
        assert [r["headers"]["X-Heating-Delivery"] for r in server.requests] == [str(pk), str(pk)]
        last = server.requests[-1]
        ts = last["headers"]["X-Heating-Timestamp"]
        digest = hmac.new(hook.secret.encode(), f"{ts}.".encode() + last["body"], hashlib.sha256).hexdigest()
        assert last["headers"]["X-Heating-Signature"] == f"sha256={digest}"
        assert "Traceback" not in worker.log.read_text()
    finally:
        worker.stop()
        app.control.purge()
