"""The checks behind /healthz: database, broker, and the Celery heartbeat that beat sends every minute."""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from command.models import Heartbeat
from config.celery import app


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down", and the message says why
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}
    return {"ok": True, "vendor": connection.vendor}


def check_broker():
    transport = app.conf.broker_url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": str(exc)[:200]}
    return {"ok": True, "transport": transport}


def check_heartbeat():
    try:
        beat = Heartbeat.objects.order_by("-last_seen").first()
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}
    max_age = settings.HEARTBEAT_MAX_AGE_SECONDS
    if beat is None:
        return {"ok": False, "last_seen": None, "age_seconds": None, "max_age_seconds": max_age}
    age = (timezone.now() - beat.last_seen).total_seconds()
    return {
        "ok": age <= max_age,
        "source": beat.source,
        "last_seen": timezone.localtime(beat.last_seen).isoformat(),
        "age_seconds": round(age, 1),
        "max_age_seconds": max_age,
        "worker": beat.hostname,
    }


def health_report():
    report = {"database": check_database(), "broker": check_broker()}
    report["heartbeat"] = (
        check_heartbeat() if report["database"]["ok"] else {"ok": False, "error": "database down"}
    )
    report["ok"] = all(part["ok"] for part in report.values())
    report["time"] = timezone.localtime().isoformat()
    return report
