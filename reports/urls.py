from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("outcomes/", views.outcomes, name="outcomes"),
    path("outcomes/how/", views.outcomes_about, name="outcomes_about"),
    path("outcomes/<slug:table>.csv", views.outcomes_csv, name="outcomes_csv"),
    path("research-export/", views.research_export, name="research_export"),
    path("practice/", views.practice, name="practice"),
    path("practice/<slug:table>.csv", views.practice_csv, name="practice_csv"),
]
