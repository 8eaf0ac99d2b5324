"""Rendering a document: its template to HTML, the HTML to PDF (WeasyPrint) and to DOCX (python-docx).

One template per document (``templates/documents/``) is the single source of both formats. The PDF is
WeasyPrint's rendering of the HTML with the page CSS of ``documents/base.html`` (A4, margins of GB/T
9704-2012, page numbers "— 1 —", 【演练】 in the top margin box of every page of a drill).

Why the DOCX is built here from the same HTML, and not by a converter library: the documents use a small,
fixed subset of HTML (paragraphs, three heading levels, tables, line breaks, bold) whose meaning in an
official document is known (the 发文机关标志 is red and centred, a body paragraph is indented two
characters, …). The HTML→DOCX libraries on PyPI are either unmaintained (htmldocx, html2docx) or need an
external program (pandoc), and none knows CJK fonts (``w:eastAsia``), odd/even page numbers or a running
【演练】 header. Reading the subset with lxml (already a dependency of python-docx) and writing it with
python-docx is about two hundred lines that we control; unknown tags are read as plain containers or
text, so an office edit of a template can lose formatting in the DOCX but never content.

Safety: templates autoescape, so user text (a reason, a 续报) never becomes markup; the DOCX writer only
ever creates text runs from the parsed text; WeasyPrint fetches nothing (no URL is allowed but data:).
WeasyPrint is imported when a PDF is asked for, so the site runs without pango; ``RendererUnavailable``
then tells the view to show a Chinese explanation.
"""

import logging
import re

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from incidents.recording import drill_mark

from . import builders, conf, numbers
from .docx_writer import DocxWriter


class RendererUnavailable(Exception):
    """The PDF renderer (WeasyPrint with pango) cannot be loaded on this server."""


def css_string(text):
    """Text for a CSS string literal inside <style>: quotes, backslashes, markup characters and controls
    as CSS escapes."""
    out = []
    for ch in str(text):
        if ch in "\\\"'<>&" or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)


def number_document(doc, incident, user=None):
    """Give the document its 发文字号 from the register (idempotent) and put it on ``doc``."""
    if doc.number_key:
        n = numbers.assign(key=doc.number_key, incident=incident, kind=doc.kind, year=doc.year, user=user)
        doc.number = numbers.format_number(n.year, n.serial)
    return doc


def render_html(kind, incident_id, item=None, *, user=None, assign=True):
    """(html, doc) of one document, in the documents' language (``conf.language()``). ``assign``: give it
    its number now (a download); otherwise a document not yet numbered shows none."""
    with translation.override(conf.language()):
        context = builders.build(kind, incident_id, item)
        doc = context["doc"]
        if doc.number_key:
            if assign:
                number_document(doc, context["incident"], user)
            else:
                known = numbers.assigned([doc.number_key]).get(doc.number_key)
                doc.number = numbers.format_number(known.year, known.serial) if known else ""
        context["fonts"] = {"body": conf.body_font(), "heading": conf.heading_font()}
        context["drill_mark_css"] = mark_safe(css_string(_("【演练】")))
        html = render_to_string(builders.template_for(kind, context), context)
    return html, doc


def filename(doc, incident, fmt):
    """2026-00012_关于…的通知.pdf (no characters a file system refuses)."""
    title = re.sub(r'[\\/:*?"<>|\s]+', "", doc.title)[:80]
    return f"{incident.ref}_{drill_mark(title, doc.drill)}.{fmt}"


# ---------------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------------


def _fetcher():
    """Nothing outside the document is loaded (no URL but data:)."""
    try:
        from weasyprint.urls import URLFetcher  # noqa: PLC0415 (optional: the site runs without pango)

        return URLFetcher(allowed_protocols=["data"])
    except (ImportError, TypeError):  # an older WeasyPrint: a plain function

        def refuse(url, *args, **kwargs):
            raise ValueError(f"documents load no external resources: {url}")

        return refuse


def _quiet():
    """WeasyPrint and fontTools log every layout step at INFO; the site logs at INFO by default."""
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        log = logging.getLogger(name)
        if log.level == logging.NOTSET:
            log.setLevel(logging.WARNING)


def pdf_bytes(html):
    _quiet()
    try:
        from weasyprint import HTML  # noqa: PLC0415 (optional: the site runs without pango)
    except (ImportError, OSError) as e:  # OSError: pango or its libraries missing
        raise RendererUnavailable(str(e)) from e
    return HTML(string=html, url_fetcher=_fetcher()).write_pdf()


# ---------------------------------------------------------------------------------------------------
# DOCX (documents/docx_writer.py)
# ---------------------------------------------------------------------------------------------------


def docx_bytes(html, doc):
    """The DOCX of a document's HTML (the same HTML as the PDF)."""
    return DocxWriter(doc).write(html)
