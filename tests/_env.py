"""Environment defaults for the test suite, loaded as a pytest plugin (`-p tests._env` in pyproject)

`make test` sets DATABASE_URL / REDIS_URL itself; these defaults let `pytest tests/...` work too.
Tests run on PostgreSQL and Redis, never on the embedded SQLite/filesystem mode (which has its own
smoke test that starts the real processes).

Under pytest-xdist (``-n 2``) each worker process (``PYTEST_XDIST_WORKER`` = gw0, gw1 …) gets its own Redis
database: REDIS_URL's number plus the worker's index (…/0 → gw0 on 0, gw1 on 1), set here before Django's
settings are read, so its cache, the Celery broker and the real workers it starts never meet another's.
pytest-django gives each its own PostgreSQL test database (``test_<name>_gw0`` …); live servers, webhook
receivers and the embedded-mode runs take free ports and the test's own ``tmp_path``."""

import os
import re

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/heating")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")


def worker_redis_url(url, worker):
    """``url`` with its database number moved up by the xdist worker's index (``gw1`` → +1)."""
    index = int(worker.removeprefix("gw"))
    match = re.fullmatch(r"(?P<base>[^?#]*?)(?:/(?P<db>\d*))?(?P<rest>[?#].*)?", url)
    db = int(match["db"] or 0) + index
    return f"{match['base']}/{db}{match['rest'] or ''}"


if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["REDIS_URL"] = worker_redis_url(os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"])
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("CELERY_QUEUE", f"heating-test-{os.getpid()}")
# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tests do not need hashed static files; finders serve them straight from static/.
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")
os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
