"""Stored documents (issue 15): a document is rendered once per version of the incident's data on a
Celery worker, kept as a file, and served from it; no web request waits on WeasyPrint or python-docx.

- ``fingerprint``: the version of the incident's data, one query whatever the history's size (the
  incident's ``updated_at``; the count and latest id of its timeline, follow-up reports and submitted
  §7.2 revisions; the timeline is append-only and every change of figures, tasks, instructions, first
  measures, reports upward and improvement measures writes an event on it). The record (应急处置记录)
  also prints the figures "now": while heating is not restored its version includes the hour
  (``conf.RECORD_REFRESH_SECONDS``).
- ``request``: asking for a document. Idempotent: the row is locked (``select_for_update``), so two
  people clicking at once get one render; a stored file of the current version, or a render queued or
  running, is answered as it is; otherwise a new job is enqueued after commit.
- ``perform``: the worker's side (``tasks.render_document``): render, save the file, mark it ready
  (or failed, with the reason, logged), unless a newer job took over the row meanwhile.

Stale documents are rendered again when somebody next asks (lazily), not on every change: during a
response the incident changes every few minutes, and re-rendering all its documents each time would
keep the worker busy with files nobody reads.
"""

import hashlib
import logging
import uuid
from datetime import timedelta

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftermath.models import Revision
from incidents.choices import State as IncidentState
from incidents.models import FollowUpReport, Incident, TimelineEvent

from . import builders, conf, numbers
from . import render as renderer
from .models import StoredDocument

logger = logging.getLogger("documents")

# Bump when the templates or the renderer change what a document looks like: every stored file is
# then stale and is rendered again on request. (A change of the documents' settings, conf.py, does so
# by itself: they are part of the fingerprint.)
RENDER_VERSION = "1"
RENDER_TASK = "documents.tasks.render_document"  # the Celery task's registered name (documents/tasks.py)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
Ready, Queued, Rendering, Failed = (
    StoredDocument.State.READY,
    StoredDocument.State.QUEUED,
    StoredDocument.State.RENDERING,
    StoredDocument.State.FAILED,
)


# ---- the data's version -----------------------------------------------------------------------------


def _aggregate(queryset, func):
    """A correlated subquery: ``func`` over the incident's rows of ``queryset``."""
    return Subquery(
        queryset.filter(incident_id=OuterRef("pk"))
        .order_by()
        .values("incident_id")
        .annotate(v=func)
        .values("v")[:1]
    )


def versions(incident_id):
    """The facts the fingerprint is made of, in one query; None when there is no such incident."""
    row = (
        Incident.objects.filter(pk=incident_id)
        .annotate(
            t_n=_aggregate(TimelineEvent.objects.all(), Count("id")),
            t_max=_aggregate(TimelineEvent.objects.all(), Max("id")),
            f_n=_aggregate(FollowUpReport.objects.all(), Count("id")),
            f_max=_aggregate(FollowUpReport.objects.all(), Max("id")),
            r_max=Coalesce(
                Subquery(
                    Revision.objects.filter(
                        record__incident_id=OuterRef("pk"), status=Revision.Status.SUBMITTED
                    )
                    .order_by("-id")
                    .values("id")[:1]
                ),
                0,
            ),
        )
        .values_list("updated_at", "t_n", "t_max", "f_n", "f_max", "r_max", "state", "restored_at")
        .first()
    )
    return row


def fingerprint_of(facts, kind, now=None):
    """The fingerprint of one kind of document from ``versions``' row."""
    *data, state, restored_at = facts
    settings = (conf.issuer(), conf.number_prefix(), conf.body_font(), conf.heading_font(), conf.language())
    parts = [RENDER_VERSION, *settings, *(str(v) for v in data)]
    if (
        kind == builders.RECORD
        and restored_at is None
        and state
        not in (
            IncidentState.ARCHIVED,
            IncidentState.DISMISSED,
        )
    ):
        stamp = (now or timezone.now()).timestamp()
        parts.append(f"hour:{int(stamp // conf.RECORD_REFRESH_SECONDS)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def fingerprint(incident_id, kind, now=None):
    facts = versions(incident_id)
    return None if facts is None else fingerprint_of(facts, kind, now)


# ---- reading the state ------------------------------------------------------------------------------


def of_incident(incident_id):
    """{(kind, item, fmt): StoredDocument} of an incident (one query; the file is not read)."""
    return {(s.kind, s.item, s.fmt): s for s in StoredDocument.objects.filter(incident_id=incident_id)}


def find(incident_id, kind, item, fmt):
    return StoredDocument.objects.filter(incident_id=incident_id, kind=kind, item=item or 0, fmt=fmt).first()


def stuck(row, now=None):
    return (now or timezone.now()) - row.requested_at > timedelta(seconds=conf.RENDER_STUCK_SECONDS)


def status(row, current, now=None):
    """What the page shows: none, queued, ready, stale, failed ("queued" covers running)."""
    if row is None:
        return "none"
    if row.state in (Queued, Rendering):
        return "none" if row.job is None or stuck(row, now) else "queued"
    if row.state == Failed:
        return "failed" if row.fingerprint == current else "stale"
    return "ready" if row.fingerprint == current else "stale"


def servable(row, current):
    """The stored file may be sent: ready, of the current version, and still on disk."""
    return (
        row is not None
        and row.state == Ready
        and row.fingerprint == current
        and bool(row.file.name)
        and row.file.storage.exists(row.file.name)
    )


# ---- asking for a document --------------------------------------------------------------------------


def _locked_row(incident_id, kind, item, fmt):
    """The row of a document, created if new, locked until the end of the transaction."""
    row, _created = StoredDocument.objects.get_or_create(
        incident_id=incident_id, kind=kind, item=item or 0, fmt=fmt, defaults={"job": None}
    )
    return StoredDocument.objects.select_for_update().get(pk=row.pk)


def request(incident_id, kind, item, fmt, *, user=None, retry=False, now=None):
    """Ask for a document (idempotent). Returns (row, current fingerprint); ``row.job`` enqueued after
    commit when a render was needed. ``retry``: render again after a failure of the same version."""
    now = now or timezone.now()
    current = fingerprint(incident_id, kind, now)
    with transaction.atomic():
        row = _locked_row(incident_id, kind, item, fmt)
        shown = status(row, current, now)
        if shown == "queued":
            return row, current
        if shown == "ready" and servable(row, current):
            return row, current
        if shown == "failed" and not retry:
            return row, current
        row.state, row.job, row.requested_at = Queued, uuid.uuid4(), now
        row.requested_by = user if getattr(user, "is_authenticated", False) else None
        row.error_code = row.error = ""
        row.save(update_fields=["state", "job", "requested_at", "requested_by", "error_code", "error"])
        pk, job = row.pk, str(row.job)
        transaction.on_commit(lambda: enqueue(pk, job), robust=True)
    return row, current


def enqueue(pk, job):
    """Queue the render by the task's registered name: ``documents.tasks`` calls back into this module, so
    the import goes one way (tasks → stored)."""
    current_app.send_task(RENDER_TASK, args=(pk, job))


# ---- the worker's side ------------------------------------------------------------------------------


def _render(row):
    """(bytes, doc, incident) of the row's document, numbered from the register (idempotent by key)."""
    html, doc = renderer.render_html(row.kind, row.incident_id, row.item or None, user=row.requested_by)
    data = renderer.pdf_bytes(html) if row.fmt == "pdf" else renderer.docx_bytes(html, doc)
    return data, doc


def explain(error):
    """(code, detail) of a failed render, for the page (``_slot.html`` says it in the UI's language)."""
    if isinstance(error, renderer.RendererUnavailable):
        return "renderer", str(error)
    if isinstance(error, builders.NotAvailable):
        return "not_available", str(error)
    if isinstance(error, SoftTimeLimitExceeded):
        return "timeout", f"{conf.RENDER_SOFT_LIMIT} s"
    return "error", f"{type(error).__name__}: {error}"[:500]


def perform(pk, job):
    """Render the row's document for ``job``. Returns what happened: ready, failed, skipped."""
    row = StoredDocument.objects.select_related("incident", "requested_by").filter(pk=pk, job=job).first()
    if row is None or row.state == Ready:
        return "skipped"  # a duplicate delivery, or a newer request took the row over
    StoredDocument.objects.filter(pk=pk, job=job).update(state=Rendering)
    current = fingerprint(row.incident_id, row.kind)
    try:
        data, doc = _render(row)
    except Exception as e:  # every failure is shown on the page with a retry, and logged
        code, detail = explain(e)
        log = logger.warning if code in ("renderer", "not_available") else logger.error
        log("document %s failed to render (%s): %s", row, code, detail, exc_info=code == "error")
        updated = StoredDocument.objects.filter(pk=pk, job=job).update(
            state=Failed, fingerprint=current or "", error_code=code, error=detail
        )
        return "failed" if updated else "skipped"
    return _store(row, job, current, data, doc)


def _store(row, job, current, data, doc):
    number = numbers.assigned([doc.number_key]).get(doc.number_key) if doc.number_key else None
    suffix = f"-{row.item}" if row.item else ""
    name = f"{row.incident_id}/{row.kind}{suffix}-{current[:12]}.{row.fmt}"
    with transaction.atomic():
        locked = StoredDocument.objects.select_for_update().filter(pk=row.pk, job=job).first()
        if locked is None:
            return "skipped"
        old = locked.file.name
        locked.file.save(name, ContentFile(data), save=False)
        locked.state, locked.fingerprint, locked.number = Ready, current, number
        locked.filename = renderer.filename(doc, row.incident, row.fmt)
        locked.size, locked.rendered_at = len(data), timezone.now()
        locked.error_code = locked.error = ""
        locked.save()
        if old and old != locked.file.name:
            storage = locked.file.storage
            transaction.on_commit(lambda: storage.delete(old), robust=True)
    logger.info("document %s rendered: %s bytes", row, len(data))
    return "ready"
