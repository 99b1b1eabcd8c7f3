from django.urls import path

from portal.views import account, appointments, billing, records

app_name = "portal"

urlpatterns = [
    # --- account: invitation, password set/reset ---
    path("invite/<uuid:uuid>/", account.invite, name="invite"),
    path("welcome/<uidb64>/<token>/", account.WelcomeView.as_view(), name="welcome"),
    # --- home, appointments, cancel, online booking ---
    path("", appointments.home, name="home"),
    path("appointments/<uuid:uuid>/cancel/", appointments.cancel, name="cancel"),
    path("book/", appointments.book, name="book"),
    path("book/confirm/", appointments.book_confirm, name="book-confirm"),
    # --- history, progress, questionnaire, who opened my record, export ---
    path("history/", records.history, name="history"),
    path("history/<uuid:uuid>/", records.history_session, name="session"),
    path("progress/", records.progress, name="progress"),
    path("appointments/<uuid:uuid>/questionnaire/", records.questionnaire, name="questionnaire"),
    path("access-log/", records.access_log, name="access-log"),
    path("export.json", records.export_json, name="export-json"),
    path("export/", records.export_page, name="export"),
    # --- bills, payments, package credits and their documents ---
    path("billing/", billing.billing, name="billing"),
]
