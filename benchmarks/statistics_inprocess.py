"""Time the charts and the statistics (and their exports) side by side with the bell, in-process.

    DATABASE_URL=postgres://.../a_copy_of_bench_25k SECRET_KEY=x HTTPS=0 \\
    STATICFILES_STORAGE=django.contrib.staticfiles.storage.StaticFilesStorage \\
    .venv/bin/python benchmarks/statistics_inprocess.py [--n 11] [--user office] [--profile URL]

Django's test client (view + template, no network), logged in; each page warmed up once, its queries
counted, then ``--n`` interleaved rounds over all the pages; prints the median milliseconds and the ratio
to the bell (``/command/notifications/bell/``, the cheapest logged-in page), and the machine's load.
``--profile URL`` prints a cProfile of one request instead. A benchmark, not a test (issue 15).
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

BELL = "/command/notifications/bell/"
PAGES = [
    BELL,
    "/command/charts/",
    "/command/statistics/",
    "/command/statistics/export.xlsx",
    "/command/statistics/export.csv",
]


def profile(client, url):
    import cProfile
    import pstats

    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=11)
    parser.add_argument("--user", default="office")
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=args.user))
    if args.profile:
        return profile(client, args.profile)
    queries = {}
    for url in PAGES:
        client.get(url)  # warm up
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(url).status_code
        queries[url] = (status, len(ctx.captured_queries))
    times = {url: [] for url in PAGES}
    for _round in range(args.n):
        for url in PAGES:
            start = time.perf_counter()
            client.get(url)
            times[url].append((time.perf_counter() - start) * 1000)
    bell = statistics.median(times[BELL])
    print(f"{'page':<36}{'status':>7}{'queries':>9}{'median ms':>11}{'× bell':>8}")
    for url in PAGES:
        median = statistics.median(times[url])
        status, n = queries[url]
        print(f"{url:<36}{status:>7}{n:>9}{median:>11.1f}{median / bell:>8.1f}")
    print("load average:", Path("/proc/loadavg").read_text().strip())


if __name__ == "__main__":
    main()
