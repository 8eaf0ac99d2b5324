"""The append-only change log of the org chart (and the base of every append-only log)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk update/delete, which bypass Model.save()/delete(). PostgreSQL also refuses them
    with a trigger (migration 0002), so not even raw SQL rewrites the record."""

    def update(self, **kwargs):
        raise PermissionError("append-only: rows cannot be updated")

    def delete(self):
        raise PermissionError("append-only: rows cannot be deleted")


class AppendOnlyModel(models.Model):
    """Base of the append-only logs (the org-chart change log, the incident timeline): rows are
    written once; save() of an existing row, delete(), and bulk update/delete all raise."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} is append-only")


class OrgChange(AppendOnlyModel):
    """Append-only record of every edit the office makes to the org chart: who, when, what."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=16)
    model = models.CharField(_("对象类型"), max_length=40)
    object_id = models.CharField(_("对象"), max_length=40)
    object_repr = models.CharField(_("对象名称"), max_length=200)
    changes = models.JSONField(_("变更内容"), default=dict)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("组织体系变更记录")
        verbose_name_plural = _("组织体系变更记录")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"
