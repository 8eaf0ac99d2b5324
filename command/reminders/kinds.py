"""The reminder kinds (issue 7): what each reminds of, the clause it serves, its default timings
(minutes) and the fields the office may change on the settings page (``ReminderPolicy``, recorded in the
org chart's change log). Other apps register their kinds here too (aftermath: overdue measures, §7.2)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy

from .models import ReminderPolicy

KINDS = {
    "report_unassessed": {
        "label": gettext_lazy("接报后未研判"),
        "clause": "§5.1、附件1",
        "defaults": {"first": 30, "second": 60},
        "fields": {
            "first": gettext_lazy("提醒值班员和办公室主任（分钟）"),
            "second": gettext_lazy("再提醒带班领导和指挥长（分钟）"),
        },
    },
    "hours_24": {
        "label": gettext_lazy("停热24小时判据"),
        "clause": "附件4",
        "defaults": {"warn_hours": 20},
        "fields": {"warn_hours": gettext_lazy("预警：停热满（小时）；满24小时时提示确定的建议级别")},
    },
    "level_request": {
        "label": gettext_lazy("响应级别请示待审批"),
        "clause": "§5.3",
        "defaults": {"first": 10, "every": 10, "max": 6, "widen": 30},
        "fields": {
            "first": gettext_lazy("首次提醒审批人（分钟）"),
            "every": gettext_lazy("之后每隔（分钟）"),
            "max": gettext_lazy("最多提醒次数"),
            "widen": gettext_lazy("同时提醒代理人和办公室主任（分钟）"),
        },
    },
    "task_unsigned": {
        "label": gettext_lazy("任务未签收"),
        "clause": "附件2、附件3",
        "defaults": {"liaison": 30, "leader": 60, "office": 120},
        "fields": {
            "liaison": gettext_lazy("提醒单位联络员（分钟）"),
            "leader": gettext_lazy("提醒工作组组长（分钟）"),
            "office": gettext_lazy("提醒办公室（分钟）"),
        },
    },
    "task_overdue": {
        "label": gettext_lazy("任务超时"),
        "clause": "附件2、附件3",
        "defaults": {"after": 0},
        "fields": {"after": gettext_lazy("超过时限后（分钟）提醒单位和组长")},
    },
    "no_follow_up": {
        "label": gettext_lazy("响应期间未续报"),
        "clause": "§5.1",
        "defaults": {"high": 120, "low": 240},
        "fields": {
            "high": gettext_lazy("Ⅰ级、Ⅱ级：无续报（分钟）"),
            "low": gettext_lazy("Ⅲ级、Ⅳ级：无续报（分钟）"),
        },
    },
    "upward_late": {
        "label": gettext_lazy("信息报送超时"),
        "clause": "§5.1、§9、§11",
        "defaults": {"after": 0},
        "fields": {"after": gettext_lazy("超过报送时限后（分钟）提醒办公室主任")},
    },
    "calldown": {
        "label": gettext_lazy("到岗通知未确认"),
        "clause": "§5.3.3(1)",
        "defaults": {"again": 15, "office": 30},
        "fields": {
            "again": gettext_lazy("再次通知本人（分钟）"),
            "office": gettext_lazy("提醒办公室（分钟）"),
        },
    },
}
URGENT = {"level_request", "hours_24", "calldown", "report_unassessed"}
# Planners of other apps: (kind, planner(plan, timings, now)); each registers its kind in KINDS too


def policies():
    """{kind: {field: minutes}}: the defaults with the office's changes. One query."""
    result = {kind: dict(spec["defaults"]) for kind, spec in KINDS.items()}
    for policy in ReminderPolicy.objects.all():
        if policy.kind in result:
            result[policy.kind].update(
                {k: int(v) for k, v in policy.config.items() if k in result[policy.kind]}
            )
    return result


def key_timestamp(moment):
    """A moment in a reminder's (or notification's) key, to the microsecond (the same second is not the
    same condition)."""
    return f"{moment.timestamp():.6f}"


def policy_minutes(count):
    """A policy's timing (minutes, stored as text or number) as a duration."""
    return timedelta(minutes=int(count))
