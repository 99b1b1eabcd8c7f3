"""Find a time: the earliest free slots for a type, with one or any practitioner."""

import uuid
from urllib.parse import urlencode

from django.shortcuts import render
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from accounts.access import require
from accounts.roles import Capability
from patients.models import Patient
from scheduling.availability import clinic_zone
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


def _results(slots) -> list[dict]:
    """The found slots as the results list shows them, in clinic time."""
    zone = clinic_zone()
    rows = []
    for slot, book_url in slots:
        start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
        rows.append(
            {
                "day": f"{start:%A} {start.day} {start:%B}",
                "start": f"{start:%H:%M}",
                "end": f"{end:%H:%M}",
                "practitioner": str(slot.practitioner),
                "room": str(slot.room),
                "book_url": book_url,
            }
        )
    return rows


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
    # The results list through Jinja2, as the calendar grids (docs/performance.md).
    results = engines["jinja2"].get_template("scheduling/find_results.html")
    context["results_html"] = mark_safe(  # noqa: S308 (autoescaped by Jinja2)
        results.render(
            {
                "form": form,
                "fragment": context["fragment"],
                "rows": None if slots is None else _results(slots),
                "passed": passed,
                "limit": RESULTS,
            },
            request,
        )
    )
    template = "scheduling/find_results.html" if request.htmx else "scheduling/find.html"
    return render(request, template, context)
