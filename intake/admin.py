"""The clinic edits its intake questions here, by version. A version that
has been sent to a patient keeps its questions as they were (read only): copy
it into a new version to change the wording. Answers are clinical data and
are not in the admin."""

from django.contrib import admin, messages
from django.db import transaction

from audit.services import record
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

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if obj.is_current:
            IntakeForm.objects.current().exclude(pk=obj.pk).update(is_current=False)
        super().save_model(request, obj, form, change)
        record(
            "intake.form.changed" if change else "intake.form.added",
            actor=request.user,
            obj=obj,
            data={"version": obj.version, "changed_fields": list(form.changed_data)},
        )

    @admin.action(description="Copy as a new version (not current)")
    def copy_as_new_version(self, request, queryset):
        for source in queryset:
            with transaction.atomic():
                version = f"{source.version}-copy-{IntakeForm.objects.count() + 1}"
                copy = IntakeForm.objects.create(version=version[:20])
                questions = list(source.questions.all())
                for q in questions:
                    q.pk, q.form = None, copy
                IntakeQuestion.objects.bulk_create(questions)
                record("intake.form.added", actor=request.user, obj=copy,
                       data={"version": copy.version, "copied_from": source.version})  # fmt: skip
            messages.success(
                request, f"Copied to version {copy.version}: edit it, then make it current."
            )
