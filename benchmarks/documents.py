"""Time the documents pages in-process (Django test client: view + template, no network) and count SQL.

    DATABASE_URL=postgres://... SECRET_KEY=x HTTPS=0 .venv/bin/python benchmarks/documents.py [--n 20]

Takes the incident with the longest timeline (or ``--incident PK``) and times, as the office:
- the documents list ``/documents/incidents/<pk>/``;
- the download of its incident record PDF (应急处置记录). With stored documents (issue 15) the file is
  rendered once first (the Celery task, run in this process) and the download streams it; the status
  partial the page polls is timed too. Without them (before issue 15) the download renders in the
  request, timed ``--n-render`` times.
Prints median and p95 milliseconds (wall), the median CPU time of this process (less sensitive to the
machine's load), and the SQL count of each. A benchmark, not a test.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(os.environ.get("BENCH_ROOT", Path(__file__).resolve().parent.parent))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from incidents.models import Incident  # noqa: E402


def timed(client, url, n):
    times, cpu, size, queries, status = [], [], 0, 0, None
    for _ in range(n):
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        size, queries, status = len(body), len(ctx.captured_queries), response.status_code
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "cpu": statistics.median(cpu),
        "median": statistics.median(times),
        "p95": p95,
        "n": n,
        "bytes": size,
        "sql": queries,
        "status": status,
    }


def show(label, r):
    print(
        f"{label:<34} median {r['median']:9.1f} ms   p95 {r['p95']:9.1f} ms   CPU {r['cpu']:8.1f} ms   n={r['n']:<3}"
        f" SQL {r['sql']:<3} HTTP {r['status']}  {r['bytes']:,} bytes"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--n-render", type=int, default=3)
    parser.add_argument("--incident", type=int)
    parser.add_argument("--user", default="office")
    args = parser.parse_args()
    if args.incident:
        incident = Incident.objects.get(pk=args.incident)
    else:
        incident = Incident.objects.annotate(n=Count("timeline")).order_by("-n", "-id").first()
    events = incident.timeline.count()
    print(f"incident {incident.pk} {incident.ref}: {events} timeline events; load {os.getloadavg()}")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=args.user))
    base = f"/documents/incidents/{incident.pk}/"
    client.get(base)  # warm up (templates, translations)
    show("bell (the cheapest page)", timed(client, "/command/notifications/bell/", args.n))
    show("documents list", timed(client, base, args.n))
    try:
        from documents import stored
    except ImportError:
        stored = None
    record = f"{base}record/pdf/"
    if stored is None:
        show("record PDF (rendered in request)", timed(client, record, args.n_render))
        return
    from documents.tasks import render_document

    start = time.perf_counter()
    row, _current = stored.request(incident.pk, "record", None, "pdf")
    if row.job and not stored.servable(row, stored.fingerprint(incident.pk, "record")):
        render_document.apply(args=(row.pk, str(row.job)))
    print(f"render on the worker (once, in this process): {(time.perf_counter() - start) * 1000:.0f} ms")
    show("record PDF (stored, streamed)", timed(client, record, args.n))
    show("status partial", timed(client, f"{base}record/pdf/status/", args.n))


if __name__ == "__main__":
    main()
