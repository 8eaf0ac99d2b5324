"""Upload limits in Django itself, not only at the proxy: a request body larger than
``MAX_REQUEST_BYTES`` is refused with 413 before anything reads it (the largest legitimate one is a task's
progress with its six files of at most 15 MB each, command/assignments/services.py)."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _


class RequestSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        limit = settings.MAX_REQUEST_BYTES
        if length < 0 or length > limit:
            message = _("提交的内容过大（上限 %(mb)s MB），未保存。请减少或压缩附件后再试。") % {
                "mb": limit // 1048576
            }
            return HttpResponse(
                message + " / Request too large; nothing was saved.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
