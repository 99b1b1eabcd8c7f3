"""Recording a treatment session: the practitioner's list for today, opening a
record, the record page (a signed record, or another practitioner's, is
read-only with its addenda; a draft's author is taken to its first unfinished
step), the steps of a draft (sessions/record_steps.py: one page per step, its
sections only; htmx swaps a step in), the print page and the point typeahead. The sections' POST endpoints live in
record_sections.py; both modules present the record through
sessions.record_page.

Access: patients get 403 on every page here (their own signed records are for
the portal). Reading a record needs VIEW_CLINICAL, checked by the lookup
(TreatmentSession.objects.visible_to), so front desk and clinic admin get 404
and never learn whether a record exists; another practitioner's draft is 404
too. Writing needs RECORD_SESSIONS and the record's own author (403 otherwise).
Every GET of a record page is written to the audit trail (who, what, when).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.access import require
from accounts.roles import Capability
from clinic.models import ClinicSettings
from patients.models import Patient
from scheduling.models import Appointment
from sessions import services
from sessions.access import get_session_for_user
from sessions.forms import StartForm
from sessions.models import Acupoint
from sessions.record_page import (
    first_step_url,
    load_session,
    prefetch_record,
    record_context,
    record_url,
    step_context,
)
from sessions.record_steps import Step
from sessions.today import practitioner_day

__all__ = ["record_url"]  # the clinical page links records through it


# --- Pages ------------------------------------------------------------------------


@require_GET
@require(Capability.RECORD_SESSIONS)
def today(request):
    """The practitioner's appointments today, in time order, each with its record."""
    practitioner = getattr(request.user, "practitioner", None)
    agenda = practitioner_day(practitioner, timezone.localdate())
    query = "".join(ch for ch in request.GET.get("q", "") if ch.isprintable()).strip()[:100]
    patients = Patient.objects.active().search(query)[:10] if len(query) >= 2 else []
    context = {
        "practitioner": practitioner,
        "day": agenda.day,
        "rows": agenda.rows,
        "walk_ins": agenda.walk_ins,
        "query": query,
        "patients": patients,
    }
    return render(request, "sessions/today.html", context)


@require_POST
@require(Capability.RECORD_SESSIONS)
def start(request):
    """Open the record of one of one's appointments (or return the one already
    open), or a record without an appointment for an active patient."""
    practitioner = getattr(request.user, "practitioner", None)
    if practitioner is None:
        messages.error(
            request,
            "Your account has no practitioner profile: ask the clinic admin to add your licence.",
        )
        return redirect("records:today")
    form = StartForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("records:today")
    appointment = None
    if form.cleaned_data["appointment"]:
        appointment = get_object_or_404(
            Appointment.objects.select_related("patient", "room"),
            uuid=form.cleaned_data["appointment"],
            practitioner=practitioner,
        )
        if not appointment.is_active:
            messages.error(
                request,
                f"That appointment is {appointment.get_status_display().lower()}: no record "
                "is opened for it. To record a visit anyway, start a record without an "
                "appointment.",
            )
            return redirect("records:today")
        patient = appointment.patient
    else:
        patient = (
            Patient.objects.visible_to(request.user)
            .active()
            .filter(uuid=form.cleaned_data["patient"])
            .first()
        )
        if patient is None:
            messages.error(request, "Choose an active patient from the list.")
            return redirect("records:today")
    session = services.start_session(
        patient=patient, practitioner=practitioner, by=request.user, appointment=appointment
    )
    return redirect(record_url(session))


@require_GET
@require(Capability.VIEW_PATIENTS)  # staff only; VIEW_CLINICAL is checked by the lookup (404)
def record(request, uuid):
    """The read-only record; its author's draft opens at its first unfinished step."""
    session = get_session_for_user(request, uuid)
    if session.is_editable_by(request.user):
        return redirect(first_step_url(session))
    prefetch_record(session)
    services.record_read(session=session, by=request.user, view="record")
    return render(request, "sessions/record.html", record_context(request, session))


@require_GET
@require(Capability.VIEW_PATIENTS)  # staff only; VIEW_CLINICAL is checked by the lookup (404)
def step(request, uuid, step: Step):
    """One step of a draft: the whole page, or for htmx only the step's sections
    (and the step navigation and summary, out of band). A record that cannot
    be edited (signed, or not one's own) is shown read-only instead."""
    session = get_session_for_user(request, uuid)
    if not session.is_editable_by(request.user):
        return redirect(record_url(session))
    prefetch_record(session, step)
    services.record_read(session=session, by=request.user, view="record")
    context = step_context(request, session, step)
    # Going back to a step htmx's history no longer holds asks for the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "sessions/record_step_swap.html", context)
    return render(request, "sessions/record_step.html", context)


@require_GET
@require(Capability.VIEW_PATIENTS)  # staff only; VIEW_CLINICAL is checked by the lookup (404)
def print_record(request, uuid):
    session = load_session(request, uuid)
    services.record_read(session=session, by=request.user, view="print")
    context = record_context(request, session)
    context["clinic"] = ClinicSettings.load()
    return render(request, "sessions/print.html", context)


@require_GET
@require(Capability.RECORD_SESSIONS)
def points(request):
    """htmx: up to 12 points matching the typed code (any alias) or Pinyin name."""
    raw = request.GET.get("q") or request.GET.get("acupoint") or ""
    query = "".join(ch for ch in raw if ch.isprintable()).strip()[:40]
    found = (
        list(Acupoint.objects.search(query).select_related("pregnancy_caution")[:12])
        if query
        else []
    )
    # Two typeaheads may share a page (placement, lesion site): option ids stay unique.
    prefix = "lesion-option" if request.GET.get("list") == "lesion" else "point-option"
    return render(
        request,
        "sessions/record_points.html",
        {"points": found, "query": query, "prefix": prefix},
    )
