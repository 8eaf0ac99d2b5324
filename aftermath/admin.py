"""Admin: read-only (records change only through the aftermath page's services, with their locks and
revisions; an archived incident's records are read-only everywhere)."""

from django.contrib import admin

from incidents.admin import ReadOnlyAdmin

from .models import Measure, Record, Revision


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    list_display = ("incident", "kind", "team_level", "created_at")


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("record", "number", "status", "saved_by_name", "saved_at", "submitted_at")
    list_filter = ("status",)


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ("incident", "text", "owner_unit", "due_on", "state")
    list_filter = ("state",)
