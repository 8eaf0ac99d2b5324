"""The statistics' tables as data (issue 10): columns with their kind, rows, totals; shown three ways — the
page, the Excel workbook and CSV (``exports``) — from the same ``Table``. Numbers are shown as they are:
money exact, never rounded (DOMAIN §6), text that a spreadsheet would run as a formula made safe."""

from dataclasses import dataclass, field
from decimal import Decimal


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
            (display(v, c.kind), c.kind != "text", c.phone)
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


def cell_kind(value, kind):
    """ "num": an int reads as "int", anything else as "dec1"."""
    if kind == "num":
        return "int" if isinstance(value, int) else "dec1"
    return kind


def display(value, kind):
    """A cell as the page shows it: thousands separators, one or two decimals, money exact, "—" for none."""
    if value is None:
        return "—"
    kind = cell_kind(value, kind)
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
