"""The statistics page's tables (issue 10), built once per period and shown on the page and in the
exports: incidents per year, category (§1.5), county, service area and company; the response levels used
(§5.3, 附件4) and the accident grades (附件5); the times of the response (report → assessment →
activation → end) and the outage hours; the reminders sent and how fast the tasks were signed for.
A fixed number of queries whatever the amount of data."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from orgchart.models import CompanyType

from . import stats_incidents
from .charts import chart
from .stats import grades as grade_counts
from .stats import incident_counts, levels_used, period, reminders_sent
from .stats_times import response_intervals, sign_for_speed
from .tables import Column, Row, Section, Table, display


def _counts_columns(first_label, first_kind="text"):
    return [
        Column(first_label, first_kind),
        Column(_("事件数")),
        Column(_("启动响应")),
        Column(_("停热满24小时")),
    ]


def _counts(r):
    return [r["n"], r["responses"], r["long_outages"]]


def _total(rows, width, skip=1, *, keep=None):
    """A total row ``width`` cells wide: "合计", blanks up to column ``skip``, then the sums of the number
    columns (None where a column holds no number, and for the columns in ``keep``, which do not add up)."""
    sums = []
    for i in range(skip, width):
        values = [r.cells[i] for r in rows if isinstance(r.cells[i], (int, float, Decimal))]
        sums.append(None if keep and i in keep else sum(values) if values else 0)
    return [_("合计"), *([""] * (skip - 1)), *sums]


def _long_note():
    return _(
        "“停热满24小时”：附件4 的响应条件须“24 小时以上（含本数）不能恢复供热”；已恢复的按停热至恢复计，"
        "未恢复的按停热至今计。“启动响应”：事件已有响应级别。"
    )


def statistics_tables(start, end, *, include_drills=False, now=None):
    """The sections of the statistics page, each with its tables, for the period [start, end)."""
    now = now or timezone.now()
    opts = {"include_drills": include_drills}
    counts = incident_counts(start, end, now=now, **opts)
    levels = levels_used(start, end, **opts)
    grades = grade_counts(start, end, **opts)
    times = response_intervals(start, end, **opts)
    reminders = reminders_sent(start, end, **opts)
    signing = sign_for_speed(start, end, **opts)
    return [
        Section(
            "incidents",
            _("事件数"),
            [
                _year_table(counts["years"], include_drills),
                _category_table(counts["categories"]),
                _county_table(counts["counties"]),
                _area_table(counts["areas"]),
                _company_table(counts["companies"]),
            ],
        ),
        Section(
            "levels",
            _("响应级别与事故等级"),
            [_level_table(levels), _change_table(levels), _grade_table(grades)],
        ),
        Section("times", _("用时"), [_time_table(times), *_distribution_tables(times), _outage_table(times)]),
        Section(
            "tasks",
            _("提醒与任务签收"),
            [
                _kind_table(reminders),
                _channel_table(reminders),
                _sign_table(signing),
                _target_table(signing),
            ],
        ),
    ]


def _unit_label(unit):
    return {"min": _("分钟"), "h": _("小时")}[unit]


def _year_table(years, include_drills):
    year_rows = [Row([str(y["year"]), *_counts(y), y["drills"]]) for y in years]
    drill_label = _("其中演练") if include_drills else _("演练（未计入）")
    return Table(
        "years",
        _("按年份"),
        _("按年份"),
        [*_counts_columns(_("年份")), Column(drill_label)],
        year_rows,
        note=_("按接报时间所在的公历年份（北京时间）。") + _long_note(),
        total=_total(year_rows, 5),
    )


def _category_table(cats):
    cat_rows = [
        Row([f"{c['label'].split(' ', 1)[0]} {c['short']}", *_counts(c), c["label"]], title=c["label"])
        for c in cats
    ]
    return Table(
        "categories",
        _("按事件类别"),
        _("按类别"),
        [*_counts_columns(_("类别")), Column(_("预案表述"), "text", web=False)],
        cat_rows,
        clause="§1.5",
        total=_total(cat_rows, 5, keep={4}),
        chart=chart(
            "bar",
            _("按类别（§1.5）"),
            [f"{c['label'].split(' ', 1)[0]} {c['short']}" for c in cats],
            [(_("事件数"), [c["n"] for c in cats])],
            unit=_("起"),
            horizontal=True,
        ),
    )


def _county_table(counties):
    county_rows = [Row([c["county"].name, *_counts(c)]) for c in counties]
    return Table(
        "counties",
        _("按县（市、区）"),
        _("按县区"),
        _counts_columns(_("县（市、区）")),
        county_rows,
        note=_("事发地县（市、区），其政府为事发地县级政府。"),
        total=_total(county_rows, 4),
        chart=chart(
            "bar",
            _("按县（市、区）"),
            [c["county"].name for c in counties],
            [(_("事件数"), [c["n"] for c in counties])],
            unit=_("起"),
            horizontal=True,
        ),
    )


def _area_table(areas):
    area_rows = [Row([a["area"].name, *_counts(a)]) for a in areas]
    return Table(
        "service_areas",
        _("按供热服务区域"),
        _("按服务区域"),
        _counts_columns(_("供热服务区域")),
        area_rows,
        clause="§1.4、附件4(1)",
        note=_("停热面积占比的分母所在的服务区域。"),
        total=_total(area_rows, 4),
    )


def _company_table(companies):
    company_types = dict(CompanyType.choices)
    company_rows = [
        Row(
            [
                c["name"] or _("未填写涉事企业"),
                str(company_types.get(c["company_type"], "")) if c["company_id"] else "",
                *_counts(c),
            ]
        )
        for c in companies
    ]
    return Table(
        "companies",
        _("按涉事企业"),
        _("按企业"),
        [Column(_("企业"), "text"), Column(_("类型"), "text", phone=False), *_counts_columns("")[1:]],
        company_rows,
        clause="§8.3.3、§8.3.4",
        total=_total(company_rows, 5, skip=2),
    )


def _level_table(levels):
    level_rows = [
        Row(
            [
                str(lv["level"].label),
                lv["first"],
                lv["reached"],
                lv["highest"],
                lv["raised_to"],
                lv["lowered_to"],
            ],
            level=int(lv["level"]),
        )
        for lv in levels["levels"]
    ]
    return Table(
        "levels",
        _("响应级别"),
        _("响应级别"),
        [
            Column(_("级别"), "text"),
            Column(_("首次启动")),
            Column(_("曾处于该级别")),
            Column(_("最高级别")),
            Column(_("调高至该级")),
            Column(_("调低至该级")),
        ],
        level_rows,
        clause="§5.3、附件4",
        note=_(
            "共 %(n)s 起事件启动响应，其中 %(a)s 起调整过级别（调高 %(r)s 次、调低 %(l)s 次，§5.3.5）。"
            "“曾处于该级别”：一起事件可计入多个级别。"
        )
        % {"n": levels["responded"], "a": levels["adjusted"], "r": levels["raises"], "l": levels["lowers"]},
        total=[_("合计"), levels["responded"], None, levels["responded"], levels["raises"], levels["lowers"]],
        chart=chart(
            "bar",
            _("各级别启动（首次启动级别）"),
            [str(lv["level"].label) for lv in levels["levels"]],
            [(_("首次启动"), [lv["first"] for lv in levels["levels"]])],
            unit=_("起"),
        ),
    )


def _change_table(levels):
    change_rows = [Row([str(a.label), str(b.label), n], level=int(a)) for a, b, n in levels["changes"]]
    return Table(
        "level_changes",
        _("级别调整"),
        _("级别调整"),
        [Column(_("原级别"), "text"), Column(_("调整为"), "text"), Column(_("次数"))],
        change_rows,
        clause="§5.3.5",
        empty=_("期间没有调整响应级别。"),
        total=[_("合计"), "", levels["raises"] + levels["lowers"]] if change_rows else None,
    )


def _grade_table(grades):
    grade_rows = [
        Row(
            [
                str(g["grade"].label),
                g["n"],
                g["provisional"],
                g["deaths"],
                g["serious_injuries"],
                g["direct_loss_yuan"] / 10_000,  # exact: 123450 元 is 12.345 万元 (DOMAIN §6)
            ]
        )
        for g in grades["grades"]
    ]
    grade_rows.append(
        Row([_("未定级（数字待核定）"), grades["pending"], grades["pending"], None, None, None])
    )
    return Table(
        "grades",
        _("事故等级"),
        _("事故等级"),
        [
            Column(_("等级"), "text"),
            Column(_("事件数")),
            Column(_("待核定")),
            Column(_("死亡（人）")),
            Column(_("重伤（人）")),
            Column(_("直接经济损失（万元）"), "exact"),
        ],
        grade_rows,
        clause="附件5",
        note=_("按已核定的数字定级（“以上”包括本数）；有数字待核定的，等级为暂定，待核定的数字不计入合计。"),
        total=_total(grade_rows, 6),
    )


def _time_table(times):
    interval_rows = [
        Row([f"{i['label']}（{_unit_label(i['unit'])}）", i["count"], i["median"], i["mean"], i["max"]])
        for i in times["intervals"]
    ]
    return Table(
        "times",
        _("响应用时"),
        _("响应用时"),
        [
            Column(_("环节（单位）"), "text"),
            Column(_("事件数")),
            Column(_("中位数"), "dec1"),
            Column(_("平均"), "dec1"),
            Column(_("最长"), "dec1"),
        ],
        interval_rows,
        clause="§5.1、§5.3、§5.3.6",
        note=_("启动研判、启动响应按首次计，结束响应按最后一次计；停热至恢复供热只计已恢复的事件。"),
    )


def _distribution_tables(times):
    distribution = []
    for unit in ("min", "h"):
        measures = [i for i in times["intervals"] if i["unit"] == unit]
        distribution.append(
            Table(
                f"times_{unit}",
                _("用时分布（%(u)s）") % {"u": _unit_label(unit)},
                _("用时分布（%(u)s）") % {"u": _unit_label(unit)},
                [Column(_("用时"), "text"), *(Column(str(m["label"])) for m in measures)],
                [
                    Row([str(label), *(m["buckets"][b][1] for m in measures)])
                    for b, (label, _n) in enumerate(measures[0]["buckets"])
                ],
                clause="附件4" if unit == "h" else "",
                note=_("24 小时及以上（含本数）的停热满足附件4 的时间条件。") if unit == "h" else "",
                total=[_("合计"), *(m["count"] for m in measures)],
            )
        )
    return distribution


def _outage_table(times):
    outage = times["outage"]
    return Table(
        "outage",
        _("停热时长"),
        _("停热时长"),
        [Column(_("项目"), "text"), Column(_("数值"), "num")],
        [
            Row([_("已恢复供热的事件（起）"), outage["restored"]]),
            Row([_("停热时长合计（小时）"), outage["hours"]]),
            Row([_("其中停热满24小时（起，附件4）"), outage["long"]]),
            Row([_("尚未恢复供热（起）"), outage["unrestored"]]),
        ],
        clause="附件4",
    )


def _kind_table(reminders):
    kind_rows = [
        Row([str(k["label"]), k["clause"], k["sent"], k["cancelled"], k["scheduled"]])
        for k in reminders["kinds"]
    ]
    return Table(
        "reminder_kinds",
        _("提醒（按类型）"),
        _("提醒按类型"),
        [
            Column(_("类型"), "text"),
            Column(_("依据"), "text", phone=False),
            Column(_("已发送")),
            Column(_("已取消")),
            Column(_("待发送")),
        ],
        kind_rows,
        note=_("关于本期间接报事件的提醒；“已取消”：提醒前情况已消除（如已签收、已审批）。"),
        total=_total(kind_rows, 5, skip=2),
    )


def _channel_table(reminders):
    channel_rows = [
        Row([str(c["label"]), c["total"], c["sent"], c["failed"], c["open"], c["people"]])
        for c in reminders["channels"]
    ]
    return Table(
        "reminder_channels",
        _("提醒发送（按渠道）"),
        _("提醒按渠道"),
        [
            Column(_("渠道"), "text"),
            Column(_("发送条数")),
            Column(_("成功")),
            Column(_("失败")),
            Column(_("未完成")),
            Column(_("接收人数")),
        ],
        channel_rows,
        note=_("站内消息与通知同时写入，只送达一次；短信、邮件、企业微信“未完成”含结果未知（发送中）。"),
        total=_total(channel_rows, 6, keep={5}),
    )


def _sign_table(signing):
    every = signing["all"]
    return Table(
        "sign_for",
        _("任务签收用时"),
        _("签收用时"),
        [Column(_("用时"), "text"), Column(_("任务数"))],
        [Row([str(label), n]) for label, n in every["buckets"]] + [Row([_("未签收"), every["unsigned"]])],
        clause="附件2、附件3",
        note=_(
            "自任务下达至签收。共 %(n)s 项任务，已签收 %(s)s 项，签收用时中位数 %(m)s 分钟，平均 %(a)s 分钟，"
            "最长 %(x)s 分钟。"
        )
        % {
            "n": every["total"],
            "s": every["signed"],
            "m": display(every["median"], "dec1"),
            "a": display(every["mean"], "dec1"),
            "x": display(every["max"], "dec1"),
        },
        total=[_("合计"), every["total"]],
        chart=chart(
            "bar",
            _("签收用时分布"),
            [str(label) for label, _n in every["buckets"]],
            [(_("任务数"), [n for _label, n in every["buckets"]])],
            unit=_("项"),
        ),
    )


def _target_table(signing):
    target_rows = [
        Row(
            [
                t["name"],
                _("单位") if t["kind"] == "unit" else _("工作组"),
                t["total"],
                t["signed"],
                t["unsigned"],
                t["median"],
                t["max"],
            ]
        )
        for t in signing["targets"]
    ]
    return Table(
        "sign_for_units",
        _("各单位签收用时"),
        _("各单位签收"),
        [
            Column(_("单位或工作组"), "text"),
            Column(_("类型"), "text", phone=False),
            Column(_("任务数")),
            Column(_("已签收")),
            Column(_("未签收")),
            Column(_("中位数（分钟）"), "dec1"),
            Column(_("最长（分钟）"), "dec1", phone=False),
        ],
        target_rows,
        clause="附件2、附件3",
        note=_("用时中位数最长的在前；工作组的任务分工由组长签收。"),
        empty=_("期间没有下达任务。"),
    )


def incident_table(first, last, drills):
    """The sheet of one row per incident in the period (issue 17 point 9; exports only), two queries."""
    start, end = period(first, last)
    return Table(
        "incidents",
        _("事件明细"),
        _("事件明细"),
        [Column(label, kind) for label, kind in stats_incidents.columns()],
        [Row(cells) for cells in stats_incidents.incident_rows(start, end, include_drills=drills)],
        note=_(
            "每起事件一行（按接报时间）；已停热为停热开始至恢复供热（未恢复的至导出时）；直接经济损失以元计，精确到分。"
        ),
    )
