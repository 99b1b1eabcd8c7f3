from django.contrib import admin

from audit.models import AuditEvent
from audit.presentation import describe_data


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses changes anyway.

    The Django admin is the clinic admin's, who has no clinical capability: an
    event's data is shown as its keys (audit.presentation), never its values,
    and cannot be searched or filtered by value (?data__acupoint=BL25 would
    tell which rows hold it)."""

    list_display = ["occurred_at", "action", "actor", "actor_label", "patient", "client_address"]
    list_filter = ["action"]
    search_fields = ["action", "actor_label", "object_id"]
    list_select_related = ["actor", "patient"]
    date_hierarchy = "occurred_at"
    fields = [
        "occurred_at", "action", "actor", "actor_label", "object_type", "object_id", "patient",
        "client_address", "data_keys", "chain_position", "prev_hash", "hash",
    ]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="data (keys only)")
    def data_keys(self, event):
        return describe_data(event.action, event.data) or "—"

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__")[0] == "data":
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
