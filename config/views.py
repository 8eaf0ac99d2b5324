from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report


@require_GET
@never_cache
def healthz(request):
    """JSON for load balancers and the compose healthcheck: 200 when all is well, 503 otherwise."""
    report = health_report()
    return JsonResponse(
        report, status=200 if report["ok"] else 503, json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on their own: send them to the icon in static/ (no 404 in the logs)."""
    return redirect(static("favicon.svg"), permanent=True)


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes calls this when a username/address pair has too many failed logins."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def not_found(request, exception):
    """404. Under /api/ a caller's script gets the API's JSON error (``{"code", "message", "field",
    "errors"}``, as api/errors.py writes them) rather than the HTML page, e.g. for ``/api/v1/tasks//sign/``."""
    if request.path.startswith("/api/"):
        message = _("没有这个接口地址，请核对路径（见 /api/docs/）。")
        error = {"field": None, "code": "not_found", "message": message}
        return JsonResponse(
            {**error, "errors": [error]}, status=404, json_dumps_params={"ensure_ascii": False}
        )
    return defaults.page_not_found(request, exception)
