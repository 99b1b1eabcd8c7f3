from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("<uuid:uuid>/retry/", views.retry, name="retry"),
    path("sms/inbound/", views.sms_inbound, name="sms-inbound"),
]
