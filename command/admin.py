from django.contrib import admin

from .models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("source", "last_seen", "count", "hostname")
    readonly_fields = ("source", "last_seen", "count", "hostname")
