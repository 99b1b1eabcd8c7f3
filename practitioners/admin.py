from django.contrib import admin

from practitioners.models import Practitioner
from scheduling.models import WorkingHours


class WorkingHoursInline(admin.TabularInline):
    """Weekly hours; a day with a break has two rows."""

    model = WorkingHours
    extra = 1


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "licence_number",
        "licence_issuing_body",
        "licence_expiry",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["user__full_name", "licence_number"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    inlines = [WorkingHoursInline]

    def has_delete_permission(self, request, obj=None):
        return False
