from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect

from clinic.admin_labels import LabelledInlineFormSet, LabelledInputsMixin
from practitioners.models import Practitioner, PractitionerLicence
from scheduling.models import WorkingHours


class IdOnlyAutocompleteSelect(AutocompleteSelect):
    """Django's widget looks the posted value up as an id when the form is shown
    again; a value that is no number made that a 500. Such a value is shown as
    no choice, and the form's own validation explains it."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if str(v).isdigit()], attr)


class WorkingHoursInline(LabelledInputsMixin, admin.TabularInline):
    """Weekly hours; a day with a break has two rows."""

    model = WorkingHours
    extra = 1
    label_every_input = True
    formset = LabelledInlineFormSet


class EarlierLicenceInline(admin.TabularInline):
    """Licences replaced by a renewal or a correction, kept by PostgreSQL (read-only).
    To renew, enter the new licence above: the one it replaces is listed here."""

    model = PractitionerLicence
    verbose_name_plural = "earlier licences"
    fields = readonly_fields = [
        "licence_number",
        "licence_issuing_body",
        "licence_expiry",
        "replaced_at",
    ]
    extra = max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "licence_number",
        "licence_issuing_body",
        "licence_expiry",
        "is_active",
        "is_clinical_lead",
    ]
    list_filter = ["is_active", "is_clinical_lead"]
    search_fields = ["user__full_name", "licence_number"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    inlines = [WorkingHoursInline, EarlierLicenceInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["widget"] = IdOnlyAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False
