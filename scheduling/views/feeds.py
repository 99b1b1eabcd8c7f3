"""A practitioner's private calendar feed (iCalendar) and the page that manages
its link. The feed is public by design (calendar programs cannot log in): the
unguessable token is the key, and revoking it makes a new one."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import require
from accounts.roles import Capability
from notifications import ics
from practitioners.models import Practitioner
from scheduling.models import Appointment, CalendarFeed
from scheduling.services import live_calendar_feed, renew_calendar_feed

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)


def feed_appointments(practitioner, now):
    """The appointments a feed shows, loading only what it prints (never clinical fields)."""
    return (
        Appointment.objects.active()
        .filter(
            practitioner=practitioner,
            start_at__gte=now - FEED_PAST,
            start_at__lt=now + FEED_AHEAD,
        )
        .select_related("patient", "room", "appointment_type")
        .only(
            "uuid",
            "start_at",
            "end_at",
            "sequence",
            "patient__first_name",
            "patient__preferred_name",
            "patient__last_name",
            "room__name",
            "appointment_type__name",
        )
        .order_by("start_at", "id")
    )


@login_not_required
@require_safe
def feed(request, token):
    """The practitioner's appointments as text/calendar; 404 for an unknown or revoked token."""
    calendar_feed = (
        CalendarFeed.objects.filter(
            token=token,
            revoked_at__isnull=True,
            practitioner__is_active=True,
            practitioner__user__is_active=True,
        )
        .select_related("practitioner__user")
        .first()
    )
    if calendar_feed is None:
        raise Http404("No such calendar feed.")
    now = timezone.now()
    practitioner = calendar_feed.practitioner
    body = ics.feed(practitioner, feed_appointments(practitioner, now), now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
@require(Capability.EDIT_OWN_APPOINTMENTS)
def manage(request):
    """The signed-in practitioner's feed link, and a button to replace it."""
    practitioner = Practitioner.objects.filter(user=request.user).first()
    if practitioner is None:
        return render(request, "scheduling/feed.html", {"practitioner": None})
    if request.method == "POST":
        renew_calendar_feed(practitioner=practitioner, by=request.user)
        messages.success(
            request,
            "The old link no longer works. Subscribe your calendar to the new one below.",
        )
        return redirect("scheduling:feed-manage")
    calendar_feed = live_calendar_feed(practitioner=practitioner, by=request.user)
    url = request.build_absolute_uri(
        reverse("scheduling:feed", kwargs={"token": calendar_feed.token})
    )
    webcal = "webcal://" + url.split("://", 1)[1]
    return render(
        request,
        "scheduling/feed.html",
        {
            "practitioner": practitioner,
            "feed": calendar_feed,
            "feed_url": url,
            "webcal_url": webcal,
            "days_back": FEED_PAST.days,
            "days_ahead": FEED_AHEAD.days,
        },
    )
