"""Smoke test of `make run`'s embedded mode: the real script on SQLite and the filesystem broker."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return None, ""


def test_make_run_embedded_serves_login_and_fresh_heartbeat(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "CELERY_QUEUE",
            "STATICFILES_STORAGE",
            "WHITENOISE_USE_FINDERS",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(VAR_DIR=str(tmp_path / "var"), PORT=str(port), SKIP_INSTALL="1")
    log = open(tmp_path / "run.log", "w")
    proc = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health, status = None, None
        deadline = (
            time.monotonic() + 300
        )  # migrating SQLite from nothing takes minutes on a loaded 2-core machine
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            status, body = get(f"{base}/healthz")
            if status == 200:
                health = json.loads(body)
                break
            time.sleep(1)
        assert health, (
            f"healthz never became 200 (last {status}):\n" + (tmp_path / "run.log").read_text()[-3000:]
        )
        assert health["database"]["vendor"] == "sqlite"
        assert health["broker"]["transport"] == "filesystem"
        assert health["heartbeat"]["age_seconds"] < 90
        status, html = get(f"{base}/login/")
        assert status == 200 and "供热应急指挥平台" in html and 'lang="zh-hans"' in html
        status, css = get(f"{base}/static/css/app.css")  # whitenoise serves collected static files
        assert status == 200 and "--level-1" in css
        deadline = time.monotonic() + 30
        while "Ctrl-C" not in (out := (tmp_path / "run.log").read_text()) and time.monotonic() < deadline:
            time.sleep(0.5)  # the banner comes once all three processes are started
        assert f"http://127.0.0.1:{port}/" in out and "director" in out and "yuncheng-demo-2026" in out
        assert (tmp_path / "var" / "db.sqlite3").exists()
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground process group
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        log.close()
    out = (tmp_path / "run.log").read_text()
    # Ctrl-C is the normal way to stop: a clean exit 0, no error message (issue 17 point 14).
    assert proc.returncode == 0, out[-3000:]
    assert "已停止 / stopped." in out and "错误" not in out and "Error" not in out.split("正在停止")[-1], out[
        -3000:
    ]
    assert get(f"{base}/healthz")[0] is None, "web server still answering after Ctrl-C"
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.strip()
    assert not leftover, f"processes left running: {leftover}"
