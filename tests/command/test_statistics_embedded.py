"""The charts and statistics in the embedded mode of ``make run`` (SQLite, issue 15): no percentile
aggregates there, so the figures come from the fallback; the pages and exports answer, with figures."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

SCRIPT = r"""
import json
from datetime import date
from django.contrib.auth import get_user_model
from django.test import Client
from command.dashboard import stats, stats_sql, stats_times

assert not stats_sql.in_sql()
start, end = stats.period(date(2025, 10, 1), date(2026, 1, 15))
out = {
    "intervals": stats_times.response_intervals(start, end)["intervals"],
    "months": stats_times.response_stats(start, end)["to_assessment_min"]["months"],
    "signing": stats_times.sign_for_speed(start, end)["all"],
    "levels": stats.levels_used(start, end)["responded"],
    "grades": sum(g["n"] for g in stats.grades(start, end)["grades"]),
    "loss": str(sum(g["direct_loss_yuan"] for g in stats.grades(start, end)["grades"])),
    "years": stats.incident_counts(start, end)["years"],
}
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(username="office"))
query = "?from=2025-10-01&to=2026-01-15"
out["status"] = [
    client.get(url + query).status_code
    for url in ("/command/charts/", "/command/statistics/", "/command/statistics/export.csv",
                "/command/statistics/export.xlsx")
]
print("RESULT " + json.dumps(out, default=str, ensure_ascii=False))
"""


def _manage(env, *args):
    out = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_the_charts_and_statistics_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY="embedded-statistics-test",
        HTTPS="0",
        WHITENOISE_USE_FINDERS="1",
        STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    _manage(env, "migrate", "-v0")
    _manage(env, "load_plan", "--demo")
    _manage(
        env,
        "generate_winter",
        "--past=150",
        "--active=6",
        "--tasks=120",
        "--events=1500",
        "--now=2026-01-15T12:00:00+08:00",
    )
    printed = _manage(env, "shell", "-c", SCRIPT)
    result = json.loads(printed.split("RESULT ", 1)[1])
    assert result["status"] == [200, 200, 200, 200]
    times = {t["key"]: t for t in result["intervals"]}
    assert times["report_to_assessment"]["count"] and times["report_to_assessment"]["median"] is not None
    assert times["outage"]["count"] and times["outage"]["max"] >= times["outage"]["median"]
    assert sum(n for _m, _median, n in result["months"]) == times["report_to_assessment"]["count"]
    assert result["signing"]["total"] and result["signing"]["median"] is not None
    assert result["levels"] and sum(y["n"] for y in result["years"])
    assert result["loss"].endswith(".00") or "." not in result["loss"]  # exact 分, no float residue
