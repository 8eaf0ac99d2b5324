"""The office director's page of login lockouts (issue 16): see who is locked out, unlock one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import accounts
from .permissions import RULES, require


@login_required
def lockouts(request):
    require(request.user, "account.unlock")
    return render(
        request,
        "orgchart/lockouts.html",
        {"attempts": accounts.locked_out(), "rule": RULES["account.unlock"]},
    )


@require_POST
@login_required
def unlock(request):
    require(request.user, "account.unlock")
    raw = request.POST.get("attempt", "")
    if not raw.isdigit():
        messages.error(request, _("请求不完整：缺少要解除的锁定记录。"))
        return redirect("orgchart:lockouts")
    try:
        username, address = accounts.unlock(actor=request.user, attempt_id=int(raw))
    except ValidationError as e:
        messages.info(request, " ".join(e.messages))
    else:
        messages.success(
            request, _("已解除 %(user)s（%(ip)s）的登录锁定，已记录。") % {"user": username, "ip": address}
        )
    return redirect("orgchart:lockouts")
