"""The one Celery app, and the one beat schedule (CELERY_BEAT_SCHEDULE below is the only place)."""

import os

from celery import Celery
from celery.schedules import crontab  # noqa: F401  (kept for schedules that later issues add)
from celery.signals import beat_init, worker_init, worker_ready

from .startup import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Seconds between the reminders' safety-net dispatches (beat); the ETA dispatches are exact to the second.
REMINDER_DISPATCH_SECONDS = max(2, int(os.environ.get("REMINDER_DISPATCH_SECONDS", "10")))

app = Celery("heating")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    timezone="Asia/Shanghai",
    enable_utc=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # A task is acknowledged only once it has run, so a worker killed mid-task loses nothing;
    # every task must therefore be idempotent (see DESIGN.md: tasks re-check and record what they did).
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    # No task may hang a worker: soft limit raises SoftTimeLimitExceeded inside the task, hard kills it.
    task_soft_time_limit=60,
    task_time_limit=90,
    # Bounded retries everywhere: tasks that retry use autoretry with max_retries from this default.
    task_annotations={"*": {"max_retries": 5}},
    broker_connection_retry_on_startup=True,
    broker_connection_timeout=5,
    worker_hijack_root_logger=False,
    beat_schedule={
        "heartbeat-every-minute": {
            "task": "command.tasks.heartbeat",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
        # Reminders (command/reminders/): plan from the facts, send what is due, retry external sends.
        "reminders-sweep-every-minute": {
            "task": "command.tasks.reminders_sweep",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
        # The safety net of the ETA dispatches (a killed worker's are stuck in the broker for an hour):
        # one indexed query when nothing is due.
        "reminders-dispatch": {
            "task": "command.tasks.reminders_dispatch",
            "schedule": float(REMINDER_DISPATCH_SECONDS),
            "options": {"expires": REMINDER_DISPATCH_SECONDS - 1},
        },
        # API webhooks (api/tasks.py): reminders about a unit's tasks become events; late retries requeued.
        "api-webhooks-sweep-every-minute": {
            "task": "api.tasks.sweep",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
    },
)
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_without_secret_key(**kwargs):
    require_secret_key()


@worker_ready.connect
def _beat_once_on_start(sender, **kwargs):
    """Record a heartbeat as soon as a worker is up, instead of waiting a minute for beat; schedule the
    reminders' ETA dispatches again (those a killed worker held are stuck until the visibility timeout)."""
    sender.app.send_task("command.tasks.heartbeat", kwargs={"source": "worker_ready"})
    sender.app.send_task("command.tasks.reminders_reschedule")
