"""The dashboard's version (issue 15), read side: one number in Django's cache that every write that matters
bumps when its transaction commits (command/dashboard/live.py connects the writes). Low in the house so that any app
may keep what it computed for the current version (``memo``) or a whole page (config/pagecache.py).

The cache is Redis when REDIS_URL is set, files under var/ in the embedded mode (config/settings.py): the
web processes and the Celery worker see the same number.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)
KEY = "dashboard:version"
# The cache must keep the version for good: a lost key is set again from the clock (always newer).
TIMEOUT = None


def fresh():
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
            cache.add(KEY, fresh(), timeout=TIMEOUT)
            version = cache.get(KEY)
        return version
    except Exception:  # any backend error
        log.warning("dashboard cache unavailable (version)", exc_info=True)
        return None


def memo(name, parts, compute, *, seconds):
    """``compute()`` kept in the cache for the current version: ``name`` and ``parts`` (plain values, e.g.
    the period and the language) make the key with the version, so any write that matters starts afresh;
    ``seconds`` bounds how stale what the version does not watch may get (reminders, the clock). Without
    a cache, ``compute()`` every time."""
    version = current() if settings.DASHBOARD_MEMO else None
    if version is None:
        return compute()
    key = "memo:" + ":".join(str(p) for p in (name, version, *parts))
    value = get(key)
    if value is None:
        value = compute()
        put(key, value, seconds)
    return value
