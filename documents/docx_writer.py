"""The DOCX writer of the documents (``render.docx_bytes``): the documents' fixed HTML subset read with lxml,
written with python-docx as an official document (GB/T 9704-2012: A4, 三号 body on 22 lines, the red
发文机关标志, odd/even page numbers "— 1 —", 【演练】 in the header of a drill). Why not a converter
library: see ``documents/render.py``.
"""

import re
from io import BytesIO

from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import html as lxml_html

from incidents.recording import drill_mark

from . import conf

RED = (0xD4, 0x00, 0x00)
BODY_PT = 16  # 三号
LINE_PT = 28.9  # 22 lines in the 225 mm type area
TABLE_PT = 10.5  # 五号
SUB_PT = 9  # 小五
CHAR = BODY_PT  # one character of indent
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"[ \t\r\n\f]+")
_WIDTH = re.compile(r"width:\s*([\d.]+)mm")
_FONT_SIZE = re.compile(r"font-size:\s*([\d.]+)pt")
INLINE = {"span", "strong", "b", "em", "i", "a", "small", "sub", "sup", "time", "abbr", "code"}


class DocxWriter:
    """Writes the fixed HTML subset of the documents' templates as an official document in DOCX."""

    def __init__(self, meta):

        self.meta = meta
        self.body_font, self.heading_font = conf.body_font(), conf.heading_font()
        self.d = Document()
        self.break_next = False
        section = self.d.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance, section.footer_distance = Mm(20), Mm(21)
        self._styles()
        self._header_footer(section)
        props = self.d.core_properties
        props.title = drill_mark(meta.title, meta.drill)[:250]
        props.author = meta.issuer
        props.language = "zh-CN"
        props.comments = meta.number or meta.reference

    # ---- setup -----------------------------------------------------------------------------------

    def _styles(self):

        normal = self.d.styles["Normal"]
        normal.font.name = self.body_font
        normal.font.size = Pt(BODY_PT)
        rpr = normal.element.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), self.body_font)
        lang = OxmlElement("w:lang")
        lang.set(qn("w:eastAsia"), "zh-CN")
        rpr.append(lang)
        pf = normal.paragraph_format
        pf.space_before = pf.space_after = Pt(0)
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(LINE_PT)

    def _header_footer(self, section):

        self.d.settings.odd_and_even_pages_header_footer = True
        for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
            p = footer.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
            if align == "right":
                p.paragraph_format.right_indent = Pt(14)
            else:
                p.paragraph_format.left_indent = Pt(14)
            self._run(p, "— ", size=14)
            self._page_field(p)
            self._run(p, " —", size=14)
        for header in (section.header, section.even_page_header):
            p = header.paragraphs[0]
            if self.meta.drill:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                with translation.override(conf.language()):
                    mark = _("【演练】")
                self._run(p, mark, size=16, bold=True, color=RED, font=self.heading_font)

    def _page_field(self, paragraph):
        """A PAGE field: begin, instruction, separator, the shown number, end, each in its own run."""

        for kind, text in (
            ("begin", None),
            ("instr", " PAGE "),
            ("separate", None),
            ("text", "1"),
            ("end", None),
        ):
            run = self._run(paragraph, "", size=14)
            if kind == "instr":
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = text
            elif kind == "text":
                el = OxmlElement("w:t")
                el.text = text
            else:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            run._r.append(el)

    # ---- writing ---------------------------------------------------------------------------------

    def write(self, html):

        tree = lxml_html.document_fromstring(html)
        root = tree.find(".//article")
        if root is None:
            root = tree.find(".//body")
        body = self.d.element.body
        for p in list(body.iterchildren()):  # python-docx's template starts with an empty paragraph
            if p.tag.endswith("}p"):
                body.remove(p)
        self._container(root)
        out = BytesIO()
        self.d.save(out)
        return out.getvalue()

    def _classes(self, el):
        return set((el.get("class") or "").split())

    def _container(self, el, where=None):
        """Block-level children in order; loose text becomes a paragraph."""
        classes = self._classes(el)
        if el.tag == "section" and "attachment" in classes:
            self.break_next = True
        if el.tag == "footer" and "imprint" in classes:
            paragraphs = [c for c in el if c.tag == "p"]
            for n, c in enumerate(paragraphs):
                p = self._paragraph(c, kind="imprint", where=where)
                self._border(p, top=n == 0, bottom=n == len(paragraphs) - 1)
            return
        if (el.text or "").strip():
            self._paragraph_from_runs([(el.text, {})], where=where)
        for child in el:
            if not isinstance(child.tag, str):  # comments
                continue
            self._block(child, where=where, parent_classes=classes)
            if (child.tail or "").strip():
                self._paragraph_from_runs([(child.tail, {})], where=where)

    def _block(self, el, *, where=None, parent_classes=()):
        tag, classes = el.tag, self._classes(el)
        if tag in ("style", "script", "head", "title", "meta"):
            return
        if tag == "p":
            kind = "body"
            if "issuer" in classes:
                kind = "issuer"
            elif "doc-no" in classes:
                kind = "doc-no"
            elif "attachment-label" in classes:
                kind = "attachment-label"
            elif "sign-issuer" in classes:
                kind = "sign-issuer"
            elif "sign-date" in classes:
                kind = "sign-date"
            elif "attachment-note" in parent_classes:
                kind = "attachment-first" if "first" in classes else "attachment-more"
            elif classes & {"addressee", "noindent"}:
                kind = "noindent"
            self._paragraph(el, kind=kind, where=where)
        elif tag in ("h1", "h2", "h3", "h4"):
            self._paragraph(el, kind=tag if tag != "h4" else "h3", where=where)
        elif tag == "hr":
            p = self._new_paragraph(where)
            self._border(p, bottom=True, color="D40000" if "red-rule" in classes else "000000", size=12)
        elif tag == "table":
            self._table(el, where=where)
        elif tag == "br":
            return
        elif tag in INLINE:
            self._paragraph(el, kind="body", where=where)
        elif tag == "li":
            self._paragraph(el, kind="noindent", where=where)
        else:  # containers and anything unknown: read their children
            self._container(el, where=where)

    # ---- paragraphs ------------------------------------------------------------------------------

    def _new_paragraph(self, where=None):
        p = where.add_paragraph() if where is not None else self.d.add_paragraph()
        if self.break_next and where is None:
            p.paragraph_format.page_break_before = True
            self.break_next = False
        return p

    def _runs(self, el, fmt=None):
        """[(text, fmt)] of an element's inline content; <br> is a line break ("\\n")."""
        fmt = dict(fmt or {})
        out = []
        if el.text:
            out.append((el.text, fmt))
        for child in el:
            if not isinstance(child.tag, str):
                if child.tail:
                    out.append((child.tail, fmt))
                continue
            if child.tag == "br":
                out.append(("\n", {**fmt, "br": True}))
            else:
                sub = dict(fmt)
                classes = self._classes(child)
                if child.tag in ("strong", "b"):
                    sub["bold"] = True
                if "sub" in classes or child.tag == "small":
                    sub["size"] = SUB_PT
                if "drill-title" in classes:
                    sub["color"] = RED
                if "tab-right" in classes:  # pushed to the right margin (版记: the date)
                    sub["tab_right"] = True
                out.extend(self._runs(child, sub))
            if child.tail:
                out.append((child.tail, fmt))
        return out

    def _paragraph(self, el, *, kind, where=None):
        return self._paragraph_from_runs(self._runs(el), kind=kind, where=where, style=el.get("style") or "")

    def _paragraph_from_runs(self, runs, *, kind="body", where=None, style=""):
        p = self._new_paragraph(where)
        pf = p.paragraph_format
        base = self._format(p, kind, in_table=where is not None, style=style)
        right = [(t, f) for t, f in runs if f.get("tab_right")]
        if right:  # the right-aligned part goes last, after a tab to a right tab stop at the margin
            runs = [(t, f) for t, f in runs if not f.get("tab_right")] + [("\t", {"tab": True})] + right
            pf.tab_stops.add_tab_stop(Mm(156) - (pf.right_indent or 0), WD_TAB_ALIGNMENT.RIGHT)
        for text, fmt in self._normalise(runs):
            if fmt.get("br"):
                p.add_run().add_break()
                continue
            self._run(p, text, **{**base, **{k: v for k, v in fmt.items() if k not in ("br", "tab_right")}})
        return p

    def _format(self, p, kind, *, in_table, style):
        """Lay out paragraph ``p`` as a ``kind`` of GB/T 9704-2012; return its runs' base format."""
        pf = p.paragraph_format
        if in_table:
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = Pt(15.75)
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            return {"size": TABLE_PT}
        if kind == "body":
            pf.first_line_indent = Pt(2 * CHAR)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        elif kind == "issuer":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            size = _FONT_SIZE.search(style)
            pf.line_spacing_rule = WD_LINE_SPACING.AT_LEAST
            return {"color": RED, "bold": True, "size": float(size.group(1)) if size else 22}
        elif kind == "doc-no":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.space_before = Pt(14)
        elif kind in ("h1", "h2", "h3"):
            return self._format_heading(p, kind)
        elif kind == "attachment-label":
            return {"font": self.heading_font}
        elif kind in ("sign-issuer", "sign-date", "attachment-first", "attachment-more", "imprint"):
            return self._format_closing(p, kind)
        return {}

    def _format_heading(self, p, kind):
        pf = p.paragraph_format
        pf.keep_with_next = True
        if kind == "h1":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.space_before = pf.space_after = Pt(LINE_PT)
            pf.line_spacing = Pt(35)
            return {"size": 22, "bold": True}
        pf.first_line_indent = Pt(2 * CHAR)
        return {"font": self.heading_font} if kind == "h2" else {"bold": True}

    def _format_closing(self, p, kind):
        """The signature, the attachment notes and the 版记 (imprint)."""
        pf = p.paragraph_format
        if kind in ("sign-issuer", "sign-date"):
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            pf.right_indent = Pt((2 if kind == "sign-issuer" else 4) * CHAR)
            pf.keep_with_next = kind == "sign-issuer"
            if kind == "sign-issuer":
                pf.space_before = Pt(43)
        elif kind == "attachment-first":
            pf.left_indent = Pt(2 * CHAR)
            pf.space_before = Pt(LINE_PT)
            pf.keep_with_next = True
        elif kind == "attachment-more":
            pf.left_indent = Pt(5 * CHAR)
            pf.keep_with_next = True
        elif kind == "imprint":
            pf.line_spacing = Pt(25)
            pf.left_indent = pf.right_indent = Pt(4)
            pf.keep_together = True
            # 4号 is 14 pt; Word and LibreOffice add space between Chinese and digits, so 13 pt keeps the long
            # issuer and the date on one line as in the PDF.
            return {"size": 13}
        return {}

    def _normalise(self, runs):
        """HTML whitespace: runs of spaces and newlines collapse to one space; none at the start or the end
        of a line; none next to a line break."""
        out = []
        for text, fmt in runs:
            if fmt.get("tab"):
                if out:
                    out[-1] = (out[-1][0].rstrip(" "), out[-1][1])
                out.append(("\t", {}))
                continue
            if fmt.get("br"):
                if out and not out[-1][1].get("br"):
                    out[-1] = (out[-1][0].rstrip(" "), out[-1][1])
                out.append(("", fmt))
                continue
            text = _SPACE.sub(" ", _CONTROL.sub("", text))
            if not out or out[-1][1].get("br") or out[-1][0].endswith((" ", "\t")):
                text = text.lstrip(" ")
            if text:
                out.append((text, fmt))
        if out and not out[-1][1].get("br"):
            out[-1] = (out[-1][0].rstrip(" "), out[-1][1])
        return [(t, f) for t, f in out if t or f.get("br")]

    def _run(self, paragraph, text, *, size=None, bold=False, color=None, font=None):

        run = paragraph.add_run(text)
        if size:
            run.font.size = Pt(size)
        if bold:
            run.font.bold = True
        if color:
            run.font.color.rgb = RGBColor(*color)
        if font:
            run.font.name = font
            run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        return run

    # What may follow w:pBdr in a w:pPr (ECMA-376 order): the border goes before the first present.
    _AFTER_PBDR = (
        "w:shd",
        "w:tabs",
        "w:suppressAutoHyphens",
        "w:kinsoku",
        "w:wordWrap",
        "w:overflowPunct",
        "w:topLinePunct",
        "w:autoSpaceDE",
        "w:autoSpaceDN",
        "w:bidi",
        "w:adjustRightInd",
        "w:snapToGrid",
        "w:spacing",
        "w:ind",
        "w:contextualSpacing",
        "w:mirrorIndents",
        "w:suppressOverlap",
        "w:jc",
        "w:textDirection",
        "w:textAlignment",
        "w:textboxTightWrap",
        "w:outlineLvl",
        "w:divId",
        "w:cnfStyle",
        "w:rPr",
        "w:sectPr",
        "w:pPrChange",
    )

    def _border(self, paragraph, *, top=False, bottom=False, color="000000", size=8):

        ppr = paragraph._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        for side, on in (("top", top), ("bottom", bottom)):
            if on:
                b = OxmlElement(f"w:{side}")
                b.set(qn("w:val"), "single")
                b.set(qn("w:sz"), str(size))
                b.set(qn("w:space"), "1")
                b.set(qn("w:color"), color)
                borders.append(b)
        ppr.insert_element_before(borders, *self._AFTER_PBDR)

    # ---- tables ----------------------------------------------------------------------------------

    def _table(self, el, where=None):

        rows = [tr for tr in el.iter("tr")]
        if not rows:
            return
        header_rows = {id(tr) for tr in el.iter("tr") if tr.getparent().tag == "thead"}
        ncols = max(sum(int(c.get("colspan") or 1) for c in tr if c.tag in ("td", "th")) for tr in rows)
        widths = []
        for c in rows[0]:
            if c.tag in ("td", "th"):
                m = _WIDTH.search(c.get("style") or "")
                widths += [float(m.group(1)) if m else None] * int(c.get("colspan") or 1)
        if self.break_next:  # a table first on an attachment page: the break goes on a paragraph
            self._new_paragraph(where)
        table = (where if where is not None else self.d).add_table(rows=len(rows), cols=ncols)
        table.style = self.d.styles["Table Grid"]
        table.autofit = False  # w:tblLayout fixed: the template's widths
        margins = OxmlElement("w:tblCellMar")  # 4 pt left and right, as in the PDF
        for side in ("left", "right"):
            m = OxmlElement(f"w:{side}")
            m.set(qn("w:w"), "80")
            m.set(qn("w:type"), "dxa")
            margins.append(m)
        table._tbl.tblPr.insert_element_before(
            margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"
        )
        sized = widths and all(widths) and len(widths) == ncols
        if sized:
            for i, w in enumerate(widths):
                table.columns[i].width = Mm(w)  # the table grid (w:gridCol)
        for r, tr in enumerate(rows):
            row = table.rows[r]
            grid = row.cells  # once per row: python-docx's table.cell() rebuilds the whole grid each call
            if sized:
                for i, w in enumerate(widths):
                    grid[i].width = Mm(w)
            col = 0
            for c in (c for c in tr if c.tag in ("td", "th")):
                span = int(c.get("colspan") or 1)
                cell = grid[col] if span == 1 else grid[col].merge(grid[col + span - 1])
                self._cell(cell, c, header=c.tag == "th", centred="c" in self._classes(c))
                col += span
            trpr = row._tr.get_or_add_trPr()
            if id(tr) in header_rows:  # repeated at the top of each page
                h = OxmlElement("w:tblHeader")
                h.set(qn("w:val"), "true")
                trpr.append(h)
            trpr.append(OxmlElement("w:cantSplit"))
        if where is None:
            self.d.add_paragraph().paragraph_format.line_spacing = 0.5  # space after the table

    def _cell(self, cell, el, *, header=False, centred=False):

        first = cell.paragraphs[0]
        blocks = [c for c in el if isinstance(c.tag, str) and c.tag not in INLINE and c.tag != "br"]
        if blocks:  # block content (paragraphs in a cell)
            self._container(el, where=cell)
            if len(cell.paragraphs) > 1:
                first._p.getparent().remove(first._p)
        else:
            runs = self._runs(el, {"bold": True} if header else {})
            p = self._paragraph_from_runs(runs, where=cell)
            first._p.getparent().remove(first._p)
            if header or centred:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
