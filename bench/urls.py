"""The app's URLs plus the benchmark's bare view (bench.settings only)."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from clinic.urls import handler403, handler404, handler500
from clinic.urls import urlpatterns as app_urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def bare(request):
    """Logged in like every page (session and user lookups), then one trivial query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *app_urlpatterns]
