"""The documents pages: an incident's documents with the state of each file, asking for a file, the
status partial the page polls, and the download.

Who may download (issue 10; ``may_download``):
- the office and the command — ``task.view_all`` (office staff and director, the duty officers, the
  commander, his deputies, the on-site command, the general commander) or ``aftermath.manage`` (the
  office, §7) — every document;
- anyone else who may see the incident (every logged-in member of the organisation, as on the incident
  page: ``incidents.selectors``) — the information reports (首报 and 续报, §5.1), which every unit on the
  incident helps to write.
Drafts of the §7.2 records are not documents: only submitted revisions are printed.

Rendering (issue 15): no request here runs WeasyPrint or python-docx. Asking for a document
(``render``, a POST; or a GET of the download address while no current file is stored) enqueues one
render on a Celery worker (``stored.request``, idempotent); the page shows 生成中… and polls ``status``
(a few queries, whatever the incident's size) until the link is there. ``download`` streams the stored
file. The first render numbers the document (``numbers.assign``, idempotent): every later one prints
the same 发文字号.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.htmx import wants_partial
from incidents.models import Incident
from orgchart.permissions import can

from . import builders, conf, numbers, stored
from .models import DocumentNumber, DownloadRecord, record_download

FORMATS = ("pdf", "docx")
MISSING = '<span class="doc-slot small text-danger" role="alert" data-state="missing">{why}</span>'


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


def _check(request, kind, fmt):
    """404 for an unknown kind or a format the kind has not; 403 for a document the user may not have."""
    if kind not in builders.KINDS:
        raise Http404(_("没有这种文件。"))
    if not may_download(request.user, kind):
        raise PermissionDenied(_("该文件仅供市指挥部办公室和指挥人员下载（事件信息报告除外）。"))
    if fmt == "docx" and not builders.KINDS[kind].docx:
        raise Http404(_("该文件只提供PDF。"))


def slot(incident_id, kind, item, fmt, row, current, now=None):
    """What the page shows for one file of one document (``documents/_slot.html``)."""
    now = now or timezone.now()
    state = stored.status(row, current, now)
    args = [incident_id, kind] + ([item] if item else []) + [fmt]
    name = "documents:download_item" if item else "documents:download"
    waiting = state == "queued" and (now - row.requested_at).total_seconds() > conf.SLOW_HINT_SECONDS
    return {
        "kind": kind,
        "item": item or 0,
        "fmt": fmt,
        "state": state,
        "row": row,
        "slow": waiting,
        "testid": f"{fmt}-{kind}" + (f"-{item}" if item else ""),
        "download": reverse(name, args=args),
        "render": reverse(name.replace("download", "render"), args=args),
        "status": reverse(name.replace("download", "status"), args=args),
        "docx": reverse(name, args=[*args[:-1], "docx"])
        if fmt == "pdf" and builders.KINDS[kind].docx
        else "",
        "poll": conf.POLL_SECONDS,
    }


@login_required
def incident_documents(request, pk):
    incident = _incident(pk)
    rows, drafts = builders.catalogue(incident)
    full = is_office_or_command(request.user)
    known = numbers.assigned([r["key"] for r in rows if r["key"]])
    files = stored.of_incident(incident.pk)
    facts, now = stored.versions(incident.pk), timezone.now()
    for r in rows:
        n = known.get(r["key"])
        r["number"] = numbers.format_number(n.year, n.serial) if n else ""
        r["allowed"] = full or r["public"]
        if r["available"] and r["allowed"]:
            current = stored.fingerprint_of(facts, r["kind"], now)
            r["slots"] = [
                slot(
                    incident.pk,
                    r["kind"],
                    r["item"],
                    fmt,
                    files.get((r["kind"], r["item"] or 0, fmt)),
                    current,
                    now,
                )
                for fmt in FORMATS
                if fmt == "pdf" or r["docx"]
            ]
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


def _why_not(incident, kind, item):
    """Why the document does not exist (yet), or "" when it does (the catalogue: three queries)."""
    spec = builders.KINDS[kind]
    if spec.per_item and item is None:
        return _("请选择具体的续报或响应决定。")
    rows, _drafts = builders.catalogue(incident)
    for r in rows:
        if r["kind"] == kind and (r["item"] == item or not spec.per_item):
            return r["why"]
    return _("没有这项响应决定。") if kind == builders.NOTICE else _("没有这份续报。")


def _ask(request, pk, kind, fmt, item, *, retry=False):
    """Enqueue the render (idempotent) of an existing document; (incident, row, current) or a 404 page."""
    incident = _incident(pk)
    why = _why_not(incident, kind, item)
    if why and wants_partial(request):  # the button's slot says why (htmx swaps only a 2xx answer)
        return incident, None, HttpResponse(format_html(MISSING, why=why))
    if why:
        return (
            incident,
            None,
            render(request, "documents/not_available.html", {"incident": incident, "why": why}, status=404),
        )
    row, current = stored.request(incident.pk, kind, item, fmt, user=request.user, retry=retry)
    return incident, (row, current), None


@never_cache
@require_POST
@login_required
def render_document(request, pk, kind, fmt, item=None):
    """The page's button: ask for the file, answer the slot (htmx) or go back to the list."""
    _check(request, kind, fmt)
    incident, asked, refused = _ask(request, pk, kind, fmt, item, retry=request.POST.get("retry") == "1")
    if refused:
        return refused
    if not wants_partial(request):
        return redirect(
            reverse("documents:incident", args=[incident.pk]) + f"#doc-{kind}" + (f"-{item}" if item else "")
        )
    row, current = asked
    return render(request, "documents/_slot.html", {"s": slot(incident.pk, kind, item, fmt, row, current)})


@never_cache
@require_GET
@login_required
def status(request, pk, kind, fmt, item=None):
    """The slot of one file, polled while it is rendered: two queries past the login and permission."""
    _check(request, kind, fmt)
    current = stored.fingerprint(pk, kind)
    if current is None:
        raise Http404(_("没有这个事件。"))
    row = stored.find(pk, kind, item, fmt)
    return render(request, "documents/_slot.html", {"s": slot(pk, kind, item, fmt, row, current)})


def _record(request, pk, kind, fmt, item):
    """The download record (issue 16: an auditor asks who downloaded which document)."""
    number = DocumentNumber.objects.filter(incident_id=pk, kind=kind).order_by("-assigned_at").first()
    record_download(
        request,
        what=DownloadRecord.What.DOCUMENT,
        kind=kind,
        fmt=fmt,
        incident_id=pk,
        item=item,
        number=numbers.format_number(number.year, number.serial) if number else "",
    )


@never_cache
@require_GET
@login_required
def download(request, pk, kind, fmt, item=None):
    """The stored file, streamed; while there is none of the current version, the render is asked for
    and a page says 生成中… until the link is there (202)."""
    _check(request, kind, fmt)
    current = stored.fingerprint(pk, kind)
    if current is None:
        raise Http404(_("没有这个事件。"))
    row = stored.find(pk, kind, item, fmt)
    if stored.servable(row, current):
        response = FileResponse(
            row.file.open("rb"),
            as_attachment=True,
            filename=row.filename,
            content_type=stored.CONTENT_TYPES[fmt],
        )
        response["X-Content-Type-Options"] = "nosniff"
        _record(request, pk, kind, fmt, item)
        return response
    incident, asked, refused = _ask(request, pk, kind, fmt, item)
    if refused:
        return refused
    row, current = asked
    s = slot(incident.pk, kind, item, fmt, row, current)
    spec = builders.KINDS[kind]
    return render(
        request, "documents/generating.html", {"incident": incident, "s": s, "label": spec.label}, status=202
    )


DOWNLOADS_PAGE = 100


@login_required
def downloads(request):
    """The download record for the office (issue 16): newest first, 100 a page (keyset on id)."""
    decision = can(request.user, "audit.downloads")
    if not decision:
        raise PermissionDenied(decision.reason)
    rows = DownloadRecord.objects.select_related("incident").order_by("-id")
    before = request.GET.get("before", "")
    if before.isdigit():
        rows = rows.filter(id__lt=int(before))
    rows = list(rows[: DOWNLOADS_PAGE + 1])
    more = len(rows) > DOWNLOADS_PAGE
    del rows[DOWNLOADS_PAGE:]
    context = {"rows": rows, "next": rows[-1].pk if more else None, "clause": decision.clause}
    return render(request, "documents/downloads.html", context)
