"""What documents does when a lower room reports something: the statistics export is written to the
download record (``DownloadRecord``), like every document download."""

from django.dispatch import receiver

from command.dashboard.signals import statistics_exported

from .models import DownloadRecord, record_download


@receiver(statistics_exported, dispatch_uid="documents.record_statistics_export")
def record_statistics_export(sender, request, kind, fmt, period, **kwargs):
    record_download(request, what=DownloadRecord.What.STATISTICS, kind=kind, fmt=fmt, period=period)
