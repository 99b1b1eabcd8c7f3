from django.contrib import admin

from patients.consent import publish_consent_text
from patients.forms import CLINICAL_FLAG_FIELDS, DEMOGRAPHIC_FIELDS
from patients.models import ConsentText, Patient
from patients.phones import E164_SQL


class PhoneNotE164Filter(admin.SimpleListFilter):
    """Patients whose phone number could not be put in E.164 when numbers were
    normalised (migration 0008): kept as typed, never dropped, and sent no
    text messages until someone corrects them."""

    title = "phone number"
    parameter_name = "phone_format"

    def lookups(self, request, model_admin):
        return [("unparseable", "Not a dialable number (to correct)")]

    def queryset(self, request, queryset):
        if self.value() == "unparseable":
            return queryset.exclude(phone="").exclude(phone__regex=E164_SQL)
        return queryset


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    """Demographics only: clinical flags are for practitioners, in the app.
    Patients are archived, never deleted."""

    list_display = [
        "patient_number", "last_name", "first_name", "date_of_birth", "phone", "archived_at",
    ]  # fmt: skip
    search_fields = ["patient_number", "last_name", "first_name", "preferred_name"]
    list_filter = [("archived_at", admin.EmptyFieldListFilter), PhoneNotE164Filter]
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
