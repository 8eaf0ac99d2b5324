from django.contrib import admin

from .models import DocumentNumber


@admin.register(DocumentNumber)
class DocumentNumberAdmin(admin.ModelAdmin):
    """The register is read-only: a number once given is never changed or taken back."""

    list_display = ("year", "is_drill", "serial", "kind", "incident", "assigned_at", "assigned_by")
    list_filter = ("year", "is_drill", "kind")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
