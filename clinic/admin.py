from django.contrib import admin

from clinic.models import ClinicSettings


@admin.register(ClinicSettings)
class ClinicSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        ("Clinic", {"fields": ["name", "address", "phone", "email"]}),
        (
            "Appointments",
            {"fields": ["slot_minutes", "late_cancellation_hours", "reminder_hours_before"]},
        ),
        (
            "Treatment",
            {
                "fields": [
                    "retention_min_minutes",
                    "retention_max_minutes",
                    "caution_depth_mm",
                    "review_after_sessions",
                ]
            },
        ),
        (
            "Online booking",
            {
                "fields": [
                    "online_booking_enabled",
                    "online_min_notice_hours",
                    "online_max_days_ahead",
                    "online_max_upcoming",
                ]
            },
        ),
        ("Sign-in security", {"fields": ["require_two_factor_for_staff"]}),
    ]

    def has_add_permission(self, request):
        return not ClinicSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
