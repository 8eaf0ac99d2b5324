"""The documents pages: an incident's documents with their PDF/DOCX links, and the downloads.

Who may download (issue 10; ``may_download``):
- the office and the command — ``task.view_all`` (office staff and director, the duty officers, the
  commander, his deputies, the on-site command, the general commander) or ``aftermath.manage`` (the
  office, §7) — every document;
- anyone else who may see the incident (every logged-in member of the organisation, as on the incident
  page: ``incidents.selectors``) — the information reports (首报 and 续报, §5.1), which every unit on the
  incident helps to write.
Drafts of the §7.2 records are not documents: only submitted revisions are printed.

A download numbers the document (``numbers.assign``, idempotent): the first one gives it the next 发文字号
of the year, every later one prints the same.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from incidents.models import Incident
from orgchart.permissions import can

from . import builders, conf, numbers
from . import render as renderer

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def is_office_or_command(user):
    return bool(can(user, "task.view_all")) or bool(can(user, "aftermath.manage"))


def may_download(user, kind):
    spec = builders.KINDS.get(kind)
    return spec is not None and (spec.public or is_office_or_command(user))


def _incident(pk):
    try:
        return builders.incident_for_documents(pk)
    except Incident.DoesNotExist:
        raise Http404(_("没有这个事件。")) from None


@login_required
def incident_documents(request, pk):
    incident = _incident(pk)
    rows, drafts = builders.catalogue(incident)
    full = is_office_or_command(request.user)
    known = numbers.assigned([r["key"] for r in rows if r["key"]])
    for r in rows:
        n = known.get(r["key"])
        r["number"] = numbers.format_number(n.year, n.serial) if n else ""
        r["allowed"] = full or r["public"]
    return render(
        request,
        "documents/list.html",
        {
            "incident": incident,
            "rows": rows,
            "drafts": drafts,
            "full": full,
            "issuer": conf.issuer(),
            "issuer_clause": conf.ISSUER_CLAUSE,
            "prefix": conf.number_prefix(),
            "font": conf.body_font(),
        },
    )


@never_cache
@login_required
def download(request, pk, kind, fmt, item=None):
    if kind not in builders.KINDS:
        raise Http404(_("没有这种文件。"))
    incident = _incident(pk)
    if not may_download(request.user, kind):
        raise PermissionDenied(_("该文件仅供市指挥部办公室和指挥人员下载（事件信息报告除外）。"))
    if fmt == "docx" and not builders.KINDS[kind].docx:
        raise Http404(_("该文件只提供PDF。"))
    try:
        html, doc = renderer.render_html(kind, incident.pk, item, user=request.user)
    except builders.NotAvailable as e:
        return render(
            request, "documents/not_available.html", {"incident": incident, "why": str(e)}, status=404
        )
    if fmt == "pdf":
        try:
            data = renderer.pdf_bytes(html)
        except renderer.RendererUnavailable as e:
            return render(
                request,
                "documents/unavailable.html",
                {"incident": incident, "detail": str(e), "kind": kind, "item": item},
                status=503,
            )
    else:
        data = renderer.docx_bytes(html, doc)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=renderer.filename(doc, incident, fmt)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
