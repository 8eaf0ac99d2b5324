"""Overdue improvement measures (§7.2) in the reminder sweep (``command.reminders``): the owner unit when
the due date has passed, the office a day later. A measure is followed up after its incident is archived,
so these reminders carry no incident (nothing is written on an archived timeline); the title names it."""

from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.recording import drill_mark

from .models import Measure

KIND = "measure_overdue"


def plan_measures(p, c, now):
    for m in Measure.objects.filter(state=Measure.State.OPEN).select_related("incident", "owner_unit"):
        # Overdue from the start of the day after the due date (Asia/Shanghai).
        overdue_at = timezone.make_aware(datetime.combine(m.due_on + timedelta(days=1), time()))
        inc = m.incident
        title = _("改进措施已超过完成时限（%(due)s）：%(text)s（%(unit)s）· %(inc)s") % {
            "due": m.due_on.isoformat(),
            "text": m.text[:60],
            "unit": m.owner_unit.display_name,
            "inc": inc.title,
        }
        title = drill_mark(title, inc.is_drill)
        url = reverse("aftermath:incident", args=[m.incident_id]) + "#measures"
        for step, minutes, who in (
            ("unit", c["after"], [f"unit:{m.owner_unit_id}"]),
            ("office", c["office"], ["office"]),
        ):
            p.add(
                KIND,
                f"measure:{m.pk}:{m.due_on.isoformat()}",
                step,
                overdue_at + timedelta(minutes=minutes),
                title=title,
                url=url,
                recipients=who,
                incident_id=None,
            )
