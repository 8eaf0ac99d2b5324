"""Who is told what about a request, after its transaction commits (ids passed, re-read, re-checked)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from incidents.recording import drill_mark

from ..common import users_who_can
from ..notifications.services import notify
from .models import LevelRequest


def notify_step(request, incident):
    step = request.current_step
    if step is None:
        return
    action = request.route.action(step)
    request_id, incident_id = request.pk, incident.pk

    def send():
        req = LevelRequest.objects.select_related("incident").get(pk=request_id)
        if req.status != LevelRequest.Status.OPEN or req.current_step != step:
            return
        title = drill_mark(_("待您审批：%(title)s") % {"title": req.title}, req.incident.is_drill)
        notify(
            users_who_can(action, req.incident),
            key=f"level_request:{request_id}:{req.stage}",
            kind="approval",
            title=title,
            body=req.incident.title,
            url=reverse("command:request", args=[request_id]),
            incident=req.incident,
        )

    transaction.on_commit(send, robust=True)
    del incident_id


def notify_phone_record(request, approver):
    """The approver named in a phone record is told, so that they can confirm it (or object)."""
    request_id, user_id = request.pk, approver.pk

    def send():
        req = LevelRequest.objects.select_related("incident").get(pk=request_id)
        notify(
            [approver],
            key=f"phone:{request_id}:{user_id}:{req.stage}:{req.status}",
            kind="phone_record",
            title=drill_mark(
                _("请确认：办公室已记录您电话请示的决定（%(title)s）") % {"title": req.title},
                req.incident.is_drill,
            ),
            body=req.incident.title,
            url=reverse("command:inbox"),
            incident=req.incident,
        )

    transaction.on_commit(send, robust=True)


def notify_outcome(request, incident, *, rejected):
    request_id = request.pk

    def send():
        req = LevelRequest.objects.select_related("incident").get(pk=request_id)
        decider = req.history.filter(outcome__in=["approved", "rejected"]).order_by("-at", "-id").first()
        takers = {s.actor_id for s in req.history.all() if s.actor_id} | {req.created_by_id}
        takers.discard(decider.actor_id if decider else None)  # the one who decided knows
        users = list(get_user_model().objects.filter(pk__in=takers))
        if rejected:
            title = _("请示被退回：%(title)s。理由：%(why)s") % {"title": req.title, "why": req.outcome_note}
        else:
            title = _("请示已批准：%(title)s") % {"title": req.title}
        notify(
            users,
            key=f"level_request:{request_id}:{req.status}",
            kind="request_outcome",
            title=drill_mark(title, req.incident.is_drill),
            body=req.incident.title,
            url=reverse("command:request", args=[request_id]),
            incident=req.incident,
        )

    transaction.on_commit(send, robust=True)
