"""Issuing and revoking tokens (the office, ``api.manage``), registering webhooks (the unit). Each change
to a token is recorded in the org chart's append-only change log (``OrgChange``, /org/changes/)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgchart.models import OrgChange
from orgchart.permissions import require

from .models import ApiToken, Event, Scope, Webhook, digest
from .webhooks import check_url, new_secret


def _log(actor, action, token, summary, changes):
    OrgChange.objects.create(
        actor=actor,
        action=action,
        model="ApiToken",
        object_id=str(token.pk),
        object_repr=str(token)[:200],
        changes=changes,
        summary=summary[:300],
    )


def token_issue(*, actor, unit, name, scopes, expires_at):
    """A new token; returns (token, the secret shown once). Only its SHA-256 is kept."""
    require(actor, "api.manage")
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写令牌名称（如“某某热力公司调度系统”）。")
    bad = [s for s in scopes if s not in Scope.values]
    if not scopes or bad:
        errors["scopes"] = _("请选择至少一项权限范围。")
    if expires_at is None or expires_at <= timezone.now():
        errors["expires_at"] = _("有效期须晚于现在。")
    if errors:
        raise ValidationError(errors)
    prefix, raw = ApiToken.new_secret()
    with transaction.atomic():
        user = get_user_model().objects.create(
            username=f"{unit.display_name[:40]}·API·{name[:40]}·{prefix}", is_active=True
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        token = ApiToken.objects.create(
            unit=unit,
            name=name[:60],
            prefix=prefix,
            hashed=digest(raw),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
            user=user,
            created_by=actor,
        )
        _log(
            actor,
            "create",
            token,
            _("签发接口令牌：%(name)s（%(unit)s）") % {"name": token.name, "unit": unit.display_name},
            {"scopes": token.scopes, "expires_at": expires_at.isoformat(), "prefix": prefix},
        )
    return token, raw


def token_revoke(*, actor, token_id, reason=""):
    require(actor, "api.manage")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("unit").get(pk=token_id)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        get_user_model().objects.filter(pk=token.user_id).update(is_active=False)
        _log(
            actor,
            "revoke",
            token,
            _("吊销接口令牌：%(name)s（%(unit)s）") % {"name": token.name, "unit": token.unit.display_name},
            {"reason": (reason or "").strip()[:200]},
        )
    return token


def webhook_register(*, token, url, events):
    """A unit registers a URL for its events; the signing secret is returned once."""
    errors = {}
    message = check_url(url)
    if message:
        errors["url"] = message
    if not events or any(e not in Event.values for e in events):
        errors["events"] = _("请选择至少一个事件：%(names)s。") % {"names": "、".join(Event.values)}
    if errors:
        raise ValidationError(errors)
    return Webhook.objects.create(
        unit=token.unit,
        url=url.strip(),
        events=sorted(set(events)),
        secret=new_secret(),
        created_by=token.user,
    )
