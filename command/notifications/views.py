"""The notifications list (the bell's dropdown is ``views_reminders.bell``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from orgchart.permissions import can

from ..web import hidden_int
from . import selectors, services


@login_required
def notifications(request):
    if request.method == "POST":
        notification_id = hidden_int(request, "id", lambda: True)  # one's own notifications: always
        services.notification_mark_read(user=request.user, notification_id=notification_id)
        return redirect("command:notifications")
    return render(
        request,
        "command/notifications/notifications.html",
        {
            "items": selectors.notifications_for(request.user),
            "may_see_reminders": bool(can(request.user, "command.record")),
        },
    )
