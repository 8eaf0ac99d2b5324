"""Authentication by token (``Authorization: Bearer hk_…``), scopes, and throttling per token.

A valid token authenticates as its own service user, and for the request the permission layer answers
as for the liaison of the token's unit (``orgchart.permissions.act_in_post``): the same rules as a
person of the unit, with no appointment on the org chart (see the README's API section)."""

from datetime import timedelta

from django.core.cache import caches
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from orgchart.permissions import act_in_post

from .models import TOKEN_PREFIX, ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=1)  # one write a minute at most, not one per request


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2 or not header[1].startswith(TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed(_("令牌格式不正确。"))
        raw = header[1]
        prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
        token = ApiToken.objects.select_related("user", "unit").filter(prefix=prefix).first()
        now = timezone.now()
        if token is None or not token.matches(raw):
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("令牌已被吊销。"))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("令牌已过期。"))
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.user
        act_in_post(user, position="unit_liaison", position_name=_("联络员（接口）"), unit_id=token.unit_id)
        return user, token

    def authenticate_header(self, request):
        return self.keyword


class HasScope(permissions.BasePermission):
    """A view names its scope (``required_scope``); reference data needs only a valid token."""

    message = _("令牌没有此项权限范围。")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            raise exceptions.NotAuthenticated(_("请提供有效的接口令牌（Authorization: Bearer …）。"))
        scope = getattr(view, "required_scope", None)
        if scope is None:
            return True
        if scope not in token.scopes:
            raise exceptions.PermissionDenied(_("令牌没有“%(scope)s”权限范围。") % {"scope": scope})
        return True


class TokenRateThrottle(throttling.SimpleRateThrottle):
    scope = "token"
    cache = caches["api"]

    def get_cache_key(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": token.pk}
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": _("市指挥部办公室签发的接口令牌")}
