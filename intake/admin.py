"""The clinic edits its intake questions here, by version. A version that
has been sent to a patient keeps its questions as they were (read only): copy
it into a new version to change the wording. Answers are clinical data and
are not in the admin."""

from django.contrib import admin, messages

from intake import services
from intake.models import IntakeForm, IntakeQuestion


class QuestionInline(admin.TabularInline):
    model = IntakeQuestion
    extra = 0
    fields = ["position", "section", "key", "text", "help_text", "kind", "choices", "required",
              "flag", "is_red_flag"]  # fmt: skip

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.in_use

    has_add_permission = has_change_permission

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.in_use


@admin.register(IntakeForm)
class IntakeFormAdmin(admin.ModelAdmin):
    list_display = ["version", "is_current", "created_at"]
    fields = ["version", "is_current"]
    inlines = [QuestionInline]
    actions = ["copy_as_new_version"]

    def get_readonly_fields(self, request, obj=None):
        return ["version"] if obj is not None and obj.in_use else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The admin's change view already runs in a transaction.
        services.save_intake_form(intake_form=obj, changed=form.changed_data, change=change,
                                  by=request.user)  # fmt: skip

    @admin.action(description="Copy as a new version (not current)")
    def copy_as_new_version(self, request, queryset):
        for source in queryset:
            copy = services.copy_intake_form(source=source, by=request.user)
            messages.success(
                request, f"Copied to version {copy.version}: edit it, then make it current."
            )
