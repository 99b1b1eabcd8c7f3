from django.contrib import admin

from clinic.admin_labels import LabelledInputsMixin
from scheduling.models import (
    AppointmentType,
    AvailabilityException,
    ClinicClosure,
    Room,
    WorkingHours,
)


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "notes"]
    list_filter = ["is_active"]

    def has_delete_permission(self, request, obj=None):
        return False  # appointments refer to rooms; deactivate instead


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "duration_minutes",
        "buffer_after_minutes",
        "bookable_online",
        "is_active",
    ]
    list_filter = ["is_active", "bookable_online"]
    filter_horizontal = ["practitioners"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "weekday", "start_time", "end_time"]
    list_filter = ["practitioner", "weekday"]
    list_select_related = ["practitioner__user"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(LabelledInputsMixin, admin.ModelAdmin):
    list_display = ["practitioner", "kind", "start_at", "end_at", "reason"]
    list_filter = ["kind", "practitioner"]
    list_select_related = ["practitioner__user"]


@admin.register(ClinicClosure)
class ClinicClosureAdmin(admin.ModelAdmin):
    list_display = ["reason", "start_date", "end_date"]
