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
