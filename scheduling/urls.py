from django.urls import path

from scheduling.views import appointments

app_name = "scheduling"

urlpatterns = [
    # Booking and the appointment's lifecycle.
    path("appointments/new/", appointments.book, name="book"),
    path("appointments/patient-options/", appointments.patient_options, name="patient-options"),
    path("appointments/<uuid:uuid>/", appointments.detail, name="appointment"),
    path("appointments/<uuid:uuid>/move/", appointments.move, name="move"),
    path("appointments/<uuid:uuid>/status/", appointments.status, name="status"),
    path("appointments/<uuid:uuid>/cancel/", appointments.cancel, name="cancel"),
    # --- calendar views (day, week, colours, day sheet) go below this line ---
    # --- find a time, course of care and waitlist go below this line ---
    # --- calendar feeds go below this line ---
]
