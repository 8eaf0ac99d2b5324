"""The facts each reminder kind reads (issue 7): every open subject — an unassessed report, an outage near
24 hours, an open level request, an open task, a responding incident without follow-up, a late upward
report, an unconfirmed call-down — becomes keyed rows in the planner's ``PlannedReminders``. Each query
reads the open subjects through an index on an open-state condition, never the closed history
(tests/command/test_reminders_cost.py)."""

from datetime import timedelta

from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from incidents.choices import State
from incidents.models import FollowUpReport, Incident, UpwardReport
from incidents.recording import drill_mark

from ..approvals.models import LevelRequest
from ..assignments.models import ActivatedGroup, Assignment, GroupUnit
from ..response.models import CallDown
from .kinds import key_timestamp, policy_minutes


def plan_reports(p, c):
    for inc in Incident.objects.filter(state=State.REPORTED).only("id", "title", "reported_at", "is_drill"):
        url = reverse("incidents:detail", args=[inc.pk])
        title = drill_mark(
            _("事件已接报%(m)s分钟尚未研判：%(t)s") % {"m": c["first"], "t": inc.title}, inc.is_drill
        )
        p.add(
            "report_unassessed",
            f"incident:{inc.pk}",
            "first",
            inc.reported_at + policy_minutes(c["first"]),
            title=title,
            url=url,
            recipients=["duty_officer", "post:office_director"],
            incident_id=inc.pk,
        )
        title = drill_mark(
            _("事件已接报%(m)s分钟尚未研判：%(t)s") % {"m": c["second"], "t": inc.title}, inc.is_drill
        )
        p.add(
            "report_unassessed",
            f"incident:{inc.pk}",
            "second",
            inc.reported_at + policy_minutes(c["second"]),
            title=title,
            url=url,
            recipients=["duty_leader", "post:commander"],
            incident_id=inc.pk,
        )


def plan_hours(p, c, now):
    qs = Incident.objects.filter(
        state__in=(State.ASSESSING, State.RESPONDING),
        outage_started_at__isnull=False,
        restored_at__isnull=True,
    ).select_related("plan_version")
    for inc in qs:
        start = inc.outage_started_at
        url = reverse("command:incident", args=[inc.pk]) + "#level"
        subject = f"outage:{inc.pk}:{key_timestamp(start)}"
        p.add(
            "hours_24",
            subject,
            "warn",
            start + timedelta(hours=int(c["warn_hours"])),
            title=drill_mark(
                _("停热将满24小时（已满%(h)s小时）：%(t)s") % {"h": c["warn_hours"], "t": inc.title},
                inc.is_drill,
            ),
            url=url,
            recipients=["post:office_director", "post:commander"],
            incident_id=inc.pk,
        )
        if inc.state == State.ASSESSING and inc.firm_at():
            p.add(
                "hours_24",
                subject,
                "firm",
                inc.firm_at(),
                title=drill_mark(
                    _("停热已满24小时，附件4建议级别已确定，请研判是否启动响应：%(t)s") % {"t": inc.title},
                    inc.is_drill,
                ),
                url=url,
                recipients=["post:office_director", "post:commander"],
                incident_id=inc.pk,
            )


def plan_requests(p, c):
    qs = LevelRequest.objects.filter(status=LevelRequest.Status.OPEN).select_related("incident")
    stage_started = dict(
        LevelRequest.objects.filter(status=LevelRequest.Status.OPEN)
        .annotate(last=Max("history__at"))
        .values_list("pk", "last")
    )
    for r in qs:
        base = stage_started.get(r.pk) or r.created_at
        url = reverse("command:request", args=[r.pk])
        subject = f"request:{r.pk}:{r.stage}"
        for n in range(1, int(c["max"]) + 1):
            due = base + policy_minutes(c["first"]) + policy_minutes(c["every"]) * (n - 1)
            p.add(
                "level_request",
                subject,
                f"n{n}",
                due,
                title=drill_mark(
                    _("请示待您审批（第%(n)s次提醒）：%(title)s · %(t)s")
                    % {"n": n, "title": r.title, "t": r.incident.title},
                    r.incident.is_drill,
                ),
                url=url,
                recipients=[f"approvers:{r.pk}"],
                incident_id=r.incident_id,
            )
        p.add(
            "level_request",
            subject,
            "widen",
            base + policy_minutes(c["widen"]),
            title=drill_mark(
                _("请示已等待%(m)s分钟仍未审批：%(title)s · %(t)s")
                % {"m": c["widen"], "title": r.title, "t": r.incident.title},
                r.incident.is_drill,
            ),
            url=url,
            recipients=[f"deputies:{r.pk}", "post:office_director"],
            incident_id=r.incident_id,
        )


def _task_name(title, target):
    return title if target in ("", title) else f"{title}（{target}）"


def _url_for(name):
    """``reverse(name, args=[pk])`` for thousands of pks: reversed once, the pk put in."""
    sentinel = "8080808080"
    pattern = reverse(name, args=[int(sentinel)])
    return lambda pk: pattern.replace(sentinel, str(pk))


TASK_FIELDS = (
    "pk",
    "state",
    "updated_at",
    "created_at",
    "unit_id",
    "group_id",
    "incident_id",
    "due_at",
    "title",
    "group__name",
    "unit__name",
    "unit__current_name",
    "incident__title",
    "incident__is_drill",
)


class _TaskRow:
    """An open task as the planner needs it (plain values: a bad winter has thousands)."""

    def __init__(self, values):
        (self.pk, self.state, self.updated_at, self.created_at, self.unit_id, self.group_id, self.incident_id,
         self.due_at, title, group_name, unit_name, unit_current, inc_title, is_drill) = values  # fmt: skip
        target = " · ".join(x for x in (group_name, unit_current or unit_name) if x)
        self.name = _task_name(title, target)
        self.incident = _IncidentRef(inc_title, is_drill)


class _IncidentRef:
    def __init__(self, title, is_drill):
        self.title, self.is_drill = title, is_drill


def _task_groups():
    """For the open tasks' escalation: the groups each unit works in, per incident, and the activated
    (incident, group) pairs."""
    # From the live incidents' ids (their index) to their groups: not a join over every group ever activated.
    live = list(
        Incident.objects.filter(state__in=(State.RESPONDING, State.AFTERMATH)).values_list("pk", flat=True)
    )
    groups = {
        pk: (incident_id, group_id)
        for pk, incident_id, group_id in ActivatedGroup.objects.filter(incident_id__in=live).values_list(
            "pk", "incident_id", "group_id"
        )
    }
    groups_of = {}
    for activated_group_id, unit_id in GroupUnit.objects.filter(
        activated_group_id__in=list(groups)
    ).values_list("activated_group_id", "unit_id"):
        incident_id, group_id = groups[activated_group_id]
        groups_of.setdefault((incident_id, unit_id), []).append(group_id)
    activated = set(groups.values())
    return groups_of, activated


def plan_tasks(p, c, overdue):
    # Tasks remind during the response and, for the §7.1 items and carried tasks, during aftermath.
    rows = Assignment.objects.filter(
        incident__state__in=(State.RESPONDING, State.AFTERMATH), state__in=Assignment.OPEN_STATES
    ).values_list(*TASK_FIELDS)
    # A unit's task escalates to the leaders of the groups it works in; a §7.1 item names the 善后工作组,
    # which is not activated at Ⅲ/Ⅳ: its unit's head is the leader then.
    groups_of, activated = _task_groups()
    url_of = _url_for("command:task")
    unsigned = _("任务下达%(m)s分钟尚未签收：%(title)s · %(inc)s")
    late = _("任务已超过完成时限：%(title)s · %(inc)s")
    for values in rows:
        t = _TaskRow(values)
        url = url_of(t.pk)
        if t.state == Assignment.State.PENDING:
            base = t.updated_at or t.created_at  # pending: created, or reassigned (updated) since
            subject = f"task:{t.pk}:{key_timestamp(base)}"
            doers = [f"liaison:{t.unit_id}"] if t.unit_id else [f"group:{t.incident_id}:{t.group_id}"]
            group_ids = [t.group_id] if t.group_id else groups_of.get((t.incident_id, t.unit_id), [])
            group_ids = [g for g in group_ids if (t.incident_id, g) in activated or not t.unit_id]
            leaders = [f"group:{t.incident_id}:{g}" for g in group_ids] or [f"unit_head:{t.unit_id}"]
            for step, who in (("liaison", doers), ("leader", leaders), ("office", ["office"])):
                title = unsigned % {"m": c[step], "title": t.name, "inc": t.incident.title}
                p.add(
                    "task_unsigned",
                    subject,
                    step,
                    base + policy_minutes(c[step]),
                    title=drill_mark(title, t.incident.is_drill),
                    url=url,
                    recipients=who,
                    incident_id=t.incident_id,
                )
        if t.due_at:
            who = ([f"unit:{t.unit_id}"] if t.unit_id else []) + (
                [f"group:{t.incident_id}:{t.group_id}"] if t.group_id else []
            )
            p.add(
                "task_overdue",
                f"task:{t.pk}:{key_timestamp(t.due_at)}",
                "overdue",
                t.due_at + policy_minutes(overdue["after"]),
                title=drill_mark(late % {"title": t.name, "inc": t.incident.title}, t.incident.is_drill),
                url=url,
                recipients=who,
                incident_id=t.incident_id,
            )


def plan_follow_ups(p, c):
    # The latest follow-up per responding incident, looked up per incident (its index), not aggregated
    # over every follow-up ever written.
    latest = FollowUpReport.objects.filter(incident=OuterRef("pk")).order_by("-at").values("at")[:1]
    qs = Incident.objects.filter(state=State.RESPONDING).annotate(last=Subquery(latest))
    for inc in qs:
        base = max(x for x in (inc.last, inc.level_since, inc.reported_at) if x is not None)
        minutes = c["high"] if (inc.level or 4) <= 2 else c["low"]
        p.add(
            "no_follow_up",
            f"followup:{inc.pk}:{key_timestamp(base)}",
            "due",
            base + policy_minutes(minutes),
            title=drill_mark(
                _("响应期间已%(m)s分钟没有续报：%(t)s") % {"m": minutes, "t": inc.title}, inc.is_drill
            ),
            url=reverse("incidents:detail", args=[inc.pk]) + "#follow-ups",
            recipients=["office"],
            incident_id=inc.pk,
        )


def plan_upward(p, c):
    qs = (
        UpwardReport.objects.filter(sent_at__isnull=True)
        .exclude(incident__state__in=(State.ARCHIVED, State.DISMISSED))
        .select_related("incident")
    )
    for r in qs:
        p.add(
            "upward_late",
            f"upward:{r.pk}:{key_timestamp(r.due_at)}",
            "late",
            r.due_at + policy_minutes(c["after"]),
            title=drill_mark(
                _("信息报送已超时限（%(to)s）：%(t)s")
                % {"to": r.get_recipient_display(), "t": r.incident.title},
                r.incident.is_drill,
            ),
            url=reverse("incidents:detail", args=[r.incident_id]) + "#reports",
            recipients=["post:office_director"],
            incident_id=r.incident_id,
        )


def plan_calldowns(p, c):
    # From the responding incidents to their un-received call-downs (an index on those): call-downs
    # never confirmed on closed incidents stay behind in the history and are not read.
    responding = list(Incident.objects.filter(state=State.RESPONDING).values_list("pk", flat=True))
    qs = CallDown.objects.filter(received_at__isnull=True, incident_id__in=responding).select_related(
        "incident", "person"
    )
    for cd in qs:
        subject = f"calldown:{cd.pk}"
        if cd.person_id and cd.person.user_id:
            p.add(
                "calldown",
                subject,
                "again",
                cd.notified_at + policy_minutes(c["again"]),
                title=drill_mark(
                    _("到岗通知（再次）：请立即赶赴现场并确认 · %(t)s") % {"t": cd.incident.title},
                    cd.incident.is_drill,
                ),
                url=reverse("command:calldown", args=[cd.token]),
                recipients=[f"user:{cd.person.user_id}"],
                incident_id=cd.incident_id,
            )
        p.add(
            "calldown",
            subject,
            "office",
            cd.notified_at + policy_minutes(c["office"]),
            title=drill_mark(
                _("%(name)s收到到岗通知已%(m)s分钟仍未确认 · %(t)s")
                % {"name": cd.name, "m": c["office"], "t": cd.incident.title},
                cd.incident.is_drill,
            ),
            url=reverse("command:incident", args=[cd.incident_id]) + "#calldown",
            recipients=["office"],
            incident_id=cd.incident_id,
        )
