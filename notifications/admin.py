from django.contrib import admin

from notifications.models import OutboundMessage, TextOptOut


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """Read-only: what was sent to whom and what became of it. Retry a failed
    message from its appointment's page."""

    list_display = [
        "created_at",
        "appointment",
        "kind",
        "channel",
        "recipient",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["recipient"]
    date_hierarchy = "created_at"
    list_select_related = ["appointment__appointment_type"]
    readonly_fields = [
        "uuid", "appointment", "subject_ref", "kind", "channel", "recipient", "sequence", "about_start_at",
        "status", "attempts", "last_error", "next_attempt_at", "created_at", "sent_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TextOptOut)
class TextOptOutAdmin(admin.ModelAdmin):
    """Numbers that replied STOP. Read-only: only the number's owner lifts an
    opt-out, by replying START."""

    list_display = ["number", "opted_out_at", "keyword"]
    search_fields = ["number"]
    readonly_fields = ["number", "opted_out_at", "keyword"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
