"""The incident page's long lists (issue 15): the timeline, the latest 50 events and "更早的记录" (keyset
on (at, id); htmx, or the timeline page without JavaScript), and the follow-ups (续报), the latest 20 and
"更早的续报". Each a constant number of queries and a bounded page whatever the incident's history."""

import hashlib
from datetime import UTC, datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.htmx import wants_partial

from . import selectors
from .choices import AccidentGrade
from .models import Incident
from .templatetags.incident_tags import fmt_number

TIMELINE_CACHE_SECONDS = 6 * 3600


# The timeline: the page shows the latest events; "更早的记录" loads the next page (htmx, or a plain link to
# the timeline page without JavaScript). The cursor is the (at, id) of the last event shown.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timeline_cursor(at_id):
    """(at, id) → "<microseconds since 1970>-<id>": exact, and safe in a URL."""
    at, pk = at_id
    return f"{(at - _EPOCH) // timedelta(microseconds=1)}-{pk}"


def parse_timeline_cursor(raw):
    """The inverse of ``timeline_cursor``; ValueError when it is not one."""
    micros, _sep, pk = raw.partition("-")
    if not (micros.isdigit() and pk.isdigit()):
        raise ValueError(raw)
    return _EPOCH + timedelta(microseconds=int(micros)), int(pk)


TIMELINE_FIELDS = (
    "pk", "at", "actor_name", "actor_post", "kind", "summary", "clause",
    "from_state", "to_state", "from_level", "to_level", "reason",
)  # fmt: skip


def timeline_context(incident_id, before, user=None):
    """A page of the timeline and its rows' HTML. The rows are memoised in the cache under a digest of
    everything they show (the events are append-only, so a page of them renders the same until a new
    event comes): the incident page does not re-render 50 events on every view."""
    events, next_cursor = selectors.timeline_page(incident_id, before=before, user=user)
    context = {
        "timeline": events,
        "timeline_next": timeline_cursor(next_cursor) if next_cursor else "",
        "timeline_incident_id": incident_id,
    }
    digest = hashlib.sha1(f"{incident_id}|{context['timeline_next']}".encode())
    for e in events:
        digest.update(repr(tuple(getattr(e, f) for f in TIMELINE_FIELDS)).encode())
    key = f"timeline-rows:{get_language()}:{timezone.get_current_timezone_name()}:{digest.hexdigest()}"
    html = cache.get_or_set(
        key, lambda: render_to_string("incidents/_timeline_items.html", context), TIMELINE_CACHE_SECONDS
    )
    context["timeline_html"] = mark_safe(html)  # our own template's output
    return context


@login_required
def incident_timeline(request, pk):
    """Older timeline events, ``?before=<cursor>``: the next 50 for the incident page's "更早的记录"
    (htmx: the rows and the next button only), or a page of its own without JavaScript."""
    try:
        before = parse_timeline_cursor(request.GET.get("before", "")) if request.GET.get("before") else None
    except (ValueError, OverflowError):
        return HttpResponseBadRequest(_("“更早的记录”的链接不完整，请回到事件页重新打开。"))
    context = timeline_context(pk, before, request.user)
    if wants_partial(request):
        return HttpResponse(context["timeline_html"])
    context["incident"] = get_object_or_404(
        Incident.objects.only("id", "title", "is_drill", "reported_at"), pk=pk
    )
    return render(request, "incidents/timeline.html", context)


# ------------------------------------------------------------------------------------------------
# Follow-ups (续报)
# ------------------------------------------------------------------------------------------------


def _change_value(name, value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str) and name.endswith("_at"):
        try:
            return f"{timezone.localtime(datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"
        except ValueError:
            return value
    if name in ("affected_area_m2", "direct_loss_yuan"):
        return fmt_number(value)
    return str(value)


def _follow_up_rows(follow_ups):
    rows = []
    for f in follow_ups:
        changes = []
        for name, (old, new) in f.changes.items():
            try:
                label = Incident._meta.get_field(name).verbose_name
            except Exception:
                label = name
            changes.append((label, _change_value(name, old), _change_value(name, new)))
        person = getattr(f.reporter, "person", None)
        rows.append(
            {
                "report": f,
                "reporter": person.name if person else f.reporter.get_username(),
                "changes": changes,
                "grade_before": AccidentGrade(f.grade_before).label if f.grade_before else _("无"),
                "grade_after": AccidentGrade(f.grade_after).label if f.grade_after else _("无"),
                "grade_changed": f.grade_before != f.grade_after,
                "level_before": f.level_before,
                "level_after": f.level_after,
                "level_changed": f.level_before != f.level_after,
            }
        )
    return rows


def follow_ups_context(request, incident_id):
    """A page of the follow-ups (``?follow_ups=<offset>``) and its "更早的续报" links."""
    raw = request.GET.get("follow_ups", "")
    offset = min(int(raw), 10**6) if raw.isdigit() else 0
    rows, next_offset = selectors.follow_up_page(incident_id, offset=offset)
    base = reverse("incidents:detail", args=[incident_id])
    return {
        "follow_ups": _follow_up_rows(rows),
        "follow_ups_offset": offset,
        "follow_ups_more_href": f"{base}?follow_ups={next_offset}#follow-ups" if next_offset else "",
        "follow_ups_more_hx": f"{base}?part=follow_ups&follow_ups={next_offset}" if next_offset else "",
    }
