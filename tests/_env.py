"""Environment defaults for the test suite, loaded as a pytest plugin (`-p tests._env` in pyproject)

`make test` sets DATABASE_URL / REDIS_URL itself; these defaults let `pytest tests/...` work too.
Tests run on PostgreSQL and Redis, never on the embedded SQLite/filesystem mode (which has its own
smoke test that starts the real processes)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/heating")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("CELERY_QUEUE", f"heating-test-{os.getpid()}")
# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tests do not need hashed static files; finders serve them straight from static/.
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")
os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
