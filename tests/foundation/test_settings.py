"""Settings come from the environment, with safe production defaults."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if k
    not in {
        "DEBUG",
        "HTTPS",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "STATICFILES_STORAGE",
        "WHITENOISE_USE_FINDERS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
}


def run_manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**CLEAN, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_when_configured_for_production():
    out = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x9!" * 20 + "production-secret-key-for-the-check",
        ALLOWED_HOSTS="heating.example.gov.cn",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_production_refuses_to_serve_without_a_secret_key():
    out = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=CLEAN,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "SECRET_KEY 未设置" in out.stderr
    # Management commands (migrations, checks) still work, and check --deploy flags the key.
    assert run_manage("makemigrations", "--check", "--dry-run").returncode == 0
    deploy = run_manage("check", "--deploy", ALLOWED_HOSTS="heating.example.gov.cn")
    assert "security.W009" in deploy.stderr + deploy.stdout


def test_debug_is_off_unless_asked():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "k" * 50},
    )
    assert out.stdout.split() == ["False", "True", "True"], out.stderr


def test_the_default_cache_is_shared_between_processes(settings):
    """The dashboard's version and the pages kept for it live in the default cache: it must be one that
    the web workers and the Celery worker share (Redis, or files in the embedded mode), never per process."""
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend in (
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.filebased.FileBasedCache",
    ), backend
