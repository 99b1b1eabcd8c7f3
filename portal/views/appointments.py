"""The patient's own appointments: upcoming ones, cancelling, booking online.

Every view asks for USE_PORTAL and finds the patient through the signed-in
account (portal.access), so a patient reaches nothing of another patient's:
any other appointment's URL is 404. The rules are enforced by portal.services
on every POST, whatever the pages showed.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import require
from accounts.roles import Capability
from clinic.models import ClinicSettings
from portal import services
from portal.access import get_own_appointment, get_own_patient
from portal.forms import OnlineSearchForm, PatientCancelForm, SlotForm
from scheduling.models import Appointment
from scheduling.services import BookingError

SEARCH_RESULTS = 20


@dataclass(frozen=True)
class Upcoming:
    appointment: Appointment
    may_cancel: bool
    cancel_until: datetime


def _address_lines(clinic: ClinicSettings) -> list[str]:
    return [line.strip() for line in clinic.address.splitlines() if line.strip()]


def home_context(patient, now=None) -> dict:
    """The portal home: upcoming appointments with what the patient may do.
    A fixed number of queries, however many appointments there are."""
    now = now or timezone.now()
    clinic = ClinicSettings.load()
    appointments = (
        services.upcoming_appointments(patient, now)
        .select_related("practitioner__user", "room", "appointment_type")
        .order_by("start_at")
    )
    upcoming = [
        Upcoming(
            appointment=appointment,
            may_cancel=services.patient_may_cancel(appointment, clinic, now),
            cancel_until=services.cancel_deadline(appointment.start_at, clinic),
        )
        for appointment in appointments
    ]
    return {
        "patient": patient,
        "clinic": clinic,
        "address_lines": _address_lines(clinic),
        "upcoming": upcoming,
        "too_late_message": services.too_late_to_cancel_message(clinic),
        "online_booking": clinic.online_booking_enabled and not patient.is_archived,
    }


@require_GET
@require(Capability.USE_PORTAL)
def home(request):
    patient = get_own_patient(request)
    return render(request, "portal/home.html", home_context(patient))


@require_http_methods(["GET", "POST"])
@require(Capability.USE_PORTAL)
def cancel(request, uuid):
    """Confirm with a reason; refused (and the page says why) inside the notice period."""
    appointment = get_own_appointment(request, uuid)
    clinic = ClinicSettings.load()
    form = PatientCancelForm(request.POST or None)
    problem = ""
    if appointment.status != Appointment.Status.BOOKED:
        problem = (
            f"This appointment is {appointment.get_status_display().lower()}: there is "
            "nothing to cancel."
        )
    elif not services.patient_may_cancel(appointment, clinic):
        problem = services.too_late_to_cancel_message(clinic)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_by_patient(
                appointment=appointment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except BookingError as error:
            problem = error.message
        else:
            when = timezone.localtime(appointment.start_at)
            messages.success(
                request,
                f"Your appointment on {when:%A} {when.day} {when:%B} at {when:%H:%M} is "
                "cancelled. We have e-mailed you a confirmation if you get e-mails from us.",
            )
            return redirect("portal:home")
    context = {
        "appointment": appointment,
        "form": form,
        "problem": problem,
        "clinic": clinic,
        "cancel_until": services.cancel_deadline(appointment.start_at, clinic),
    }
    return render(request, "portal/appointment_cancel.html", context)


def _confirm_url(slot, appointment_type) -> str:
    query = {
        "appointment_type": appointment_type.uuid,
        "practitioner": slot.practitioner.uuid,
        "room": slot.room.uuid,
        # Keeps the UTC offset: the repeated hour of the autumn change is not ambiguous.
        "start": slot.local_start.isoformat(timespec="minutes"),
    }
    return f"{reverse('portal:book-confirm')}?{urlencode(query)}"


def _by_day(slots: list) -> list[tuple]:
    """[(local date, [(slot, url), ...]), ...] in time order, for a heading per day."""
    days: dict = {}
    for slot, url in slots:
        days.setdefault(slot.local_start.date(), []).append((slot, url))
    return list(days.items())


@require_GET
@require(Capability.USE_PORTAL)
def book(request):
    """Choose a type, optionally a practitioner and dates; see the free times."""
    patient = get_own_patient(request)
    clinic = ClinicSettings.load()
    rules = services.OnlineRules.load(clinic=clinic)
    context = {"clinic": clinic, "rules": rules, "patient": patient}
    if not rules.enabled or patient.is_archived:
        return render(request, "portal/book_closed.html", context)

    types = services.bookable_types()
    upcoming_count = services.upcoming_appointments(patient, rules.now).count()
    limit_reached = upcoming_count >= rules.max_upcoming
    searching = "appointment_type" in request.GET
    form = OnlineSearchForm(
        request.GET if searching else None,
        types=types,
        first_day=rules.first_day,
        last_day=rules.last_day,
    )
    if not searching:
        only = list(types[:2])
        form.initial = form.defaults() | (
            {"appointment_type": only[0].uuid} if len(only) == 1 else {}
        )

    slots, slot_count = None, 0
    if searching and not limit_reached and form.is_valid():
        data = form.cleaned_data
        kind = data["appointment_type"]
        found = services.search_slots(
            rules=rules,
            appointment_type=kind,
            practitioner=data["practitioner"],
            first_day=data["from_date"],
            last_day=data["to_date"],
            limit=SEARCH_RESULTS,
        )
        slots = _by_day([(slot, _confirm_url(slot, kind)) for slot in found])
        slot_count = len(found)
    context |= {
        "form": form,
        "has_types": types.exists(),
        "slots": slots,
        "slot_count": slot_count,
        "limit": SEARCH_RESULTS,
        "upcoming_count": upcoming_count,
        "limit_reached": limit_reached,
    }
    return render(request, "portal/book.html", context)


@require_http_methods(["GET", "POST"])
@require(Capability.USE_PORTAL)
def book_confirm(request):
    """GET: the chosen slot, checked against every rule, with a Book button.
    POST: book it, checking every rule again (portal.services.book_online)."""
    patient = get_own_patient(request)
    clinic = ClinicSettings.load()
    form = SlotForm(request.POST if request.method == "POST" else request.GET)
    context = {"clinic": clinic, "address_lines": _address_lines(clinic), "form": form}
    problem, slot = "", None
    if not form.is_valid():
        problem = "Choose a time from the list of free times."
    else:
        data = form.cleaned_data
        try:
            if request.method == "POST":
                appointment = services.book_online(
                    patient=patient,
                    appointment_type=data["appointment_type"],
                    practitioner=data["practitioner"],
                    room=data["room"],
                    start_at=data["start"],
                    by=request.user,
                )
            else:
                slot = services.check_online_booking(
                    patient=patient,
                    appointment_type=data["appointment_type"],
                    practitioner=data["practitioner"],
                    room=data["room"],
                    start_at=data["start"],
                )
        except BookingError as error:
            problem = error.message
        else:
            if request.method == "POST":
                when = timezone.localtime(appointment.start_at)
                messages.success(
                    request,
                    f"Booked: {appointment.appointment_type.name} with {appointment.practitioner} "
                    f"on {when:%A} {when.day} {when:%B} at {when:%H:%M}.",
                )
                return redirect("portal:home")
    context |= {
        "problem": problem,
        "slot": slot,
        "appointment_type": form.cleaned_data.get("appointment_type") if slot else None,
        "cancel_hours": clinic.late_cancellation_hours,
        "cancel_until": services.cancel_deadline(slot.start, clinic) if slot else None,
    }
    return render(request, "portal/book_confirm.html", context)
