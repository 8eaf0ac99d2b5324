"""Time the overview, the wall and their single poll against the bell, in-process (issue 15).

    DEBUG=0 HTTPS=0 SECRET_KEY=x STATIC_ROOT=/tmp/static DATABASE_URL=postgres://.../<a copy> \
        REDIS_URL=redis://127.0.0.1:6379/<n> CACHE_KEY_PREFIX=bench .venv/bin/python \
        benchmarks/dashboard_inprocess.py [N] [warm|cold]

(run ``manage.py collectstatic`` into STATIC_ROOT first). Django's test client, no network: each page
N times, interleaved with the bell (``/command/notifications/bell/``), as the director. ``warm``: the
dashboard's version holds (what 200 tabs see between writes): the overview, the wall, an unchanged poll
(204), a poll from a tab holding an old version. ``cold``: the version is dropped before each request
(the first tab after a write reads and renders the panels). Prints SQL statements (BEGIN/COMMIT of the
session save included), bytes, CPU and wall-clock medians and their ratio to the bell. A benchmark, not
a test: the suite counts queries, never times.
"""

import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from command.dashboard import live  # noqa: E402

HX = {"HTTP_HX_REQUEST": "true"}
POLLER = re.compile(r'id="dash-poll"[^>]*hx-get="([^"]+)"')


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    mode = sys.argv[2] if len(sys.argv) > 2 else "warm"
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="director"))

    def poll(path):
        return POLLER.search(client.get(path).content.decode()).group(1).replace("&amp;", "&")

    home, wall = poll("/"), poll("/wall/")
    pages = {"bell": ("/command/notifications/bell/", HX)}
    if mode == "cold":
        pages.update({"overview cold": ("/", {}), "wall cold": ("/wall/", {})})
    else:
        pages.update(
            {
                "overview": ("/", {}),
                "wall": ("/wall/", {}),
                "poll 204": (home, HX),
                "wall poll 204": (wall, HX),
                "poll old version": (re.sub(r"poll=\d+", "poll=1", home), HX),
            }
        )
    shape = {}
    for name, (url, kw) in pages.items():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url, **kw)
        shape[name] = (r.status_code, len(ctx.captured_queries), len(r.content))
    cpu, wall_ms = {k: [] for k in pages}, {k: [] for k in pages}
    for _ in range(n):
        for name, (url, kw) in pages.items():
            if "cold" in name:
                cache.delete(live.KEY)
            t, w = time.process_time(), time.perf_counter()
            client.get(url, **kw)
            cpu[name].append((time.process_time() - t) * 1000)
            wall_ms[name].append((time.perf_counter() - w) * 1000)
    bell_cpu, bell_wall = statistics.median(cpu["bell"]), statistics.median(wall_ms["bell"])
    print(
        f"{'page':17} {'status':>6} {'SQL':>4} {'bytes':>7} {'cpu ms':>7} {'× bell':>7} {'wall ms':>8} {'× bell':>7}"
    )
    for name in pages:
        st, q, size = shape[name]
        c, w = statistics.median(cpu[name]), statistics.median(wall_ms[name])
        print(
            f"{name:17} {st:>6} {q:>4} {size:>7} {c:>7.1f} {c / bell_cpu:>7.2f} {w:>8.1f} {w / bell_wall:>7.2f}"
        )


if __name__ == "__main__":
    main()
