"""Whole pages kept for the dashboard's version, per person (issue 15).

A page that only changes on a write is kept in the cache under the dashboard's version (command/dashboard/live.py:
every write that matters bumps it when its transaction commits), the person, the address asked for, the
language and the person's CSRF secret; so a second look costs the session, the person and one cache read.
What moves with the clock alone (hours without heat, a task turning overdue, the unread-notifications
badge, which the version does not watch) is at most ``seconds`` old; the pages that show such things poll
for them on their own (the recommendation panel, the bell).

Not kept: anything but a plain GET answered 200, a request with messages waiting to be shown (they are
shown once), a browser's first request (it has no CSRF cookie yet, and the forms' tokens come from the
secret it is given with the answer), and everything when the cache cannot be reached or ``DASHBOARD_MEMO`` is off (the tests: their
writes are never committed, so the version would not move).
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import get_language

from . import version as live
from .htmx import wants_partial


def _key(request, version):
    secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    parts = (
        version,
        request.user.pk,
        request.get_full_path(),
        get_language(),
        wants_partial(request),  # a piece of the page, or the page (a history restore too)
        hashlib.sha256(secret.encode()).hexdigest()[:16],
    )
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_page(seconds=30):
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "GET" or not settings.DASHBOARD_MEMO:
                return view(request, *args, **kwargs)
            if len(messages.get_messages(request)):  # shown once: never from a kept copy
                return view(request, *args, **kwargs)
            if not request.COOKIES.get(settings.CSRF_COOKIE_NAME):
                # the page's forms carry tokens of a secret this browser gets with the answer: keep nothing
                return view(request, *args, **kwargs)
            version = live.current()
            if version is None:
                return view(request, *args, **kwargs)
            key = _key(request, version)
            kept = live.get(key)
            if kept is not None:
                content, content_type = kept
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                live.put(key, (response.content, response["Content-Type"]), seconds)
            return response

        return wrapper

    return decorate
