"""Behind a reverse proxy: believe its forwarding headers only when the request came from the proxy.

``TRUSTED_PROXIES`` (addresses or networks, e.g. ``10.0.0.2`` or ``172.18.0.0/16``) lists the proxies
that face the network. A request from one of them gets ``REMOTE_ADDR`` replaced by the last address in
``X-Forwarded-For`` (the client as the proxy saw it; anything before it was sent by the client and is not
believed), and keeps ``X-Forwarded-Proto`` (read by ``SECURE_PROXY_SSL_HEADER``). A request from anywhere
else has both headers removed, so nobody can pose as another address (the login lockout is per username
and address) or claim HTTPS. With no trusted proxy configured, both headers are always removed.
"""

import ipaddress

from django.conf import settings

FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def trusted_networks():
    return [ipaddress.ip_network(p.strip(), strict=False) for p in settings.TRUSTED_PROXIES if p.strip()]


def _address(raw):
    try:
        return ipaddress.ip_address((raw or "").strip())
    except ValueError:
        return None


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = trusted_networks()

    def __call__(self, request):
        meta = request.META
        peer = _address(meta.get("REMOTE_ADDR"))
        if peer is not None and any(peer in net for net in self.networks):
            chain = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
            client = _address(chain[-1]) if chain else None
            if client is not None:
                meta["REMOTE_ADDR"] = str(client)
            meta.pop("HTTP_X_REAL_IP", None)
            meta.pop("HTTP_FORWARDED", None)
        else:
            for name in FORWARDED:
                meta.pop(name, None)
        return self.get_response(request)
