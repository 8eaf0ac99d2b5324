"""Refuse to serve with a key anybody knows (unless DEBUG): called by wsgi, asgi and Celery.

Known keys: the placeholder used when SECRET_KEY is unset, and the example in ``.env.example`` (a copied
.env whose key was never changed would sign every session with a published key)."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def example_keys():
    """The SECRET_KEY values written in .env.example."""
    try:
        lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    except OSError:
        return set()
    return {line.split("=", 1)[1].strip() for line in lines if line.startswith("SECRET_KEY=")}


def require_secret_key():
    if settings.DEBUG:
        return
    if settings.SECRET_KEY == settings.INSECURE_PLACEHOLDER_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY 未设置。请设置环境变量 SECRET_KEY（生产环境必需）。 / SECRET_KEY is not set."
        )
    if settings.SECRET_KEY in example_keys() | {"change-me-to-a-long-random-string"}:
        raise ImproperlyConfigured(
            "SECRET_KEY 仍是 .env.example 中的示例值，拒绝启动。请改为一个长的随机字符串"
            "（python -c 'import secrets; print(secrets.token_urlsafe(50))'）。"
            " / SECRET_KEY is still the example from .env.example: refusing to start."
        )
