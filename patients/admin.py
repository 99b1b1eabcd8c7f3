from django.contrib import admin

from patients.consent import publish_consent_text
from patients.forms import CLINICAL_FLAG_FIELDS, DEMOGRAPHIC_FIELDS
from patients.models import ConsentText, Patient


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


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """The clinic's consent wording (not patient data). A version keeps its
    wording for good (PostgreSQL refuses a change): new wording is a new
    version. Saving one marked current makes it the only current one."""

    list_display = ["version", "is_current", "created_at"]
    ordering = ["-created_at"]

    def get_fields(self, request, obj=None):
        return ["version", "text", "is_current"]

    def get_readonly_fields(self, request, obj=None):
        return ["version", "text"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        publish_consent_text(consent_text=obj, changed=form.changed_data, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False
