"""The statistics' per-incident sheet (issue 17 point 9): one row per incident reported in the period —
number, title, county, category (§1.5), grade (附件5), the response levels with their times (§5.3), the
outage (start, restored, hours already without heat, DOMAIN §6) and the casualties and direct loss in 元,
exact. Two queries whatever the period holds: the incidents, and their level moves."""

from collections import defaultdict
from math import floor

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import AccidentGrade, ResponseLevel
from incidents.models import TimelineEvent

from .stats import in_period

LEVEL_MOVES = ("activate", "change_level")


def _when(at):
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else None


def _level_moves(incidents):
    """{incident id: "Ⅳ级 2024-12-10 09:40；Ⅲ级 2024-12-10 10:40"}, in one query (the partial
    indexes timeline_activate / timeline_change_level, command/dashboard/stats_times.py)."""
    moves = defaultdict(list)
    rows = (
        TimelineEvent.objects.filter(incident__in=incidents)
        .filter(Q(data__move="activate") | Q(data__move="change_level"))
        .exclude(to_level=None)
        .order_by("incident_id", "at", "id")
        .values_list("incident_id", "to_level", "at")
    )
    for incident_id, level, at in rows:
        moves[incident_id].append(f"{ResponseLevel(level).label} {_when(at)}")
    return {pk: "；".join(items) for pk, items in moves.items()}


def _pending(i):
    """Which figures are 待核定 (附件5: not yet verified, not 0): "死亡、直接经济损失" or ""."""
    names = [
        label
        for label, pending in (
            (_("死亡"), i.deaths_pending),
            (_("重伤"), i.serious_injuries_pending),
            (_("直接经济损失"), i.direct_loss_pending),
        )
        if pending
    ]
    return "、".join(names)


def incident_rows(start, end, *, include_drills=False, now=None):
    """The per-incident rows, oldest report first: lists of cells for ``COLUMNS``."""
    now = now or timezone.now()
    incidents = in_period(start, end, include_drills).select_related("county", "plan_version")
    incidents = list(incidents.order_by("reported_at", "id"))
    levels = _level_moves([i.pk for i in incidents]) if incidents else {}
    rows = []
    for i in incidents:
        outage = i.outage_hours(now)
        rows.append(
            [
                i.ref,
                ("【" + _("演练") + "】" if i.is_drill else "") + i.title,
                i.county.name,
                i.get_category_display(),
                (
                    AccidentGrade(i.fact_grade).label
                    + ("（" + _("暂定") + "）" if i.fact_grade_provisional else "")
                )
                if i.fact_grade
                else None,
                levels.get(i.pk) or _("未启动响应"),
                _when(i.outage_started_at),
                _when(i.restored_at),
                floor(outage.elapsed * 10) / 10 if outage else None,
                i.deaths,
                i.serious_injuries,
                i.direct_loss_yuan,
                _pending(i),
            ]
        )
    return rows


def columns():
    """(label, kind) of each cell, kinds as ``tables.Column``."""
    return [
        (_("事件编号"), "text"),
        (_("事件标题"), "text"),
        (_("县（市、区）"), "text"),
        (_("事件类别（§1.5）"), "text"),
        (_("事故等级（附件5）"), "text"),
        (_("响应级别及时间（§5.3）"), "text"),
        (_("停热开始"), "text"),
        (_("恢复供热"), "text"),
        (_("已停热（小时）"), "dec1"),
        (_("死亡（人）"), "int"),
        (_("重伤（人）"), "int"),
        (_("直接经济损失（元）"), "exact"),
        (_("待核定"), "text"),
    ]
