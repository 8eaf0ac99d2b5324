"""What the HTTP benchmarks share: a gunicorn server shaped as in production, and logged-in sessions.

The server runs as the Dockerfile runs it (gunicorn, 3 workers × 4 threads, DEBUG off) on a loopback port,
against the database in ``DATABASE_URL``; static files come from the finders (no collectstatic needed).
Sessions are made directly in that database (a real session row for a real user), so a benchmark of 200
tabs does not spend minutes hashing 200 passwords at the login page.

Only loopback addresses are used: every request stays on this machine.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def setup_django(database_url):
    """Point Django at ``database_url`` in this process (the benchmark reads ids and makes sessions)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """``with Server(database_url) as server:`` — gunicorn on ``server.port`` until the block ends."""

    def __init__(self, database_url, *, workers=3, threads=4, log=None):
        self.database_url, self.workers, self.threads = database_url, workers, threads
        self.port = free_port()
        self.log = log or open(os.devnull, "w")
        self.proc = None

    def __enter__(self):
        env = dict(
            os.environ,
            DATABASE_URL=self.database_url,
            DEBUG="0",
            HTTPS="0",
            ALLOWED_HOSTS=HOST,
            WHITENOISE_USE_FINDERS="1",
            STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
        env.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
        cmd = [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--no-control-socket",
            "--timeout",
            "120",
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                status, _body, _t = get(self.port, "/login/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def make_sessions(usernames):
    """A fresh logged-in session key per entry of ``usernames`` (a username may repeat: one per tab)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    users = {u.username: u for u in get_user_model().objects.filter(username__in=set(usernames))}
    keys = []
    for name in usernames:
        user = users[name]
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


def drop_sessions(keys):
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key__in=keys).delete()


def csrf_cookie(port):
    """A CSRF cookie as a browser holds one after its first page (the login page sets it)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", "/login/", headers={"Host": HOST})
        resp = conn.getresponse()
        resp.read()
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie" and value.startswith("csrftoken="):
                return value.split(";", 1)[0].split("=", 1)[1]
    finally:
        conn.close()
    return None


_CSRF = {}


def get(port, path, *, session=None, headers=None, conn=None):
    """(status, body bytes, seconds) of one GET; ``conn`` reuses a keep-alive connection. A logged-in
    request carries the CSRF cookie too, as a browser does after its first page."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=60)
    h = {"Host": HOST}
    if session:
        if port not in _CSRF:
            _CSRF[port] = csrf_cookie(port)
        h["Cookie"] = f"sessionid={session}" + (f"; csrftoken={_CSRF[port]}" if _CSRF[port] else "")
    h.update(headers or {})
    start = time.perf_counter()
    try:
        conn.request("GET", path, headers=h)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, body, time.perf_counter() - start
    finally:
        if own:
            conn.close()


def poll_url(body):
    """The overview's one poll request as the page would send it: the ``hx-get`` of its ``#dash-poll``
    element (which carries the version the page was rendered at), or None."""
    m = re.search(rb'<[^>]*id="dash-poll"[^>]*>', body)
    url = attr(m.group(0), "hx-get") if m else None
    return url.replace("&amp;", "&") if url else None


def attr(body, name):
    """The first value of HTML attribute ``name`` in ``body`` (bytes), or None."""
    m = re.search(rb'%s="([^"]*)"' % re.escape(name.encode()), body)
    return m.group(1).decode() if m else None
