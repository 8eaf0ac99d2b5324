"""The dashboard's version (issue 15): one number in Django's cache that every write that matters bumps
when its transaction commits, so that a poll of the overview or the wall answers "nothing changed" without
reading the database.

- ``current()`` reads it (one cache read; no SQL). A missing key (a flushed cache, a first start) is set
  from the clock, so it never falls back to a value a tab already holds.
- ``bump()`` adds one after the commit (``transaction.on_commit``): a rolled-back write bumps nothing, and
  a transaction bumps once however many rows it writes.
- ``connect()`` (from ``CommandConfig.ready``) bumps on ``post_save`` / ``post_delete`` of every model of
  the apps the dashboard shows (incidents, command, orgchart), except the noisy ones it never shows
  (heartbeats, reminders and their deliveries, notifications). Writes made with ``bulk_create`` or
  ``update()`` in those apps also write a timeline event or a saved row in the same transaction.

The cache is Redis when REDIS_URL is set, files under var/ in the embedded mode (config/settings.py):
the web processes and the Celery worker see the same number.
"""

import logging

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from config.version import KEY, TIMEOUT, current, fresh, get, memo, put  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)
HEALTH_KEY = "dashboard:health"  # the home page's system status, kept a few seconds (dashboard/views.py)
WATCHED_APPS = ("incidents", "command", "orgchart", "aftermath")  # aftermath: pages kept per version show it
IGNORED = {"command.heartbeat", "command.reminder", "command.delivery", "command.notification"}


def _incr():
    try:
        cache.incr(KEY)
    except ValueError:  # the key is gone (flushed, or never set): start again from the clock
        cache.set(KEY, fresh(), timeout=TIMEOUT)


def _bump_now():
    """After the commit: a cache that cannot be reached must not turn a saved write into an error."""
    try:
        _incr()
    except Exception:  # any backend error
        log.warning("dashboard version not bumped: cache unavailable", exc_info=True)


def bump(using=None):
    """Add one to the version when the current transaction commits (at once outside a transaction)."""
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        level = set(connection.savepoint_ids)
        if any(sids == level and func is _bump_now for sids, func, *_robust in connection.run_on_commit):
            return  # already due when this (sub)transaction commits
    transaction.on_commit(_bump_now, using=using)


def _changed(sender, using=None, **kwargs):
    bump(using)


def connect():
    for label in WATCHED_APPS:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.label_lower
            if name in IGNORED:
                continue
            post_save.connect(_changed, sender=model, dispatch_uid=f"live.{name}.save")
            post_delete.connect(_changed, sender=model, dispatch_uid=f"live.{name}.delete")
