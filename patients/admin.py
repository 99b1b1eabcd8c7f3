from django.contrib import admin

from patients.forms import DEMOGRAPHIC_FIELDS
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

    def has_delete_permission(self, request, obj=None):
        return False
