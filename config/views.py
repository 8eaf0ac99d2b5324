from django.http import JsonResponse
from django.shortcuts import render
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


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes calls this when a username/address pair has too many failed logins."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
