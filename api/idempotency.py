"""``Idempotency-Key``: a retried POST gets the first answer back; the same key with another request is
refused (422 ``idempotency_key_reused``); a retry while the first is still running gets 409.

The record is claimed first (its own short transaction: the unique key makes a concurrent twin fail),
then the work and the stored answer commit together, so a crash in between leaves nothing done and the
claim is taken over after ``ABANDONED_AFTER``."""

import functools
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .errors import ApiError, error
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY = 200
ABANDONED_AFTER = timedelta(minutes=5)


def fingerprint(request):
    h = hashlib.sha256()
    h.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    data = {k: v for k, v in request.data.items() if k != "files"} if hasattr(request.data, "items") else None
    h.update(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode())
    for f in request.FILES.getlist("files") if hasattr(request, "FILES") else []:
        h.update(f.name.encode())
        for chunk in f.chunks():
            h.update(chunk)
        f.seek(0)
    return h.hexdigest()


def _claim(request, key, fp):
    now = timezone.now()
    token = request.auth
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                token=token, key=key, method=request.method, path=request.path[:300], fingerprint=fp
            ), None
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(token=token, key=key)
    if record.fingerprint != fp:
        raise ApiError(
            [
                error(
                    None, "idempotency_key_reused", _("同一个 Idempotency-Key 已用于另一个请求，请换一个键。")
                )
            ],
            status_code=422,
            code="idempotency_key_reused",
        )
    if record.status is not None:
        return None, record
    if record.created_at > now - ABANDONED_AFTER:
        raise ApiError(
            [error(None, "in_progress", _("相同的请求正在处理，请稍后重试。"))],
            status_code=409,
            code="in_progress",
        )
    IdempotencyRecord.objects.filter(pk=record.pk, status__isnull=True).update(created_at=now)
    return record, None


def idempotent(view_method):
    """For a POST view method: honour the ``Idempotency-Key`` header when there is one."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY or not key.isprintable():
            message = _("Idempotency-Key 须为 1–200 个可打印字符。")
            raise ApiError([error(None, "invalid_idempotency_key", message)], code="invalid_idempotency_key")
        record, done = _claim(request, key, fingerprint(request))
        if done is not None:
            response = Response(done.body, status=done.status)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            with transaction.atomic():
                try:
                    response = view_method(self, request, *args, **kwargs)
                except Exception as exc:
                    response = self.handle_exception(exc)
                if response.status_code >= 500:
                    raise _ServerError(response)
                IdempotencyRecord.objects.filter(pk=record.pk).update(
                    status=response.status_code, body=response.data
                )
        except _ServerError as e:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return e.response
        except Exception:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        return response

    return wrapper


class _ServerError(Exception):
    def __init__(self, response):
        super().__init__("server error")
        self.response = response
