"""Admin: for system administrators. The timeline and follow-up reports are read-only here as
everywhere; state changes go through the incident page (lifecycle.py), never through the admin."""

from django.contrib import admin

from .models import (
    FirstMeasure,
    FollowUpReport,
    Incident,
    LinkedEvent,
    PlanVersion,
    TimelineEvent,
    UpwardReport,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = ("title", "doc_no", "issued_on", "in_force")


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "state", "level", "county", "reported_at", "is_drill")
    list_filter = ("state", "level", "category", "is_drill")
    search_fields = ("title", "address")


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "incident", "actor_name", "kind", "summary", "clause")
    list_filter = ("kind",)


@admin.register(FollowUpReport)
class FollowUpReportAdmin(ReadOnlyAdmin):
    list_display = ("at", "incident", "reporter", "note")


@admin.register(UpwardReport)
class UpwardReportAdmin(ReadOnlyAdmin):
    list_display = ("incident", "sender", "recipient", "due_at", "sent_at")


admin.site.register(FirstMeasure, ReadOnlyAdmin)
admin.site.register(LinkedEvent)
