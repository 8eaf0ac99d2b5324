"""Errors as JSON: ``{"code", "message", "field", "errors": [{"field", "code", "message"}]}``.

Messages are the web forms' own (Chinese; English with ``Accept-Language: en``), codes are the forms'
error codes (``required``, ``negative``, ``future``, ``order`` …) or the API's (``not_found``,
``permission_denied``, ``conflict`` …); ``field`` names the request field (``null``: the request as a whole).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler


class ApiError(exceptions.APIException):
    """An error with its list of field errors already made."""

    def __init__(self, errors, *, status_code=400, code="invalid"):
        self.status_code = status_code
        self.errors = errors
        self.code = code
        super().__init__(errors[0]["message"] if errors else code)


def error(field, code, message):
    return {"field": field, "code": code or "invalid", "message": str(message)}


def body(code, errors):
    first = errors[0] if errors else {"field": None, "message": ""}
    return {"code": code, "message": first["message"], "field": first["field"], "errors": errors}


def from_form(form, prefix="", field_map=None):
    """The form's errors, field by field, with their codes."""
    field_map = field_map or {}
    out = []
    for name, errs in form.errors.as_data().items():
        field = None if name == "__all__" else prefix + field_map.get(name, name)
        for e in errs:
            for message in e.messages:
                out.append(error(field, e.code, message))
    return out


def from_django(exc, field_map=None):
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        return [
            error(None if n == "__all__" else field_map.get(n, n), e.code, m)
            for n, errs in exc.error_dict.items()
            for e in errs
            for m in e.messages
        ]
    return [error(None, getattr(e, "code", None), m) for e in exc.error_list for m in e.messages]


def _flatten(detail, field=None):
    if isinstance(detail, dict):
        return [x for k, v in detail.items() for x in _flatten(v, k if field is None else f"{field}.{k}")]
    if isinstance(detail, list):
        out = []
        for i, v in enumerate(detail):
            sub = f"{field}[{i}]" if isinstance(v, dict) and field else field
            out += _flatten(v, sub)
        return out
    name = None if field in (None, "non_field_errors") else field
    return [error(name, getattr(detail, "code", "invalid"), detail)]


CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.Throttled: "throttled",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "parse_error",
    exceptions.NotAcceptable: "not_acceptable",
}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = ApiError(from_django(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or _("没有找到。"))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or _("您无权进行此项操作。"))
    if isinstance(exc, ApiError):
        response = Response(body(exc.code, exc.errors), status=exc.status_code)
        return response
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = body("invalid", _flatten(exc.detail))
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    code = next((c for k, c in CODES.items() if isinstance(exc, k)), "error")
    response.data = body(code, [error(None, code, exc.detail)])
    return response
