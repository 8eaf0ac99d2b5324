"""The office's pages (``api.manage``): issue and revoke tokens (the secret shown once), the webhooks of
every unit with their deliveries' outcome, re-send."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgchart.permissions import can

from . import services, webhooks
from .forms import TokenForm
from .models import ApiToken, Delivery, Webhook

SESSION_SECRET = "api_new_token_secret"


def _require(request):
    decision = can(request.user, "api.manage")
    if not decision:
        raise PermissionDenied(decision.reason)


@login_required
def tokens(request):
    _require(request)
    form = TokenForm(request.POST or None)
    # Shown once: kept in the session only between the POST and the page it redirects to (no re-POST
    # on reload, no second token), then dropped.
    secret = request.session.pop(SESSION_SECRET, None) if request.method == "GET" else None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, secret = services.token_issue(
                    actor=request.user,
                    unit=form.cleaned_data["unit"],
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    expires_at=form.expires_at(),
                )
            except ValidationError as e:
                for field, errs in e.error_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
                status = 422
            else:
                request.session[SESSION_SECRET] = secret
                return redirect("api:tokens")
        else:
            status = 422
    rows = ApiToken.objects.select_related("unit", "created_by").order_by("-created_at")[:300]
    return render(request, "api/tokens.html", {"form": form, "tokens": rows, "secret": secret}, status=status)


@login_required
@require_POST
def token_revoke(request, pk):
    _require(request)
    token = services.token_revoke(
        actor=request.user,
        token_id=get_object_or_404(ApiToken, pk=pk).pk,
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, _("已吊销：%(name)s。") % {"name": token.name})
    return redirect("api:tokens")


@login_required
def hooks(request):
    _require(request)
    rows = Webhook.objects.select_related("unit").order_by("unit__order", "id")[:300]
    deliveries = Delivery.objects.select_related("webhook__unit").order_by("-created_at")[:100]
    return render(request, "api/webhooks.html", {"hooks": rows, "deliveries": deliveries})


@login_required
@require_POST
def resend(request, pk):
    _require(request)
    webhooks.redeliver(get_object_or_404(Delivery, pk=pk))
    messages.success(request, _("已重新排队发送。"))
    return redirect("api:webhooks")
