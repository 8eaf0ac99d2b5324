"""The documents' Celery task (issue 15): render one stored document on a worker.

Routed to the default queue (``CELERY_TASK_DEFAULT_QUEUE``): renders are rare and short next to a
response's life, and one queue keeps ``make run`` and docker-compose to one worker. Acknowledged late
(config/celery.py): a worker killed mid-render leaves the message to be delivered again, and the render
runs again for the same job (idempotent: the same number, the file replaced). No automatic retry: a
failure is shown on the page with a 重试 button.
"""

from celery import shared_task

from . import conf
from .stored import RENDER_TASK, perform


@shared_task(
    name=RENDER_TASK,
    acks_late=True,
    max_retries=0,
    ignore_result=True,
    soft_time_limit=conf.RENDER_SOFT_LIMIT,
    time_limit=conf.RENDER_HARD_LIMIT,
)
def render_document(stored_id, job):
    return perform(stored_id, job)
