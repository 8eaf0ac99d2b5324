"""Signals the dashboard sends. ``statistics_exported``: someone downloaded the statistics (issue 16: an
auditor asks who exported which figures). The download record lives in documents, a room above command;
documents connects a receiver (``documents/receivers.py``), so command never imports it."""

from django.dispatch import Signal

# kwargs: request, kind ("statistics"), fmt ("xlsx" / "csv"), period (text)
statistics_exported = Signal()
