from django.contrib import admin
from django.urls import include, path

from clinic import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("patients/", include("patients.urls")),
    path("practitioners/", include("practitioners.urls")),
    path("calendar/", include("scheduling.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "clinic.views.permission_denied"
handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"
