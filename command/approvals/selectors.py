"""Reads of level-change requests, each a constant number of queries whatever the data size."""

from django.db.models import Exists, OuterRef, Prefetch

from orgchart.permissions import can

from .models import LevelRequest, LevelRequestStep


def requests_qs():
    return LevelRequest.objects.select_related(
        "incident", "incident__county", "created_by", "created_by__person"
    ).prefetch_related(Prefetch("history", queryset=LevelRequestStep.objects.order_by("at", "id")))


def pending_for(user):
    """Open requests waiting for this user at their current step (permissions are cached per user, so
    the cost is the one query for the open requests and their history)."""
    result = []
    for r in requests_qs().filter(status=LevelRequest.Status.OPEN).order_by("created_at"):
        if can(user, r.route.action(r.current_step), r.incident):
            result.append(r)
    return result


def open_requests():
    return list(requests_qs().filter(status=LevelRequest.Status.OPEN).order_by("created_at"))


def phone_decisions_to_confirm(user):
    """Decisions the office recorded as taken by phone with this user, not yet confirmed by them."""
    return list(
        LevelRequestStep.objects.filter(by_phone=True, actor=user)
        .exclude(outcome=LevelRequestStep.Outcome.CONFIRMED)
        .filter(~Exists(LevelRequestStep.objects.filter(confirms=OuterRef("pk"))))
        .select_related("request", "request__incident")
        .order_by("at")
    )
