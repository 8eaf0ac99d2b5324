"""A winter night with the whole city watching: N tabs of the overview polling for changes.

    .venv/bin/python benchmarks/load_poll.py --db bench_25k [--tabs 200] [--interval 10] [--seconds 60]

gunicorn as in production (3 workers × 4 threads, DEBUG off) on a loopback port. Each tab is a logged-in
session (the demo users in turn) with its own keep-alive connection. First every tab loads the overview
(spread over one interval, reported apart), then, for ``seconds``, each tab sends the page's one poll
request every ``interval`` seconds, starting at a random offset, exactly as the page's script does, and
follows the version it is given. ``--change-every S`` makes a real change every S seconds (a 续报 note on
an active incident through the same service the page uses), so some polls find a change and render the
changed panels. Reports p50/p95/p99/max latency, status counts and errors. Bounded: it stops by itself
after ``seconds`` plus one interval and removes its sessions; the 续报 notes it adds ("【压测】") stay on the
timeline, which is append-only by design, so run it on a copy of the benchmark data. Loopback only.
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server

# The command roles, whose home page is the overview (a member unit lands on 我的任务).
USERS = ["director", "office", "commander", "general"]


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


class Tab(threading.Thread):
    def __init__(self, port, session, start_at, stop_at, interval, results, lock):
        super().__init__(daemon=True)
        self.port, self.session = port, session
        self.start_at, self.stop_at, self.interval = start_at, stop_at, interval
        self.results, self.lock = results, lock
        self.poll_url = None

    def run(self):
        import http.client

        conn = http.client.HTTPConnection(server.HOST, self.port, timeout=30)
        try:
            status, body, t = server.get(self.port, "/", session=self.session, conn=conn)
            self.record("page", status, t)
            self.poll_url = server.poll_url(body)
            if not self.poll_url:
                self.record("page", "no #dash-poll", 0)
                return
            next_at = self.start_at
            while next_at < self.stop_at:
                time.sleep(max(0.0, next_at - time.monotonic()))
                conn = self.poll(conn)
                next_at += self.interval
        finally:
            conn.close()

    def poll(self, conn):
        """One poll, as a browser sends it: gunicorn closes a keep-alive connection idle for more than
        its keep-alive time (2 s), so a browser opens a new one and sends again; so does this, once. The
        time recorded is the request that answered. Returns the connection to use next."""
        import http.client

        for attempt in (1, 2):
            try:
                status, body, t = server.get(
                    self.port, self.poll_url, session=self.session, headers={"HX-Request": "true"}, conn=conn
                )
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                conn = http.client.HTTPConnection(server.HOST, self.port, timeout=30)
                if attempt == 2:
                    self.record("poll", type(exc).__name__, 0)
                continue
            except OSError as exc:  # a time-out or a refused connection: an error
                conn.close()
                self.record("poll", type(exc).__name__, 0)
                return http.client.HTTPConnection(server.HOST, self.port, timeout=30)
            self.record("poll", status, t)
            if status == 200:
                self.poll_url = server.poll_url(body) or self.poll_url
            return conn
        return conn

    def record(self, kind, status, seconds):
        with self.lock:
            self.results.append((kind, status, seconds))


def changer(every, stop_at, done):
    """One real change every ``every`` seconds until ``stop_at``: a 续报 with a note on an active incident."""
    from django.contrib.auth import get_user_model

    from incidents import services
    from incidents.models import Incident

    office = get_user_model().objects.get(username="office")
    targets = list(
        Incident.objects.filter(state="responding", is_drill=False).values_list("pk", flat=True)[:20]
    )
    while time.monotonic() + every < stop_at and targets:
        time.sleep(every)
        pk = random.choice(targets)
        services.follow_up_add(actor=office, incident_id=pk, note="【压测】负载测试续报", data={})
        done.append(pk)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="database name on the local PostgreSQL, or a URL")
    parser.add_argument("--tabs", type=int, default=200)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--change-every", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = args.db if "://" in args.db else f"postgres://postgres@127.0.0.1:5432/{args.db}"
    server.setup_django(url)
    random.seed(args.seed)
    sessions = server.make_sessions([USERS[i % len(USERS)] for i in range(args.tabs)])
    results, lock = [], threading.Lock()
    load0 = os.getloadavg()
    try:
        with server.Server(url) as srv:
            begin = time.monotonic() + args.interval  # the pages load during the first interval
            stop_at = begin + args.seconds
            tabs = [
                Tab(
                    srv.port,
                    key,
                    begin + random.uniform(0, args.interval),
                    stop_at,
                    args.interval,
                    results,
                    lock,
                )
                for key in sessions
            ]
            for i, tab in enumerate(tabs):
                tab.start()
                time.sleep(args.interval / args.tabs / 2 if i < args.tabs - 1 else 0)
            made = []  # incidents the changer wrote to
            if args.change_every:
                writer = threading.Thread(
                    target=changer, args=(args.change_every, stop_at, made), daemon=True
                )
                writer.start()
            for tab in tabs:
                tab.join(timeout=max(1.0, stop_at - time.monotonic() + args.interval + 30))
            alive = sum(t.is_alive() for t in tabs)
    finally:
        server.drop_sessions(sessions)
    report(args, results, alive, load0)


def report(args, results, alive, load0):
    load1 = os.getloadavg()
    print(
        f"{args.tabs} tabs, one poll each per {args.interval:g} s for {args.seconds:g} s"
        f"{f', a change every {args.change_every:g} s' if args.change_every else ''}; "
        f"load average {load0[0]:.2f} → {load1[0]:.2f} on {os.cpu_count()} cores"
    )
    for kind in ("page", "poll"):
        rows = [(s, t) for k, s, t in results if k == kind]
        times = [t * 1000 for s, t in rows if isinstance(s, int) and s < 500]
        statuses = Counter(s for s, _t in rows)
        errors = sum(n for s, n in statuses.items() if not (isinstance(s, int) and s < 500))
        print(f"{kind}: {len(rows)} requests, statuses {dict(statuses)}, errors {errors}")
        if times:
            print(
                f"  ms: p50 {statistics.median(times):.1f}  p95 {percentile(times, 95):.1f}  "
                f"p99 {percentile(times, 99):.1f}  max {max(times):.1f}"
            )
    if alive:
        print(f"{alive} tabs still running at the end (counted as errors)")


if __name__ == "__main__":
    main()
