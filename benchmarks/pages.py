"""Time the pages in-process (Django test client: view + template, no network) and count their SQL.

    DATABASE_URL=postgres://... SECRET_KEY=x HTTPS=0 .venv/bin/python benchmarks/pages.py [--n 30] [--user office]

Needs the plan and demo data in that database (`manage.py migrate && manage.py load_plan --demo`).
Prints median and p95 milliseconds per page. A benchmark, not a test: the suite asserts query counts,
never times.
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
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PAGES = [
    "/",
    "/org/",
    "/org/units/public_security/",
    "/org/units/heating_companies/",
    "/org/groups/logistics/",
    "/org/groups/experts/",
    "/org/duty/",
    "/org/search/?q=公安",
    "/org/contacts/",
    "/org/authority/",
    "/org/changes/",
    "/org/duty/2026-12/edit/",
    "/incidents/",
    "/incidents/new/",
    "/healthz",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--user", default="office")
    args = parser.parse_args()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=args.user))
    from incidents.models import Incident

    latest = Incident.objects.order_by("-id").first()
    if latest:
        PAGES.insert(-1, f"/incidents/{latest.pk}/")
    from command.models import OnsiteHQ

    hq = OnsiteHQ.objects.order_by("-id").first()  # the latest incident at Ⅱ/Ⅰ: the fullest command page
    PAGES[-1:-1] = ["/command/", "/command/notifications/"]
    PAGES[-1:-1] = ["/command/tasks/"]
    if hq:
        from command.models import Assignment

        task = Assignment.objects.filter(incident_id=hq.incident_id, unit__code="public_security").first()
        PAGES[-1:-1] = [
            f"/command/incidents/{hq.incident_id}/",
            f"/command/incidents/{hq.incident_id}/?part=board",
            f"/command/incidents/{hq.incident_id}/tasks/",
            f"/command/incidents/{hq.incident_id}/end/",
        ] + ([f"/command/tasks/{task.pk}/"] if task else [])
    # The dashboard's other pages, and issue 9's: the fullest aftermath page and the measures list.
    PAGES[-1:-1] = ["/wall/", "/command/charts/", "/aftermath/measures/"]
    from aftermath.models import Revision

    rev = Revision.objects.order_by("-id").first()
    after = Incident.objects.filter(state__in=("aftermath", "archived")).order_by("-id").first()
    target = rev.record.incident_id if rev else (after.pk if after else None)
    if target:
        PAGES.insert(-1, f"/aftermath/incidents/{target}/")
    print(f"{'page':<34}{'status':>7}{'queries':>9}{'median ms':>11}{'p95 ms':>9}")
    for url in PAGES:
        client.get(url)  # warm up
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(url).status_code
        queries = len(ctx.captured_queries)  # read now: later requests reset the query log
        times = []
        for _ in range(args.n):
            t = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{url:<34}{status:>7}{queries:>9}{statistics.median(times):>11.1f}{p95:>9.1f}")


if __name__ == "__main__":
    main()
