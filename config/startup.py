"""Refuse to serve with the placeholder secret key (unless DEBUG): called by wsgi, asgi and Celery."""

from django.core.exceptions import ImproperlyConfigured


def require_secret_key():
    from django.conf import settings

    if settings.SECRET_KEY == settings.INSECURE_PLACEHOLDER_KEY and not settings.DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY 未设置。请设置环境变量 SECRET_KEY（生产环境必需）。 / SECRET_KEY is not set."
        )
