"""Find a time: the earliest free slots for a type, with one or any practitioner."""

import uuid
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import require
from accounts.roles import Capability
from patients.models import Patient
from scheduling.planning_forms import FindForm
from scheduling.slots import find_slots

RESULTS = 20


def chosen_patient(value) -> Patient | None:
    """The active patient a link names by uuid; None for anything else."""
    try:
        key = uuid.UUID(str(value))
    except ValueError:
        return None
    return Patient.objects.active().filter(uuid=key).first()


def _book_url(slot, appointment_type, patient) -> str:
    """The booking form pre-filled with this slot; the start keeps its UTC offset,
    so a time in the repeated hour of the autumn change is not ambiguous."""
    query = {
        "practitioner": slot.practitioner.uuid,
        "room": slot.room.uuid,
        "appointment_type": appointment_type.uuid,
        "start": slot.local_start.isoformat(timespec="minutes"),
    }
    if patient is not None:
        query = {"patient": patient.uuid} | query
    return f"{reverse('scheduling:book')}?{urlencode(query)}"


@require_GET
@require(Capability.VIEW_CALENDAR)
def find(request):
    """The form alone until a type is chosen; then the earliest free slots."""
    searching = "appointment_type" in request.GET
    form = FindForm(request.GET) if searching else FindForm(initial=FindForm.defaults())
    patient = chosen_patient(request.GET["patient"]) if request.GET.get("patient") else None

    slots, passed = None, False
    if searching and form.is_valid():
        data = form.cleaned_data
        kind = data["appointment_type"]
        today = timezone.localdate()
        passed = data["to_date"] < today
        found = find_slots(
            appointment_type=kind,
            # Earlier days can hold no bookable slot: not worth loading.
            first_day=max(data["from_date"], today),
            last_day=data["to_date"],
            practitioner=data["practitioner"],
            day_parts=data["day_parts"],
            limit=RESULTS,
        )
        slots = [(slot, _book_url(slot, kind, patient)) for slot in found]

    context = {
        "form": form,
        "searching": searching,
        "slots": slots,
        "passed": passed,
        "patient": patient,
        "limit": RESULTS,
        "fragment": bool(request.htmx),
    }
    template = "scheduling/find_results.html" if request.htmx else "scheduling/find.html"
    return render(request, template, context)
