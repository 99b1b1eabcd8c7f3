from django.urls import path, register_converter

from sessions.record_steps import StepConverter
from sessions.views import clinical
from sessions.views import floor as floor_views
from sessions.views import protocols as protocol_views
from sessions.views import record as record_views
from sessions.views import record_sections as section_views

app_name = "records"
register_converter(StepConverter, "step")

urlpatterns = [
    # --- recording a session (today's list, start, record page, sign, addenda, print) below ---
    path("today/", record_views.today, name="today"),
    path("start/", record_views.start, name="start"),
    path("points/", record_views.points, name="points"),
    path("<uuid:uuid>/", record_views.record, name="record"),
    path("<uuid:uuid>/step/<step:step>/", record_views.step, name="step"),
    path("<uuid:uuid>/print/", record_views.print_record, name="print"),
    path("<uuid:uuid>/assessment/", section_views.assessment, name="assessment"),
    path("<uuid:uuid>/placements/add/", section_views.placement_add, name="placement-add"),
    path(
        "<uuid:uuid>/placements/<int:pk>/remove/",
        section_views.placement_remove,
        name="placement-remove",
    ),
    path("<uuid:uuid>/protocol/", section_views.protocol, name="apply-protocol"),
    path("<uuid:uuid>/copy-last/", section_views.copy_last, name="copy-last"),
    path("<uuid:uuid>/needles-in/", section_views.needles_in, name="needles-in"),
    path("<uuid:uuid>/needles-out/", section_views.needles_out, name="needles-out"),
    path("<uuid:uuid>/after-removal/", section_views.after_removal, name="after-removal"),
    path("<uuid:uuid>/incident/", section_views.incident, name="incident"),
    path("<uuid:uuid>/overrides/", section_views.override, name="override"),
    path("<uuid:uuid>/lesion-sites/", section_views.lesion_add, name="lesion-add"),
    path(
        "<uuid:uuid>/lesion-sites/<int:pk>/resolve/",
        section_views.lesion_resolve,
        name="lesion-resolve",
    ),
    path("<uuid:uuid>/adverse-events/", section_views.adverse_event, name="adverse-event"),
    path("<uuid:uuid>/follow-up/", section_views.follow_up, name="follow-up"),
    path("<uuid:uuid>/sign/", section_views.sign, name="sign"),
    path("<uuid:uuid>/addenda/", section_views.addendum, name="addendum"),
    # --- the patient's clinical page and trend chart below ---
    path("patient/<uuid:uuid>/", clinical.patient_clinical, name="patient"),
    # --- treatment-floor board below ---
    path("floor/", floor_views.floor, name="floor"),
    # --- protocols below ---
    path("protocols/", protocol_views.protocol_list, name="protocols"),
    path("protocols/<uuid:uuid>/", protocol_views.protocol_edit, name="protocol"),
    path("protocols/<uuid:uuid>/delete/", protocol_views.protocol_delete, name="protocol-delete"),
]

# --- the clinic's reference lists: needle stock and pregnancy cautions (issue 11) ---
# Appended (import included) so that this block merges apart from the lines above.
from sessions.views import reference as reference_views  # noqa: E402

urlpatterns += [
    path("reference/needles/", reference_views.needle_list, name="needles"),
    path("reference/needles/<int:pk>/", reference_views.needle_edit, name="needle"),
    path(
        "reference/pregnancy-points/",
        reference_views.pregnancy_point_list,
        name="pregnancy-points",
    ),
    path(
        "reference/pregnancy-points/<int:pk>/",
        reference_views.pregnancy_point_edit,
        name="pregnancy-point",
    ),
    path(
        "reference/pregnancy-points/<int:pk>/remove/",
        reference_views.pregnancy_point_remove,
        name="pregnancy-point-remove",
    ),
]
