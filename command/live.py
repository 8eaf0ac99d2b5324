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
import time

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

log = logging.getLogger(__name__)
KEY = "dashboard:version"
HEALTH_KEY = "dashboard:health"  # the home page's system status, kept a few seconds (views_dashboard)
WATCHED_APPS = ("incidents", "command", "orgchart")
IGNORED = {"command.heartbeat", "command.reminder", "command.delivery", "command.notification"}
# The cache must keep the version for good: a lost key is set again from the clock (always newer).
TIMEOUT = None


def _fresh():
    return time.time_ns() // 1000  # microseconds: above any number bumped before a flush


def get(key):
    """A cache read that never fails the page: None when the cache cannot be reached (logged)."""
    try:
        return cache.get(key)
    except Exception:  # any backend error: the dashboard reads the database instead
        log.warning("dashboard cache unavailable (get %s)", key, exc_info=True)
        return None


def put(key, value, timeout):
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:  # any backend error
        log.warning("dashboard cache unavailable (set %s)", key, exc_info=True)


def current():
    """The dashboard's version now (an int), or None when the cache cannot be reached (then every poll
    is answered from the database). One cache read."""
    try:
        version = cache.get(KEY)
        if version is None:
            cache.add(KEY, _fresh(), timeout=TIMEOUT)
            version = cache.get(KEY)
        return version
    except Exception:  # any backend error
        log.warning("dashboard cache unavailable (version)", exc_info=True)
        return None


def _incr():
    try:
        cache.incr(KEY)
    except ValueError:  # the key is gone (flushed, or never set): start again from the clock
        cache.set(KEY, _fresh(), timeout=TIMEOUT)


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


def memo(name, parts, compute, *, seconds):
    """``compute()`` kept in the cache for the current version: ``name`` and ``parts`` (plain values, e.g.
    the period and the language) make the key with the version, so any write that matters starts afresh;
    ``seconds`` bounds how stale what the version does not watch may get (reminders, the clock). Without
    a cache, ``compute()`` every time."""
    version = current() if getattr(settings, "DASHBOARD_MEMO", True) else None
    if version is None:
        return compute()
    key = "memo:" + ":".join(str(p) for p in (name, version, *parts))
    value = get(key)
    if value is None:
        value = compute()
        put(key, value, seconds)
    return value
