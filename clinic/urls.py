from django.contrib import admin
from django.urls import include, path

from accounts.views import two_factor_urlpatterns
from clinic import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("accounts/two-factor/", include((two_factor_urlpatterns, "two_factor"))),
    path("patients/", include("patients.urls")),
    path("practitioners/", include("practitioners.urls")),
    path("calendar/", include("scheduling.urls")),
    path("records/", include("sessions.urls")),
    path("intake/", include("intake.urls")),
    path("documents/", include("documents.urls")),
    path("portal/", include("portal.urls")),
    path("messages/", include("notifications.urls")),
    path("billing/", include("billing.urls")),
    path("audit/", include("audit.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "clinic.views.permission_denied"
handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"
