from django.contrib import admin

from .models import DocumentNumber, DownloadRecord, StoredDocument


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


@admin.register(DownloadRecord)
class DownloadRecordAdmin(admin.ModelAdmin):
    """Who downloaded which document or export (issue 16): read-only, append-only."""

    list_display = ("at", "user_name", "what", "incident", "kind", "fmt", "number", "period", "address")
    list_filter = ("what", "fmt")
    readonly_fields = [f.name for f in DownloadRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
