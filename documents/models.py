"""The office's register of document numbers (发文字号, e.g. 运供应急办〔2026〕3号).

A number is given to a document the first time it is downloaded, and the same document always carries
the same number afterwards: its ``key`` names the fact it is generated from (the first report of an
incident, one follow-up report, one decision on the timeline, one submitted revision of a record), so a
correction (a new revision) is a new document with a new number. Numbers run per calendar year of the
document's date; drills (§8.1) have their own series so that they never take a number from the real
register. Not part of the incident's record (``incidents.archive``): numbering an archived incident's
report is allowed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.models import AppendOnlyModel


class DocumentNumber(models.Model):
    key = models.CharField(_("文件"), max_length=80, unique=True)
    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("文种"), max_length=24)
    year = models.PositiveSmallIntegerField(_("年度"))
    is_drill = models.BooleanField(_("演练"), default=False)
    serial = models.PositiveIntegerField(_("序号"))
    assigned_at = models.DateTimeField(_("编号时间"), default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("发文字号")
        verbose_name_plural = _("发文字号")
        ordering = ["year", "is_drill", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["year", "is_drill", "serial"], name="document_number_unique"),
            models.CheckConstraint(condition=Q(serial__gte=1), name="document_number_positive"),
        ]

    def __str__(self):
        return f"{self.year}-{self.serial}{' (drill)' if self.is_drill else ''}"


class StoredDocument(models.Model):
    """One rendered file of a document (issue 15): rendered on a Celery worker
    (``documents.tasks.render_document``), kept in MEDIA_ROOT through Django's storage, streamed by the
    download view, which never renders.

    One row per (incident, kind, item, format); a re-render replaces its file. ``fingerprint`` names the
    version of the incident's data the row's state refers to (``documents.stored.fingerprint``): the
    file's when ``ready``, the failed attempt's when ``failed``. A ready row whose fingerprint is not the
    incident's current one is *stale*: shown so, and rendered again when somebody asks for it. ``job``
    is the render asked for last: a task for another job (a duplicate, or one superseded) does nothing.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RENDERING = "rendering", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"

    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("事件"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("文种"), max_length=24)
    item = models.PositiveIntegerField(_("续报或决定"), default=0)  # 0: the incident's own document
    fmt = models.CharField(_("格式"), max_length=4, choices=Format.choices)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.QUEUED)
    job = models.UUIDField(null=True, blank=True)
    fingerprint = models.CharField(_("数据版本"), max_length=64, blank=True)
    number = models.ForeignKey(
        DocumentNumber,
        verbose_name=_("发文字号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("文件"), upload_to="documents/", max_length=200, blank=True)
    filename = models.CharField(_("下载文件名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    rendered_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    requested_at = models.DateTimeField(_("请求时间"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error_code = models.CharField(max_length=16, blank=True)  # renderer, not_available, timeout, error
    error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        verbose_name = _("已生成的公文")
        verbose_name_plural = _("已生成的公文")
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind", "item", "fmt"], name="stored_document_once"),
            models.CheckConstraint(
                condition=Q(state__in=["queued", "rendering", "ready", "failed"]),
                name="stored_document_state_valid",
            ),
            models.CheckConstraint(condition=Q(fmt__in=["pdf", "docx"]), name="stored_document_fmt_valid"),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.kind}{'/' + str(self.item) if self.item else ''}.{self.fmt}"


class DownloadRecord(AppendOnlyModel):
    """Who downloaded which document or statistics export, when, from where (issue 16: an auditor asks).
    Append-only: written by documents.views.download and the statistics' xlsx/csv exports, read by the
    office (documents:downloads) and in the admin."""

    class What(models.TextChoices):
        DOCUMENT = "document", _("文书")
        STATISTICS = "statistics", _("统计导出")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下载人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user_name = models.CharField(_("下载人姓名"), max_length=60, blank=True)
    what = models.CharField(_("类别"), max_length=12, choices=What.choices)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("文书或导出"), max_length=40)
    item = models.PositiveIntegerField(_("第几份"), null=True, blank=True)
    fmt = models.CharField(_("格式"), max_length=8)
    number = models.CharField(_("文号"), max_length=40, blank=True)
    period = models.CharField(_("统计期间"), max_length=60, blank=True)
    address = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("下载记录")
        verbose_name_plural = _("下载记录")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_name} {self.kind}.{self.fmt}"


def record_download(request, *, what, kind, fmt, incident_id=None, item=None, number="", period=""):
    """One row of the download record for ``request``'s user (the address: REMOTE_ADDR, which
    config/proxy.py sets from the trusted proxy's header)."""
    user = request.user if request.user.is_authenticated else None
    person = getattr(user, "person", None) if user else None
    address = request.META.get("REMOTE_ADDR") or None
    return DownloadRecord.objects.create(
        user=user,
        user_name=(person.name if person else (user.get_username() if user else ""))[:60],
        what=what,
        incident_id=incident_id,
        kind=kind[:40],
        item=item,
        fmt=fmt[:8],
        number=number[:40],
        period=period[:60],
        address=address,
    )
