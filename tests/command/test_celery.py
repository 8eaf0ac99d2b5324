"""The activation's safety net on a real Celery worker over Redis: when the after-commit setup fails,
the decision stands and a queued task completes the setup (idempotently)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from command.models import ActivatedGroup, LevelSetup
from command.response import activation
from config.celery import app

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_failed_setup_is_completed_by_the_worker(demo, incident_in, fresh, monkeypatch, settings):
    settings.COMMAND_SETUP_RETRY_SECONDS = 0
    original, calls = activation.response_setup, []

    def flaky(incident_id, **kw):
        calls.append(incident_id)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return original(incident_id, **kw)

    monkeypatch.setattr(activation, "response_setup", flaky)
    incident = incident_in("assessing")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        incident.activate(fresh("commander"), level=2, reason="测试")
        assert incident.state == "responding"  # the decision stands
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not LevelSetup.objects.filter(incident=incident).exists():
            time.sleep(0.2)
    assert calls == [incident.pk, incident.pk]  # after commit (failed), then in the worker
    assert LevelSetup.objects.filter(incident=incident, level=2).count() == 1
    assert ActivatedGroup.objects.filter(incident=incident).count() == 8
