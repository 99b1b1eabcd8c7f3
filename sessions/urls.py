from django.urls import path  # noqa: F401  (each section below adds its routes)

app_name = "records"

urlpatterns = [
    # --- recording a session (today's list, start, record page, sign, addenda, print) below ---
    # --- the patient's clinical page and trend chart below ---
    # --- treatment-floor board below ---
    # --- protocols below ---
]
