"""Each page's cost against the cheapest logged-in page (the bell), side by side, over real HTTP.

    .venv/bin/python benchmarks/side_by_side.py --db bench_5k --db bench_25k [--rounds 3] [--n 15]

For each database: gunicorn as in production (3 workers × 4 threads, DEBUG off) on a loopback port; one
client asks, per page, bell / page / bell / page … ``n`` times, in ``rounds`` rounds with the pages
interleaved, and reports each page's median time and its ratio to the bell's median *measured in the same
stretch*, so the machine's load cancels out. Run against a copy of the benchmark data: the pages only read,
but sessions are written (and removed at the end).

Databases are names on the local PostgreSQL (``postgres://postgres@127.0.0.1:5432/<name>``) or URLs.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server

BELL = "/command/notifications/bell/"
_READY = False


def database_url(name):
    return name if "://" in name else f"postgres://postgres@127.0.0.1:5432/{name}"


def targets():
    """The pages to time, chosen from the data: the active incident with the most timeline events, the
    fullest Ⅱ/Ⅰ command page and its task board, the busiest liaison's 我的任务."""
    from django.db.models import Count

    from command.models import Assignment, OnsiteHQ
    from incidents.choices import ACTIVE_STATES
    from incidents.models import Incident

    busiest = (
        Incident.objects.filter(state__in=ACTIVE_STATES)
        .annotate(n=Count("timeline"))
        .order_by("-n", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    hq = (
        OnsiteHQ.objects.filter(incident__state="responding")
        .annotate(n=Count("incident__assignments"))
        .order_by("-n", "-id")
        .values_list("incident_id", flat=True)
        .first()
    )
    hq = hq or busiest
    pages = [
        ("overview /", "director", "/"),
        ("poll, unchanged", "director", "POLL"),
        ("wall /wall/", "director", "/wall/"),
        ("incident page", "director", f"/incidents/{busiest}/"),
        ("command page", "director", f"/command/incidents/{hq}/"),
        ("task board", "director", f"/command/incidents/{hq}/tasks/"),
        ("我的任务 (police)", "police", "/command/tasks/"),
        ("charts (365 days)", "director", "/command/charts/"),
        ("statistics (365 days)", "director", "/command/statistics/"),
    ]
    n_tasks = Assignment.objects.filter(incident_id=hq).count()
    return pages, {"incident": busiest, "hq": hq, "hq_tasks": n_tasks}


def poll_path(port, session):
    """The overview's own poll request for an unchanged dashboard, as a tab would send it: the URL in the
    page's ``#dash-poll`` element (which carries the version the page was rendered at)."""
    status, body, _t = server.get(port, "/", session=session)
    return server.poll_url(body) if status == 200 else None


def time_pages(port, sessions, pages, *, rounds, n, cold=False):
    """{label: {"page": [s…], "bell": [s…], "status": int, "bytes": int}}. ``cold``: the dashboard's version
    is bumped before each page request (as a committed write does), so nothing kept for it is used: the cost
    of the first look after a write."""
    import http.client

    from command.dashboard import live

    conn = http.client.HTTPConnection(server.HOST, port, timeout=120)
    out = {label: {"page": [], "bell": [], "status": None, "bytes": 0} for label, _u, _p in pages}
    htmx = {"HX-Request": "true"}
    for _r in range(rounds):
        for label, user, path in pages:
            session = sessions[user]
            headers = htmx if label.startswith("poll") else None
            server.get(port, path, session=session, headers=headers, conn=conn)  # warm
            for _i in range(n):
                _s, _b, tb = server.get(port, BELL, session=session, headers=htmx, conn=conn)
                if cold:
                    live.bump()  # outside a transaction: at once, as after a commit
                status, body, tp = server.get(port, path, session=session, headers=headers, conn=conn)
                rec = out[label]
                rec["bell"].append(tb)
                rec["page"].append(tp)
                rec["status"], rec["bytes"] = status, len(body)
    conn.close()
    return out


def run_database(name, *, rounds, n, cold=False):
    url = database_url(name)
    global _READY
    if not _READY:
        server.setup_django(url)
        _READY = True
    from django.db import connections

    connections.close_all()  # the next query connects to this database
    connections["default"].settings_dict["NAME"] = url.rsplit("/", 1)[1]
    pages, info = targets()
    from command.dashboard import live

    # The dashboard's version lives in the cache, not in the database: a new one for each database, so
    # nothing kept for another database's data (the shared panels) is read.
    live.bump()
    keys = server.make_sessions(["director", "police"])
    sessions = dict(zip(["director", "police"], keys, strict=True))
    try:
        with server.Server(url) as srv:
            poll = poll_path(srv.port, sessions["director"])
            pages = [
                (label, user, poll if path == "POLL" else path)
                for label, user, path in pages
                if path != "POLL" or poll
            ]
            results = time_pages(srv.port, sessions, pages, rounds=rounds, n=n, cold=cold)
    finally:
        server.drop_sessions(keys)
    return pages, info, results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", action="append", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=15)
    parser.add_argument("--cold", action="store_true", help="bump the version before each page: no kept copy")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores"
        + ("; COLD: the version bumped before each page (first look after a write)" if args.cold else "")
    )
    ratios = {}
    for name in args.db:
        pages, info, results = run_database(name, rounds=args.rounds, n=args.n, cold=args.cold)
        print(
            f"\n## {name}  (incident page: #{info['incident']}; command page and board: #{info['hq']}, "
            f"{info['hq_tasks']} tasks)"
        )
        print(f"{'page':<24}{'status':>7}{'KB':>8}{'median ms':>11}{'bell ms':>9}{'ratio':>7}")
        for label, _user, path in pages:
            rec = results[label]
            page_ms = statistics.median(rec["page"]) * 1000
            bell_ms = statistics.median(rec["bell"]) * 1000
            ratio = page_ms / bell_ms
            ratios.setdefault(label, {})[name] = ratio
            print(
                f"{label:<24}{rec['status']:>7}{rec['bytes'] / 1024:>8.1f}{page_ms:>11.1f}{bell_ms:>9.1f}"
                f"{ratio:>6.1f}×   {path}"
            )
    if len(args.db) > 1:
        first, last = args.db[0], args.db[-1]
        print(f"\nratio at {last} ÷ ratio at {first} (flat in the history's size: ≤ 1.3)")
        for label, by_db in ratios.items():
            if first in by_db and last in by_db:
                print(f"{label:<24}{by_db[last] / by_db[first]:>6.2f}")
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
