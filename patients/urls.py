from django.urls import path

from patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:uuid>/", views.patient_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.patient_edit, name="edit"),
    path("<uuid:uuid>/clinical-flags/", views.patient_flags_edit, name="flags-edit"),
    path("<uuid:uuid>/archive/", views.patient_archive, name="archive"),
    path("<uuid:uuid>/restore/", views.patient_restore, name="restore"),
    path("<uuid:uuid>/consent/", views.patient_consent, name="consent"),
    path("<uuid:uuid>/consent/withdraw/", views.patient_consent_withdraw, name="consent-withdraw"),
]
