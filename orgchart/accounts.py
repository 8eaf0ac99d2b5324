"""Login lockouts (django-axes, per username and address): who is locked out now, and the office
director's unlock, recorded in the org chart's change log (who unlocked whom, when)."""

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import OrgChange
from .permissions import require

SHOWN = 100  # the page lists at most this many (newest first)


def locked_out(now=None):
    """The username/address pairs locked out now: as many failures as the limit, within the cool-off."""
    now = now or timezone.now()
    return list(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=now - settings.AXES_COOLOFF_TIME,
        ).order_by("-attempt_time")[:SHOWN]
    )


def unlock(*, actor, attempt_id):
    """Lift one lockout (a username at an address) before its cool-off ends."""
    require(actor, "account.unlock")
    with transaction.atomic():
        attempt = AccessAttempt.objects.select_for_update().filter(pk=attempt_id).first()
        if attempt is None:
            raise ValidationError(_("这条锁定记录已不存在（可能已解除或已到期）。"))
        username, address, failures = attempt.username, attempt.ip_address, attempt.failures_since_start
        attempt.delete()
        OrgChange.objects.create(
            actor=actor,
            action="unlock",
            model="axes.AccessAttempt",
            object_id=str(attempt_id),
            object_repr=f"{username} @ {address}"[:200],
            changes={"失败次数": [failures, 0]},
            summary=f"解除登录锁定：{username}（{address}，失败 {failures} 次）"[:300],
        )
    return username, address
