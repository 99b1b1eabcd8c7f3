"""The waitlist: patients who would take an earlier slot. The appointment page
of a cancelled future appointment lists the entries that fit the freed time
(services.waitlist_matches)."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import require
from accounts.roles import Capability
from scheduling.models import WaitlistEntry
from scheduling.planning_forms import FIND_MAX_DAYS, WaitlistForm
from scheduling.services import add_to_waitlist, withdraw_from_waitlist
from scheduling.views.finder import chosen_patient

PAGE_SIZE = 50


def _find_url(entry: WaitlistEntry, today) -> str | None:
    """Find a time for the entry: its type, practitioner and the dates still
    ahead; None when its dates have passed (there is nothing left to search)."""
    if entry.latest_date < today:
        return None
    first = max(entry.earliest_date, today)
    last = max(first, min(entry.latest_date, first + timedelta(days=FIND_MAX_DAYS - 1)))
    query = {
        "appointment_type": entry.appointment_type.uuid,
        "practitioner": entry.practitioner.uuid if entry.practitioner else "",
        "from_date": first.isoformat(),
        "to_date": last.isoformat(),
        "patient": entry.patient.uuid,
    }
    return f"{reverse('scheduling:find')}?{urlencode(query)}"


@require_http_methods(["GET", "POST"])
@require(Capability.BOOK_APPOINTMENTS)
def waitlist(request):
    initial = {
        key: request.GET[key]
        for key in ("patient", "appointment_type", "practitioner")
        if request.GET.get(key)
    }
    form = WaitlistForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        entry = add_to_waitlist(data=form.cleaned_data, by=request.user)
        messages.success(request, f"{entry.patient.display_name} is on the waitlist.")
        return redirect("scheduling:waitlist")
    if form.is_bound:
        patient = form.cleaned_data.get("patient")
    else:
        patient = chosen_patient(request.GET["patient"]) if request.GET.get("patient") else None

    today = timezone.localdate()
    entries = (
        WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING)
        .select_related("patient", "practitioner__user", "appointment_type")
        # Entries whose dates are still ahead first; those past them after.
        .annotate(past=ExpressionWrapper(Q(latest_date__lt=today), BooleanField()))
        .order_by("past", "earliest_date", "created_at")
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(entry, _find_url(entry, today)) for entry in page]
    context = {"form": form, "page": page, "rows": rows, "patient": patient}
    return render(request, "scheduling/waitlist.html", context)


@require_POST
@require(Capability.BOOK_APPOINTMENTS)
def withdraw(request, uuid):
    entry = get_object_or_404(
        WaitlistEntry.objects.select_related("patient", "appointment_type", "practitioner"),
        uuid=uuid,
    )
    withdrawn = withdraw_from_waitlist(entry=entry, by=request.user)
    if withdrawn:
        messages.success(request, f"{entry.patient.display_name} was taken off the waitlist.")
    else:
        messages.info(
            request,
            f"{entry.patient.display_name}'s entry is no longer waiting "
            f"({entry.get_status_display().lower()}); nothing changed.",
        )
    return redirect("scheduling:waitlist")
