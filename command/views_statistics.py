"""The statistics page (issue 10): incidents per year, category (§1.5), county, service area and company;
the response levels used (§5.3, 附件4) and the accident grades (附件5); the times of the response
(report → assessment → activation → end) and the outage hours; the reminders sent and how fast the tasks
were signed for. Over a chosen period (by the time of report, both days included), drills left out
unless ``drills=1`` (§8.1). Built on the dashboard's selectors (``command.dashboard``): a fixed number of
queries whatever the amount of data.

Every table is built once (``statistics_tables``) and shown three ways: the page, an Excel workbook
(``export.xlsx``: a sheet "说明" with the period, drills in or out, the time of generation and the plan's
document number, then one sheet per table) and CSV (``export.csv``: UTF-8 with a BOM, for Excel on Chinese
Windows; all tables one after another, each headed by its title and separated by a blank line; or, with
``table=<key>``, that one table alone: its header row and rows, nothing else). Text that could be read
as a formula by a spreadsheet (starting with = + - @, a tab or a carriage return: names typed by users)
gets a leading apostrophe in both files.
"""

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from orgchart.models import CompanyType
from orgchart.permissions import can

from . import dashboard, live, stats_incidents
from .views_dashboard import DASHBOARD_SCRIPTS, _chart, chart_period

PLAN_DOC_NO = "运政办发〔2021〕68 号"
PLAN_TITLE = "运城市城市集中供热突发事件应急预案"
# Who may read the statistics: the office and the command (the posts that see every unit's tasks).
PERMISSION = "task.view_all"


@dataclass
class Column:
    label: str
    kind: str = "int"  # "text", "int", "dec1" (one decimal), "dec2" (two decimals), "num" (int or dec1),
    # "exact" (a Decimal with as many decimals as it has, never rounded: money, DOMAIN §6)
    web: bool = True  # False: in the exports only (e.g. the plan's full wording of a category)
    phone: bool = True  # False: left out of the page on a phone (the exports keep it)


@dataclass
class Row:
    cells: list
    level: int | None = None  # a response level: the row header carries its colour
    title: str = ""  # the row header's full wording (a tooltip on the page)


@dataclass
class Table:
    key: str  # the CSV ``table=`` value and the test id
    title: str
    sheet: str  # the Excel sheet's name (31 characters at most, none of []:*?/\)
    columns: list
    rows: list
    clause: str = ""
    note: str = ""
    total: list | None = None
    chart: str | None = None  # a ``data-yc-chart`` config shown beside the table
    empty: str = ""  # what the page says when there are no rows (default: 期间无数据)

    def __post_init__(self):
        width = len(self.columns)
        assert all(len(r.cells) == width for r in self.rows), self.key
        assert self.total is None or len(self.total) == width, self.key

    def web_columns(self):
        return [c for c in self.columns if c.web]

    def _web(self, cells):
        """(text, is a number, shown on a phone) of each cell the page shows."""
        return [
            (_display(v, c.kind), c.kind != "text", c.phone)
            for v, c in zip(cells, self.columns, strict=True)
            if c.web
        ]

    def web_rows(self):
        return [{"cells": self._web(r.cells), "level": r.level, "title": r.title} for r in self.rows]

    def web_total(self):
        return self._web(self.total) if self.total else None

    def all_rows(self):
        """The rows for the exports, the total last."""
        return [r.cells for r in self.rows] + ([self.total] if self.total else [])


@dataclass
class Section:
    key: str
    title: str
    tables: list = field(default_factory=list)


def _kind(value, kind):
    """ "num": an int reads as "int", anything else as "dec1"."""
    if kind == "num":
        return "int" if isinstance(value, int) else "dec1"
    return kind


def _display(value, kind):
    if value is None:
        return "—"
    kind = _kind(value, kind)
    if kind == "int":
        return f"{value:,}"
    if kind == "dec1":
        return f"{value:,.1f}"
    if kind == "dec2":
        return f"{value:,.2f}"
    if kind == "exact":
        return f"{exact(value):,f}"
    return str(value)


def exact(value):
    """A Decimal without its trailing zeros (12.345000 → 12.345, 100.00 → 100): every digit it has, none
    invented, none rounded away (DOMAIN §6 "Money is exact")."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    d = d.normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


def exact_format(value):
    """The Excel number format that shows ``value`` with exactly its own decimals."""
    places = max(-exact(value).as_tuple().exponent, 0)
    return "#,##0" + ("." + "0" * places if places else "")


def safe_text(value):
    """A text cell a spreadsheet will not run as a formula (CSV/formula injection): a leading
    apostrophe before = + - @, a tab or a carriage return."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---- the tables ---------------------------------------------------------------------------------------


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
    counts = dashboard.incident_counts(start, end, now=now, **opts)
    years, cats, counties = counts["years"], counts["categories"], counts["counties"]
    areas, companies = counts["areas"], counts["companies"]
    levels = dashboard.levels_used(start, end, **opts)
    grades = dashboard.grades(start, end, **opts)
    times = dashboard.response_intervals(start, end, **opts)
    reminders = dashboard.reminders_sent(start, end, **opts)
    signing = dashboard.sign_for_speed(start, end, **opts)
    units = {"min": _("分钟"), "h": _("小时")}

    # -- incidents
    year_rows = [Row([str(y["year"]), *_counts(y), y["drills"]]) for y in years]
    drill_label = _("其中演练") if include_drills else _("演练（未计入）")
    year_table = Table(
        "years",
        _("按年份"),
        _("按年份"),
        [*_counts_columns(_("年份")), Column(drill_label)],
        year_rows,
        note=_("按接报时间所在的公历年份（北京时间）。") + _long_note(),
        total=_total(year_rows, 5),
    )
    cat_rows = [
        Row([f"{c['label'].split(' ', 1)[0]} {c['short']}", *_counts(c), c["label"]], title=c["label"])
        for c in cats
    ]
    cat_table = Table(
        "categories",
        _("按事件类别"),
        _("按类别"),
        [*_counts_columns(_("类别")), Column(_("预案表述"), "text", web=False)],
        cat_rows,
        clause="§1.5",
        total=_total(cat_rows, 5, keep={4}),
        chart=_chart(
            "bar",
            _("按类别（§1.5）"),
            [f"{c['label'].split(' ', 1)[0]} {c['short']}" for c in cats],
            [(_("事件数"), [c["n"] for c in cats])],
            unit=_("起"),
            horizontal=True,
        ),
    )
    county_rows = [Row([c["county"].name, *_counts(c)]) for c in counties]
    county_table = Table(
        "counties",
        _("按县（市、区）"),
        _("按县区"),
        _counts_columns(_("县（市、区）")),
        county_rows,
        note=_("事发地县（市、区），其政府为事发地县级政府。"),
        total=_total(county_rows, 4),
        chart=_chart(
            "bar",
            _("按县（市、区）"),
            [c["county"].name for c in counties],
            [(_("事件数"), [c["n"] for c in counties])],
            unit=_("起"),
            horizontal=True,
        ),
    )
    area_rows = [Row([a["area"].name, *_counts(a)]) for a in areas]
    area_table = Table(
        "service_areas",
        _("按供热服务区域"),
        _("按服务区域"),
        _counts_columns(_("供热服务区域")),
        area_rows,
        clause="§1.4、附件4(1)",
        note=_("停热面积占比的分母所在的服务区域。"),
        total=_total(area_rows, 4),
    )
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
    company_table = Table(
        "companies",
        _("按涉事企业"),
        _("按企业"),
        [Column(_("企业"), "text"), Column(_("类型"), "text", phone=False), *_counts_columns("")[1:]],
        company_rows,
        clause="§8.3.3、§8.3.4",
        total=_total(company_rows, 5, skip=2),
    )

    # -- levels and grades
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
    level_table = Table(
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
        chart=_chart(
            "bar",
            _("各级别启动（首次启动级别）"),
            [str(lv["level"].label) for lv in levels["levels"]],
            [(_("首次启动"), [lv["first"] for lv in levels["levels"]])],
            unit=_("起"),
        ),
    )
    change_rows = [Row([str(a.label), str(b.label), n], level=int(a)) for a, b, n in levels["changes"]]
    change_table = Table(
        "level_changes",
        _("级别调整"),
        _("级别调整"),
        [Column(_("原级别"), "text"), Column(_("调整为"), "text"), Column(_("次数"))],
        change_rows,
        clause="§5.3.5",
        empty=_("期间没有调整响应级别。"),
        total=[_("合计"), "", levels["raises"] + levels["lowers"]] if change_rows else None,
    )
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
    grade_table = Table(
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

    # -- times
    interval_rows = [
        Row([f"{i['label']}（{units[i['unit']]}）", i["count"], i["median"], i["mean"], i["max"]])
        for i in times["intervals"]
    ]
    time_table = Table(
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
    distribution = []
    for unit in ("min", "h"):
        measures = [i for i in times["intervals"] if i["unit"] == unit]
        distribution.append(
            Table(
                f"times_{unit}",
                _("用时分布（%(u)s）") % {"u": units[unit]},
                _("用时分布（%(u)s）") % {"u": units[unit]},
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
    outage = times["outage"]
    outage_table = Table(
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

    # -- reminders and signing for
    kind_rows = [
        Row([str(k["label"]), k["clause"], k["sent"], k["cancelled"], k["scheduled"]])
        for k in reminders["kinds"]
    ]
    kind_table = Table(
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
    channel_rows = [
        Row([str(c["label"]), c["total"], c["sent"], c["failed"], c["open"], c["people"]])
        for c in reminders["channels"]
    ]
    channel_table = Table(
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
    every = signing["all"]
    sign_table = Table(
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
            "m": _display(every["median"], "dec1"),
            "a": _display(every["mean"], "dec1"),
            "x": _display(every["max"], "dec1"),
        },
        total=[_("合计"), every["total"]],
        chart=_chart(
            "bar",
            _("签收用时分布"),
            [str(label) for label, _n in every["buckets"]],
            [(_("任务数"), [n for _label, n in every["buckets"]])],
            unit=_("项"),
        ),
    )
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
    target_table = Table(
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

    return [
        Section(
            "incidents",
            _("事件数"),
            [year_table, cat_table, county_table, area_table, company_table],
        ),
        Section("levels", _("响应级别与事故等级"), [level_table, change_table, grade_table]),
        Section("times", _("用时"), [time_table, *distribution, outage_table]),
        Section("tasks", _("提醒与任务签收"), [kind_table, channel_table, sign_table, target_table]),
    ]


# ---- requests -----------------------------------------------------------------------------------------


def _require(user):
    if not can(user, PERMISSION):
        raise PermissionDenied(_("统计分析供市指挥部及其办公室使用，您当前的岗位无权查看。"))


def _params(request):
    """(first day, last day, period errors, include drills, the query string of the chosen filters)."""
    first, last, errors = chart_period(request.GET)
    drills = request.GET.get("drills") == "1"
    query = {"from": first.isoformat(), "to": last.isoformat()}
    if drills:
        query["drills"] = "1"
    return first, last, errors, drills, urlencode(query)


# The tables are kept for the dashboard's version (command/live.py: any write that matters starts afresh)
# and at most this long, which bounds what the version does not watch: reminders sent, and outages
# reaching 24 hours with the clock alone. The page says so.
CACHE_SECONDS = 60


def _tables(first, last, drills):
    start, end = dashboard.period(first, last)
    sections = live.memo(
        "statistics",
        (first, last, drills, get_language()),
        lambda: statistics_tables(start, end, include_drills=drills),
        seconds=CACHE_SECONDS,
    )
    return sections, [t for s in sections for t in s.tables]


@login_required
def statistics(request):
    _require(request.user)
    first, last, errors, drills, query = _params(request)
    sections, tables = _tables(first, last, drills)
    years = next(t for t in tables if t.key == "years")
    total, responses, _long, drill_count = years.total[1:5]
    return render(
        request,
        "command/statistics.html",
        {
            "first": first,
            "last": last,
            "errors": errors,
            "error_fields": {name for name, _msg in errors},
            "drills": drills,
            "drill_count": drill_count,
            "total": total,
            "responses": responses,
            "sections": sections,
            "query": query,
            "xlsx_url": reverse("command:statistics_xlsx") + "?" + query,
            "csv_url": reverse("command:statistics_csv") + "?" + query,
            "dashboard_scripts": DASHBOARD_SCRIPTS,
        },
    )


def _about(first, last, drills, user, now):
    """The lines of the sheet "说明" (and the head of the full CSV)."""
    person = getattr(user, "person", None)
    return [
        (_("统计报表"), _("供热突发事件统计")),
        (_("依据预案"), f"《{PLAN_TITLE}》"),
        (_("文号"), PLAN_DOC_NO),
        (_("统计时段"), _("%(a)s 至 %(b)s（含两端，按接报时间，北京时间）") % {"a": first, "b": last}),
        (_("演练"), _("含演练") if drills else _("不含演练（§8.1：演练不计入统计）")),
        (_("生成时间"), timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S")),
        (_("生成人"), person.name if person else user.get_username()),
    ]


def _filename(first, last, drills, ext):
    return f"供热事件统计_{first:%Y%m%d}-{last:%Y%m%d}{'_含演练' if drills else ''}.{ext}"


def _record(request, kind, fmt, first, last, drills):
    """The download record (issue 16: an auditor asks who exported which statistics)."""
    from documents.models import DownloadRecord, record_download

    period = f"{first:%Y-%m-%d}—{last:%Y-%m-%d}{'（含演练）' if drills else ''}"
    record_download(request, what=DownloadRecord.What.STATISTICS, kind=kind, fmt=fmt, period=period)


def _attachment(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _width(value):
    """Display width: a CJK character counts two."""
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


NUMBER_FORMATS = {"int": "#,##0", "dec1": "#,##0.0", "dec2": "#,##0.00"}


def _xlsx(tables, about):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="E9EEF5")
    book = Workbook()
    info = book.active
    info.title = _("说明")
    for label, value in about:
        info.append([safe_text(label), safe_text(value)])
        info.cell(info.max_row, 1).font = bold
    info.append([])
    info.append([_("工作表"), _("内容"), _("预案条款"), _("说明")])
    head_row = info.max_row
    for cell in info[head_row]:
        cell.font, cell.fill = bold, head_fill
    for t in tables:
        info.append([t.sheet, t.title, t.clause, t.note])
        link = info.cell(info.max_row, 1)
        link.hyperlink, link.style = f"#'{t.sheet}'!A1", "Hyperlink"
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 48
    info.column_dimensions["C"].width = 18
    info.column_dimensions["D"].width = 80
    for row in info.iter_rows(min_row=head_row + 1):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")

    for t in tables:
        sheet = book.create_sheet(t.sheet)
        sheet.append([c.label for c in t.columns])
        for cell in sheet[1]:
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        widths = [_width(c.label) for c in t.columns]
        for cells in t.all_rows():
            sheet.append(
                [
                    (v if c.kind != "text" or v is None else safe_text(v)) if v != "" else None
                    for v, c in zip(cells, t.columns, strict=True)
                ]
            )
            for i, (v, c) in enumerate(zip(cells, t.columns, strict=True)):
                cell = sheet.cell(sheet.max_row, i + 1)
                if v is not None and v != "" and _kind(v, c.kind) == "exact":
                    cell.value, cell.number_format = exact(v), exact_format(v)
                elif v is not None and v != "" and _kind(v, c.kind) in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[_kind(v, c.kind)]
                widths[i] = max(widths[i], _width(_display(v, c.kind)) if v not in (None, "") else 0)
        if t.total:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for i, w in enumerate(widths):
            letter = sheet.cell(1, i + 1).column_letter
            sheet.column_dimensions[letter].width = min(max(w + 2, 8), 60)
        sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_value(value, column):
    if value is None:
        return ""
    kind = _kind(value, column.kind)
    if kind == "text":
        return safe_text(value)
    if kind == "dec1":
        return f"{value:.1f}"
    if kind == "dec2":
        return f"{value:.2f}"
    if kind == "exact":
        return f"{exact(value):f}"
    return str(value)


def _csv(tables, about=None):
    out = io.StringIO()
    writer = csv.writer(out)
    if about:
        writer.writerow([_("说明")])
        for label, value in about:
            writer.writerow([safe_text(label), safe_text(value)])
        writer.writerow([])
    for i, t in enumerate(tables):
        if about is not None:  # all tables: each headed by its title and clause
            if i:
                writer.writerow([])
            writer.writerow([safe_text(f"{t.title}（{t.clause}）" if t.clause else t.title)])
        writer.writerow([c.label for c in t.columns])
        for cells in t.all_rows():
            writer.writerow([_csv_value(v, c) for v, c in zip(cells, t.columns, strict=True)])
    return "\ufeff" + out.getvalue()


def incident_table(first, last, drills):
    """The sheet of one row per incident in the period (issue 17 point 9; exports only), two queries."""
    start, end = dashboard.period(first, last)
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


@login_required
def export_xlsx(request):
    _require(request.user)
    first, last, _errors, drills, _query = _params(request)
    _sections, tables = _tables(first, last, drills)
    content = _xlsx(
        [*tables, incident_table(first, last, drills)],
        _about(first, last, drills, request.user, timezone.now()),
    )
    _record(request, "statistics", "xlsx", first, last, drills)
    return _attachment(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _filename(first, last, drills, "xlsx"),
    )


@login_required
def export_csv(request):
    _require(request.user)
    first, last, _errors, drills, _query = _params(request)
    _sections, tables = _tables(first, last, drills)
    key = request.GET.get("table")
    if key:
        chosen = [t for t in tables if t.key == key]
        if not chosen:
            return HttpResponseBadRequest(
                _("没有名为“%(key)s”的统计表。可用：%(keys)s")
                % {"key": key[:40], "keys": "、".join(t.key for t in tables)},
                content_type="text/plain; charset=utf-8",
            )
        content = _csv(chosen)
        name = _filename(first, last, drills, "csv").replace(".csv", f"_{key}.csv")
    else:
        content = _csv(tables, _about(first, last, drills, request.user, timezone.now()))
        name = _filename(first, last, drills, "csv")
    _record(request, f"statistics:{key}" if key else "statistics", "csv", first, last, drills)
    return _attachment(content.encode("utf-8"), "text/csv; charset=utf-8", name)
