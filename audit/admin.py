from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses changes anyway."""

    list_display = ["occurred_at", "action", "actor", "actor_label", "patient", "client_address"]
    list_filter = ["action"]
    search_fields = ["action", "actor_label", "object_id"]
    list_select_related = ["actor", "patient"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
