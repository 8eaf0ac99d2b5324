"""The statistics exports (issue 10): an Excel workbook (a sheet "说明" with the period, drills in or out,
the time of generation and the plan's document number, then one sheet per table) and CSV (UTF-8 with a
BOM, for Excel on Chinese Windows; all tables one after another, each headed by its title and separated
by a blank line; or one table alone: its header row and rows, nothing else). Text that could be read as a
formula by a spreadsheet (starting with = + - @, a tab or a carriage return: names typed by users) gets a
leading apostrophe in both files."""

import csv
import io
import unicodedata

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .tables import cell_kind, display, exact, exact_format, safe_text

PLAN_TITLE = "运城市城市集中供热突发事件应急预案"


def about_lines(first, last, drills, user, now):
    """The lines of the sheet "说明" (and the head of the full CSV)."""
    person = getattr(user, "person", None)
    return [
        (_("统计报表"), _("供热突发事件统计")),
        (_("依据预案"), f"《{PLAN_TITLE}》"),
        (_("文号"), settings.PLAN_DOC_NO),
        (_("统计时段"), _("%(a)s 至 %(b)s（含两端，按接报时间，北京时间）") % {"a": first, "b": last}),
        (_("演练"), _("含演练") if drills else _("不含演练（§8.1：演练不计入统计）")),
        (_("生成时间"), timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S")),
        (_("生成人"), person.name if person else user.get_username()),
    ]


def filename(first, last, drills, ext):
    return f"供热事件统计_{first:%Y%m%d}-{last:%Y%m%d}{'_含演练' if drills else ''}.{ext}"


def _width(value):
    """Display width: a CJK character counts two."""
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


NUMBER_FORMATS = {"int": "#,##0", "dec1": "#,##0.0", "dec2": "#,##0.00"}


def xlsx(tables, about):
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
                if v is not None and v != "" and cell_kind(v, c.kind) == "exact":
                    cell.value, cell.number_format = exact(v), exact_format(v)
                elif v is not None and v != "" and cell_kind(v, c.kind) in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[cell_kind(v, c.kind)]
                widths[i] = max(widths[i], _width(display(v, c.kind)) if v not in (None, "") else 0)
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
    kind = cell_kind(value, column.kind)
    if kind == "text":
        return safe_text(value)
    if kind == "dec1":
        return f"{value:.1f}"
    if kind == "dec2":
        return f"{value:.2f}"
    if kind == "exact":
        return f"{exact(value):f}"
    return str(value)


def csv_text(tables, about=None):
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
