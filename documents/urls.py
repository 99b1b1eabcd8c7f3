from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("patients/<uuid:uuid>/", views.patient_documents, name="patient"),
    path("mine/", views.mine, name="mine"),
    path("<uuid:uuid>/download/", views.download, name="download"),
    path(
        "patients/<uuid:uuid>/<uuid:document>/filed-in-error/",
        views.filed_in_error,
        name="filed-in-error",
    ),
]
