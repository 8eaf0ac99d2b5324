"""Giving a document its number (发文字号) from the office's register (``models.DocumentNumber``).

``assign`` is idempotent by key: the first download numbers the document, every later one reads the
same number back. Two first downloads at once: both try the next serial in a savepoint, the database's
unique constraint lets one win, the other retries with the next serial (or finds the key numbered).
"""

from django.db import IntegrityError, transaction
from django.db.models import Max

from . import conf
from .models import DocumentNumber


def format_number(year, serial, *, prefix=None):
    """运供应急办〔2026〕3号 (GB/T 9704-2012 7.2.4: 年份用六角括号，序号不编虚位、不加“第”字)."""
    return f"{prefix or conf.number_prefix()}〔{year}〕{serial}号"


def assign(*, key, incident, kind, year, user=None, attempts=5):
    """The number of the document ``key``, given now if it has none. Returns the ``DocumentNumber``."""
    for _attempt in range(attempts):
        existing = DocumentNumber.objects.filter(key=key).first()
        if existing is not None:
            return existing
        serial = (
            DocumentNumber.objects.filter(year=year, is_drill=incident.is_drill).aggregate(m=Max("serial"))[
                "m"
            ]
            or 0
        ) + 1
        try:
            with transaction.atomic():
                return DocumentNumber.objects.create(
                    key=key,
                    incident=incident,
                    kind=kind,
                    year=year,
                    is_drill=incident.is_drill,
                    serial=serial,
                    assigned_by=user if getattr(user, "is_authenticated", False) else None,
                )
        except IntegrityError:
            continue  # somebody numbered this key, or took this serial, a moment ago: look again
    raise RuntimeError(f"could not number document {key!r}")


def assigned(keys):
    """{key: DocumentNumber} for the keys already numbered (one query; the list page reads, never writes)."""
    return {n.key: n for n in DocumentNumber.objects.filter(key__in=list(keys))}
