"""Issue 15 in `make run`'s embedded mode: SQLite and Celery's filesystem broker. The real script starts
the web server and the worker; the office logs in over HTTP, asks for a document, sees 生成中…, and the
worker started by scripts/run.sh renders it into var/media, from where the web server streams it."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.support.documents import pdf_text, squash

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Cookies and CSRF over urllib, as a person's browser without JavaScript."""

    def __init__(self, base):
        self.base, self.jar = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self):
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def open(self, path, data=None, headers=None):
        body = (
            urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
            if data is not None
            else None
        )
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + "/", **(headers or {})}
        )
        try:
            with self.opener.open(request, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
        except OSError:
            return None, {}, b""


def _embedded_env(tmp_path, port):
    drop = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "CELERY_QUEUE", "STATICFILES_STORAGE", "MEDIA_ROOT"}
    drop |= {"WHITENOISE_USE_FINDERS", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(VAR_DIR=str(tmp_path / "var"), PORT=str(port), SKIP_INSTALL="1")
    return env


def _wait(predicate, timeout, what, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{log.read_text()[-4000:]}")


def test_the_embedded_worker_renders_a_document(tmp_path):
    from orgchart.demo import DEMO_PASSWORD

    port = _free_port()
    log_path = tmp_path / "run.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=_embedded_env(tmp_path, port),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    web = Browser(f"http://127.0.0.1:{port}")
    try:
        _wait(lambda: "Ctrl-C" in log_path.read_text(), 180, "make run to start", log_path)
        web.open("/login/")
        web.open("/login/", {"username": "office", "password": DEMO_PASSWORD})
        status, _h, body = web.open("/documents/incidents/1/")
        assert status == 200 and "公文：报告、通知、记录" in body.decode(), log_path.read_text()[-3000:]
        base = "/documents/incidents/1/first-report/pdf/"
        status, _h, body = web.open(base)  # a bookmark of the download: asks for the file
        assert status == 202 and "生成中" in body.decode()
        _wait(
            lambda: 'data-state="ready"' in web.open(base + "status/")[2].decode(),
            120,
            "the embedded worker to render the first report",
            log_path,
        )
        status, headers, body = web.open(base)
        assert status == 200 and headers["Content-Type"] == "application/pdf"
        assert "突发事件信息报告（首报）" in squash(pdf_text(body))
        stored = list((tmp_path / "var" / "media" / "documents").rglob("*.pdf"))
        assert len(stored) == 1 and stored[0].stat().st_size == len(body)
        assert re.search(r"documents\.tasks\.render_document\[[^\]]+\] succeeded", log_path.read_text())
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        log.close()
