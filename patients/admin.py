from django.contrib import admin

from patients.forms import CLINICAL_FLAG_FIELDS, DEMOGRAPHIC_FIELDS
from patients.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    """Demographics only: clinical flags are for practitioners, in the app.
    Patients are archived, never deleted."""

    list_display = ["patient_number", "last_name", "first_name", "date_of_birth", "archived_at"]
    search_fields = ["patient_number", "last_name", "first_name", "preferred_name"]
    list_filter = [("archived_at", admin.EmptyFieldListFilter)]
    fields = ["patient_number", *DEMOGRAPHIC_FIELDS, "user", "archived_at"]
    readonly_fields = ["patient_number", "archived_at"]
    raw_id_fields = ["user"]

    def lookup_allowed(self, lookup, value, request=None):
        # No filtering by clinical flags through the URL (?is_pregnant__exact=1).
        if lookup.split("__")[0] in CLINICAL_FLAG_FIELDS:
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_delete_permission(self, request, obj=None):
        return False
