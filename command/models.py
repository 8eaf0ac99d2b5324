from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When a Celery task last ran, per source. Beat runs ``command.tasks.heartbeat`` every minute;
    ``/healthz`` reports the newest row, so a dead worker or a dead beat shows as a stale heartbeat."""

    source = models.CharField(_("来源"), max_length=32, unique=True)
    last_seen = models.DateTimeField(_("最近一次"), default=timezone.now)
    count = models.PositiveBigIntegerField(_("次数"), default=0)
    hostname = models.CharField(_("工作进程"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")

    def __str__(self):
        return f"{self.source} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"
