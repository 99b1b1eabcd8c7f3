from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("patients/<uuid:uuid>/send/", views.send, name="send"),
    path("thanks/", views.thanks, name="thanks"),
    path("<uuid:uuid>/review/", views.review, name="review"),
    path("<uuid:uuid>/<str:token>/", views.fill, name="fill"),
]
