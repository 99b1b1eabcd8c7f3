from django.contrib import admin

from practitioners.models import Practitioner


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

    def has_delete_permission(self, request, obj=None):
        return False
