"""The plan's versions (§8.2 修订) and the linked events incidents are grouped into."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..plan_rules import RULES_2021


class PlanVersion(models.Model):
    """A version of the plan (§8.2 修订). Its ``rules`` hold the 附件4/附件5 thresholds and readings."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    doc_no = models.CharField(_("文号"), max_length=60)
    title = models.CharField(_("名称"), max_length=100)
    issued_on = models.DateField(_("印发日期"))
    in_force = models.BooleanField(_("现行"), default=False)
    rules = models.JSONField(_("分级与响应条件"))

    class Meta:
        verbose_name = _("预案版本")
        verbose_name_plural = _("预案版本")
        constraints = [
            models.UniqueConstraint(
                fields=["in_force"], condition=Q(in_force=True), name="one_plan_version_in_force"
            )
        ]

    def __str__(self):
        return f"{self.title}（{self.doc_no}）"

    @classmethod
    def current(cls):
        return cls.objects.filter(in_force=True).first()

    @classmethod
    def ensure_2021(cls):
        """The 2021 plan in force, as migration 0002 creates it (tests whose database was flushed)."""
        version, _created = cls.objects.get_or_create(
            code="2021",
            defaults={
                "doc_no": settings.PLAN_DOC_NO,
                "title": "运城市城市集中供热突发事件应急预案",
                "issued_on": date(2021, 12, 23),
                "in_force": not cls.objects.filter(in_force=True).exists(),
                "rules": RULES_2021,
            },
        )
        return version


class LinkedEvent(models.Model):
    """Incidents of one event (one cold wave, one fuel shortage), linked."""

    name = models.CharField(_("关联事件名称"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("关联事件")
        verbose_name_plural = _("关联事件")

    def __str__(self):
        return self.name
