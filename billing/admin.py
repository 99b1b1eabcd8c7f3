"""The clinic admin sets the billing rules, the fees and the diagnosis-code list
here. Invoices, payments and the rest are kept on the billing pages: they are
never edited or deleted."""

from django.contrib import admin

from billing.models import BillingSettings, DiagnosisCode, Fee, PractitionerRegistration


@admin.register(BillingSettings)
class BillingSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        ("Money", {"fields": ["currency", "country"]}),
        (
            "Tax",
            {
                "fields": [
                    "tax_name",
                    "treatment_tax_rate",
                    "goods_tax_rate",
                    "tax_note",
                    "tax_registration",
                ]
            },
        ),
        ("Invoicing", {"fields": ["invoice_at", "invoice_prefix", "credit_note_prefix"]}),
        ("Cancellation policy", {"fields": ["late_cancellation_fee", "no_show_fee"]}),
        ("Practitioners", {"fields": ["practitioners_see_own_revenue"]}),
    ]

    def has_add_permission(self, request):
        return not BillingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Fee)
class FeeAdmin(admin.ModelAdmin):
    list_display = ["appointment_type", "practitioner", "amount"]
    list_select_related = ["appointment_type", "practitioner__user"]
    list_filter = ["appointment_type"]


@admin.register(DiagnosisCode)
class DiagnosisCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "system", "suggested_for", "is_active"]
    list_filter = ["system", "is_active"]
    search_fields = ["code", "description"]

    def has_delete_permission(self, request, obj=None):
        # A code printed on a superbill stays; retire it instead (is_active).
        return False


@admin.register(PractitionerRegistration)
class PractitionerRegistrationAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "registration_number"]
    list_select_related = ["practitioner__user"]
