"""The office's reminder pages (issue 7): what is scheduled, what was sent to whom and when, what failed
or has an unknown outcome, "send again"; the timings per kind (recorded); the live bell."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgchart.models import OrgChange
from orgchart.permissions import can

from ..notifications.models import Notification
from ..notifications.selectors import unread_count
from .delivery import configured_channels, enqueue_external, is_unknown
from .kinds import KINDS, policies
from .models import Delivery, Reminder, ReminderPolicy


def _require_office(user):
    decision = can(user, "command.record")
    if not decision:
        raise PermissionDenied(decision.reason)


@login_required
def reminder_list(request):
    _require_office(request.user)
    now = timezone.now()
    scheduled = list(
        Reminder.objects.filter(state=Reminder.State.SCHEDULED)
        .select_related("incident")
        .order_by("due_at")[:100]
    )
    sent = list(
        Reminder.objects.filter(state=Reminder.State.SENT)
        .select_related("incident")
        .prefetch_related("deliveries__recipient__person")
        .order_by("-sent_at", "-id")[:100]
    )
    problems = list(
        Delivery.objects.filter(
            state__in=(Delivery.State.FAILED, Delivery.State.SENDING, Delivery.State.PENDING)
        )
        .exclude(channel="in_app")
        .select_related("reminder", "recipient__person")
        .order_by("-id")[:100]
    )
    for d in problems:
        d.unknown = is_unknown(d, now)
    return render(
        request,
        "command/reminders/reminders.html",
        {
            "scheduled": scheduled,
            "sent": sent,
            "problems": problems,
            "kinds": KINDS,
            "now": now,
            "channels": configured_channels(),
        },
    )


@login_required
@require_POST
def delivery_again(request, pk):
    """Send again: an external delivery is retried with the same idempotency key (attempts reset); an
    in-app one becomes a new message to the person."""
    _require_office(request.user)
    d = get_object_or_404(Delivery.objects.select_related("reminder", "recipient"), pk=pk)
    now = timezone.now()
    with transaction.atomic():
        if d.channel == "in_app":
            Notification.objects.create(
                recipient=d.recipient,
                incident=d.reminder.incident,
                key=f"again:{d.pk}:{int(now.timestamp())}",
                kind="reminder",
                title=_("（再次提醒）%(t)s") % {"t": d.reminder.title},
                url=d.reminder.url,
            )
        else:
            Delivery.objects.filter(pk=d.pk).update(
                state=Delivery.State.PENDING, attempts=0, next_attempt_at=now, last_error=""
            )
            transaction.on_commit(lambda: enqueue_external([d.key]), robust=True)
    messages.success(request, _("已重新发送。"))
    return redirect("command:reminders")


@login_required
def reminder_settings(request):
    _require_office(request.user)
    current = policies()
    if request.method == "POST":
        errors, changed = [], {}
        for kind, spec in KINDS.items():
            values = {}
            for field in spec["defaults"]:
                raw = request.POST.get(f"{kind}.{field}", "").strip()
                try:
                    value = int(raw)
                except ValueError:
                    errors.append(_("%(kind)s：“%(v)s”不是整数。") % {"kind": spec["label"], "v": raw})
                    continue
                if not 0 <= value <= 10080:
                    errors.append(_("%(kind)s：须在 0 到 10080 之间。") % {"kind": spec["label"]})
                    continue
                values[field] = value
            if values != current[kind]:
                changed[kind] = values
        if errors:
            for e in errors:
                messages.error(request, e)
            return render(
                request,
                "command/reminders/reminder_settings.html",
                _settings_context(request.POST),
                status=422,
            )
        if changed:
            with transaction.atomic():
                for kind, values in changed.items():
                    before = current[kind]
                    ReminderPolicy.objects.update_or_create(
                        kind=kind,
                        defaults={"config": values, "updated_by": request.user, "updated_at": timezone.now()},
                    )
                    OrgChange.objects.create(
                        actor=request.user,
                        action="update",
                        model="ReminderPolicy",
                        object_id=kind,
                        object_repr=str(KINDS[kind]["label"]),
                        changes={k: [before.get(k), v] for k, v in values.items() if before.get(k) != v},
                        summary=_("修改提醒时间：%(kind)s") % {"kind": KINDS[kind]["label"]},
                    )
            messages.success(request, _("提醒时间已保存；已安排的提醒在下一次检查时按新时间重排。"))
        return redirect("command:reminder_settings")
    return render(request, "command/reminders/reminder_settings.html", _settings_context(None))


def _settings_context(posted):
    current = policies()
    rows = []
    for kind, spec in KINDS.items():
        fields = [
            (
                f"{kind}.{f}",
                spec["fields"][f],
                posted.get(f"{kind}.{f}") if posted is not None else current[kind][f],
                spec["defaults"][f],
            )
            for f in spec["defaults"]
        ]
        rows.append({"kind": kind, "label": spec["label"], "clause": spec["clause"], "fields": fields})
    return {"rows": rows}


@login_required
def bell(request):
    """The navigation's unread count, polled by htmx every 30 s while the tab is visible."""
    return render(
        request, "command/notifications/_bell.html", {"unread_notifications": unread_count(request.user)}
    )
