"""Time the incident page, the command page, the task board and 我的任务 in-process (Django test client:
view and template, no network), interleaved request by request with the cheapest logged-in page, the bell
(/command/notifications/bell/), and print each page's median, its ratio to the bell's, its SQL count and
its size (issue 15). The incident is the one with the most timeline events, the board's the one with the
most tasks.

    DATABASE_URL=postgres://.../<a copy of bench_5k> SECRET_KEY=x HTTPS=0 \
        .venv/bin/python benchmarks/incident_pages.py [--n 10] [--rounds 3] [--profile board]

Needs collected static files (manage.py collectstatic) when DEBUG is off. A benchmark, not a test: the
suite asserts query counts, never times. --profile <page> prints a cProfile of that page instead.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def pages():
    from command.models import Assignment
    from incidents.models import TimelineEvent

    most_events = (
        TimelineEvent.objects.values("incident_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["incident_id"]
    )
    most_tasks = (
        Assignment.objects.values("incident_id").annotate(n=Count("id")).order_by("-n").first()["incident_id"]
    )
    return [
        ("bell", "/command/notifications/bell/"),
        ("incident", f"/incidents/{most_events}/"),
        ("command", f"/command/incidents/{most_tasks}/"),
        ("board", f"/command/incidents/{most_tasks}/tasks/"),
        ("my_tasks", "/command/tasks/"),
        ("my_tasks_police", "/command/tasks/", "police"),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--user", default="office")
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    users = {}

    def client_for(username):
        if username not in users:
            c = Client(HTTP_HOST="127.0.0.1")
            c.force_login(get_user_model().objects.get(username=username))
            users[username] = c
        return users[username]

    rows = [(p[0], p[1], p[2] if len(p) > 2 else args.user) for p in pages()]
    if args.profile:
        import cProfile
        import pstats

        name, url, user = next(r for r in rows if r[0] == args.profile)
        c = client_for(user)
        c.get(url)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.n):
            c.get(url)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        return
    info = {}
    for name, url, user in rows:
        c = client_for(user)
        c.get(url)
        with CaptureQueriesContext(connection) as ctx:
            r = c.get(url)
        info[name] = (r.status_code, len(ctx.captured_queries), len(r.content))
    times = {name: [] for name, _u, _us in rows}
    for _ in range(args.rounds * args.n):  # one request per page in turn: a load spike hits them all
        for name, url, user in rows:
            c = client_for(user)
            t = time.perf_counter()
            c.get(url)
            times[name].append((time.perf_counter() - t) * 1000)
    bell = statistics.median(times["bell"])
    print(f"load: {os.getloadavg()}")
    print(f"{'page':<16}{'url':<34}{'status':>7}{'SQL':>5}{'KB':>7}{'median ms':>11}{'ratio':>7}")
    for name, url, _user in rows:
        status, queries, size = info[name]
        med = statistics.median(times[name])
        print(f"{name:<16}{url:<34}{status:>7}{queries:>5}{size / 1024:>7.1f}{med:>11.1f}{med / bell:>7.1f}")


if __name__ == "__main__":
    main()
