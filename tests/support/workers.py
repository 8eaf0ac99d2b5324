"""A real `celery -A config worker` process for the tests that need one, on this test database and on
this run's Redis database and queue (tests/_env.py gives each xdist worker its own)."""

import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from command.models import Heartbeat
from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def worker_database_url():
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth + '@' if auth else ''}{host}{port}/{s['NAME']}"


def wait_for(predicate, timeout, what, log=None):
    """Wait until ``predicate()``; on a timeout fail with the end of the worker's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = log.read_text()[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n--- worker log ---\n{tail}")


class Worker:
    """One `celery -A config worker` process (its own session, so it and any child die together)."""

    def __init__(self, tmp_path, name, **environ):
        """Started at once; ``environ`` is added to this process's environment (e.g. ``MEDIA_ROOT``)."""
        self.log = tmp_path / f"{name}.log"
        env = dict(os.environ, DATABASE_URL=worker_database_url(), PYTHONUNBUFFERED="1", **environ)
        # Same broker as this process: settings build CELERY_BROKER_URL from REDIS_URL, which is copied.
        assert env["REDIS_URL"] == app.conf.broker_url
        self._out = open(self.log, "w")
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                app.conf.task_default_queue,
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"{name}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout=30):
        """The worker_ready signal sends a heartbeat task; once it has run, the worker is consuming."""
        before = Heartbeat.objects.filter(source="worker_ready").values_list("count", flat=True).first() or 0

        def ready():
            assert self.proc.poll() is None, self.log.read_text()[-4000:]
            now = Heartbeat.objects.filter(source="worker_ready").values_list("count", flat=True).first()
            return (now or 0) > before

        wait_for(ready, timeout, "the worker to be ready", self.log)

    def kill(self):
        """SIGKILL: no warm shutdown, its reserved (ETA) messages stay unacknowledged in Redis."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # warm shutdown
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._out.close()
