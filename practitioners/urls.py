from django.urls import path

from practitioners import views

app_name = "practitioners"

urlpatterns = [
    path("", views.practitioner_list, name="list"),
    path("<uuid:uuid>/", views.practitioner_detail, name="detail"),
]
