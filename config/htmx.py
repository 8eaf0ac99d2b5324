"""How a page answers htmx (issue 18): one rule for every view.

An htmx request gets a piece of the page: a partial of the page's own template (django-template-partials,
``template#partial``), named by ``?part=`` or by the view (a form post re-renders its section). Every other
request gets the whole page, and so does a history restore (htmx reloading a page its history cache no
longer holds, after the Back button: it swaps the whole body). A polled piece sends back the signature of
what it shows (``?sig=``); unchanged, it answers 204 and htmx swaps nothing, so an open <details> or a
half-typed reason is not wiped.
"""

from django.http import HttpResponse
from django.shortcuts import render

UNCHANGED = 204


def wants_partial(request):
    """An htmx request that swaps a piece of the page (a history restore needs the page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def asked_part(request, allowed=None):
    """The ``?part=`` an htmx request asks for, or None for the whole page; with ``allowed`` (the parts
    the page has), any other part is None too."""
    if not wants_partial(request):
        return None
    part = request.GET.get("part") or None
    if allowed is not None and part not in allowed:
        return None
    return part


def unchanged(request, signature):
    """The poll's piece still shows what it showed (``?sig=`` is its signature): nothing to swap."""
    return wants_partial(request) and request.GET.get("sig") == signature


def unchanged_response():
    return HttpResponse(status=UNCHANGED)


def render_page(request, template, context, *, partial=None, signature=None, status=200):
    """The page ``template``, or for an htmx request its ``partial`` (``template#partial``): 204 instead
    when ``signature`` is given and the poll already shows it."""
    if partial and wants_partial(request):
        if signature is not None and unchanged(request, signature):
            return unchanged_response()
        template = f"{template}#{partial}"
    return render(request, template, context, status=status)
