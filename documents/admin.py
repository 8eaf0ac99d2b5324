from django.contrib import admin

from .models import DocumentNumber, StoredDocument


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


@admin.register(StoredDocument)
class StoredDocumentAdmin(admin.ModelAdmin):
    """The rendered files (issue 15): read-only; a file is replaced by asking for the document again."""

    list_display = ("incident", "kind", "item", "fmt", "state", "size", "rendered_at", "error_code")
    list_filter = ("state", "fmt", "kind")
    readonly_fields = [f.name for f in StoredDocument._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
