"""What the command app's pages share: the polled panel's signature, the refusal message, the way back
to the incident's command page, and reading a hidden number or a local time from a form."""

import hashlib
from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.inputs import hidden_int_for

from .common import AlreadyDecided, CommandError


def sig(parts):
    """A short signature of what a polled panel shows: the poll sends it back, and an unchanged panel
    answers 204 (config.htmx.render_page), so an open <details> or a half-typed reason is not wiped."""
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:12]


def refusal(request, e):
    """Tell the person why nothing was done (a refusal), or that someone else already did it."""
    if isinstance(e, AlreadyDecided):  # someone else decided it first: information, not an error
        messages.info(request, str(e))
        return
    messages.error(request, str(e) or _("您无权进行此项操作。"))


def back_to_incident(pk, anchor="top"):
    return redirect(reverse("command:incident", args=[pk]) + f"#{anchor}")


def hidden_int(request, name, may):
    """A number the page put in a hidden field. Malformed: refused as not permitted (403) to who may not
    act here anyway, a 400 with a message to who may (issue 16: the permission comes first)."""
    return hidden_int_for(request.POST.get(name), may)


def parse_local(raw):
    """An <input type=datetime-local> value in Asia/Shanghai → aware datetime, or None."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(_("时间格式不正确（例：2026-12-01 03:20）。")) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value
