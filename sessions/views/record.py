"""Recording a treatment session: the practitioner's list for today, opening a
record, the record page (its author edits a draft section by section; a signed
record, or another practitioner's, is read-only with its addenda), the print
page and the point typeahead. The sections' POST endpoints live in
record_sections.py and answer through ``respond`` below.

Access: patients get 403 on every page here (their own signed records are for
the portal). Reading a record needs VIEW_CLINICAL, checked by the lookup
(TreatmentSession.objects.visible_to), so front desk and clinic admin get 404
and never learn whether a record exists; another practitioner's draft is 404
too. Writing needs RECORD_SESSIONS and the record's own author (403 otherwise).
Every GET of a record page is written to the audit trail (who, what, when).
"""

from __future__ import annotations

from datetime import time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.access import require
from accounts.roles import Capability
from clinic.models import ClinicSettings
from patients.models import Patient
from scheduling.models import Appointment
from sessions import bodychart, services
from sessions.access import get_session_for_user, get_session_to_edit
from sessions.forms import (
    AddendumForm,
    AdverseEventForm,
    AssessmentForm,
    FollowUpForm,
    IncidentForm,
    NeedlesOutForm,
    PlacementForm,
    ProtocolForm,
    SignForm,
    StartForm,
)
from sessions.models import (
    Acupoint,
    Addendum,
    NeedlePlacement,
    Recommendation,
    RedFlag,
    TreatmentSession,
    WarningOverride,
)
from sessions.outcomes import ODI_SECTIONS

# The editable sections of a draft, each a <section id="section-NAME"> in
# templates/sessions/record_NAME.html, and the addenda of a signed record.
SECTIONS = ("assessment", "needling", "adverse", "followup", "sign", "addenda")


# --- Looking records up --------------------------------------------------------


def prefetch_record(session: TreatmentSession) -> TreatmentSession:
    """Everything the record page shows, in a fixed number of queries however
    many placements, overrides, adverse events and addenda there are."""
    prefetch_related_objects(
        [session],
        Prefetch(
            "placements",
            queryset=NeedlePlacement.objects.select_related("acupoint", "needle"),
        ),
        Prefetch(
            "overrides",
            queryset=WarningOverride.objects.select_related("by", "placement__acupoint"),
        ),
        "adverse_events",
        Prefetch("addenda", queryset=Addendum.objects.select_related("author")),
    )
    return session


def load_session(request, uuid, *, to_edit: bool = False) -> TreatmentSession:
    session = (get_session_to_edit if to_edit else get_session_for_user)(request, uuid)
    return prefetch_record(session)


def record_url(session: TreatmentSession, section: str = "") -> str:
    url = reverse("records:record", kwargs={"uuid": session.uuid})
    return f"{url}#section-{section}" if section else url


# --- Forms of the page, built in one place so that ids match across responses ---


def retention_limits(settings: ClinicSettings) -> tuple[int, int]:
    return settings.retention_min_minutes, settings.retention_max_minutes


def build_form(name: str, session: TreatmentSession, data=None, *, limits=None):
    """One form of the record page, bound to ``data`` when given. Each form has
    its own id prefix: several forms share field names (version) on one page."""
    if name == "assessment_form":
        return AssessmentForm(data, instance=session, auto_id="assessment_%s")
    if name == "placement_form":
        placements = list(session.placements.all())
        initial = {"needle": placements[-1].needle_id} if placements else {}
        return PlacementForm(data, initial=initial, auto_id="placement_%s")
    if name == "protocol_form":
        return ProtocolForm(data, practitioner=session.practitioner, auto_id="protocol_%s")
    if name == "out_form":
        limits = limits or retention_limits(ClinicSettings.load())
        return NeedlesOutForm(data, session=session, limits=limits, auto_id="out_%s")
    if name == "incident_form":
        return IncidentForm(data, instance=session, auto_id="incident_%s")
    if name == "adverse_form":
        return AdverseEventForm(data, auto_id="adverse_%s")
    if name == "followup_form":
        return FollowUpForm(data, instance=session, auto_id="followup_%s")
    if name == "sign_form":
        return SignForm(data, initial={"version": session.version}, auto_id="sign_%s")
    if name == "addendum_form":
        return AddendumForm(data, auto_id="addendum_%s")
    raise ValueError(name)


DRAFT_FORMS = (
    "assessment_form",
    "placement_form",
    "protocol_form",
    "out_form",
    "incident_form",
    "adverse_form",
    "followup_form",
    "sign_form",
)


# --- The page's context ------------------------------------------------------------


def follow_up_booking_url(session: TreatmentSession, user) -> str | None:
    """scheduling:book pre-filled for the follow-up: same practitioner, the
    session date plus the interval, at the appointment's time (or 09:00)."""
    if not session.next_visit_in_days or session.patient.is_archived:
        return None
    if not (user.can(Capability.BOOK_APPOINTMENTS) or user.can(Capability.EDIT_OWN_APPOINTMENTS)):
        return None
    day = session.session_date + timedelta(days=session.next_visit_in_days)
    clock = (
        timezone.localtime(session.appointment.start_at).time()
        if session.appointment is not None
        else time(9, 0)
    )
    query = {
        "patient": session.patient.uuid,
        "practitioner": session.practitioner.uuid,
        "start": f"{day:%Y-%m-%d}T{clock:%H:%M}",
    }
    return f"{reverse('scheduling:book')}?{urlencode(query)}"


def alert_level(minutes: int | None, limits: tuple[int, int]) -> str:
    """The retention alert: '' before the minimum, 'low' from it, 'high' from the maximum."""
    if minutes is None:
        return ""
    low, high = limits
    return "high" if minutes >= high else "low" if minutes >= low else ""


def record_context(
    request,
    session: TreatmentSession,
    *,
    bound: dict | None = None,
    section: str = "",
    errors: list[str] | None = None,
    notice: str = "",
    saved: str = "",
    focus_point: bool = False,
) -> dict:
    user = request.user
    settings = ClinicSettings.load()
    limits = retention_limits(settings)
    placements = list(session.placements.all())
    inserted = sum(p.needle_count for p in placements)
    editable = (
        not session.is_signed
        and session.practitioner.user_id == user.id
        and user.can(Capability.RECORD_SESSIONS)
    )
    now = timezone.now()
    elapsed = services.retention_elapsed(session, now)
    elapsed_minutes = None if elapsed is None else int(elapsed.total_seconds() // 60)
    odi = session.odi_result
    context = {
        "session": session,
        "patient": session.patient,
        "placements": placements,
        "overrides": list(session.overrides.all()),
        "adverse_events": list(session.adverse_events.all()),
        "addenda": list(session.addenda.all()),
        "inserted": inserted,
        "reconciled": session.needles_removed == inserted,
        "editable": editable,
        "limits": limits,
        "retention_outside": session.retention_minutes is not None
        and not limits[0] <= session.retention_minutes <= limits[1],
        "elapsed_minutes": elapsed_minutes,
        "alert_level": alert_level(elapsed_minutes, limits),
        "now": now,
        "odi": odi,
        "odi_rows": [(label, getattr(session, name)) for name, label in ODI_SECTIONS],
        "pain_labels": bodychart.labels(session.pain_locations),
        "pain_radiating": bodychart.is_radiating(session.pain_locations),
        "outline": bodychart.OUTLINE,
        "recommendation_choices": Recommendation.choices,
        "red_flag_labels": _red_flag_labels(session.red_flags),
        "booking_url": follow_up_booking_url(session, user),
        "section": section,
        "errors": {section: errors} if errors else {},
        "notices": {section: notice} if notice else {},
        "saved": {section: saved} if saved else {},
        "focus_point": focus_point,
        "can_add_addendum": session.is_signed and user.can(Capability.RECORD_SESSIONS),
    }
    bound = bound or {}
    if editable:
        for name in DRAFT_FORMS:
            context[name] = bound.get(name) or build_form(name, session, limits=limits)
        selected = context["assessment_form"]["pain_locations"].value() or []
        context["chart"] = bodychart.chart(selected)
        context["sign_problems"] = services.sign_problems(session, user)
        context["show_incident"] = (
            session.needles_out_at is not None
            and (not context["reconciled"] or session.missing_needle_incident)
        ) or "incident_form" in bound
        context["last_session"] = (
            services.last_signed_session(session) if session.needles_in_at is None else None
        )
    else:
        context["chart"] = bodychart.chart(session.pain_locations)
    if context["can_add_addendum"]:
        context["addendum_form"] = bound.get("addendum_form") or build_form(
            "addendum_form", session
        )
    return context


def _red_flag_labels(keys):
    labels = dict(RedFlag.choices)
    return [labels.get(key, key) for key in keys]


def respond(
    request,
    session: TreatmentSession,
    section: str,
    *,
    bound: dict | None = None,
    errors: list[str] | None = None,
    notice: str = "",
    saved: str = "",
    focus_point: bool = False,
):
    """The answer to a section's POST.

    * htmx: the section's fragment, updated, with the sign-off checklist and
      the hidden versions of the other sections swapped out of band;
    * without JS: after a success, back to the page (POST/redirect/GET) with a
      message; after an error, the whole page with the section's errors and
      the form as it was filled in. Nothing was saved then (services are atomic).
    """
    succeeded = not errors and not bound
    if succeeded and not request.htmx:
        if notice:
            messages.warning(request, notice)
        if saved:
            messages.success(request, saved)
        return redirect(record_url(session, section))
    fresh = prefetch_record(get_session_for_user(request, session.uuid))
    context = record_context(
        request,
        fresh,
        bound=bound,
        section=section,
        errors=errors,
        notice=notice,
        saved=saved,
        focus_point=focus_point,
    )
    if request.htmx:
        context["section_template"] = f"sessions/record_{section}.html"
        return render(request, "sessions/record_section.html", context)
    return render(request, "sessions/record.html", context)


# --- Pages ------------------------------------------------------------------------


@require_GET
@require(Capability.RECORD_SESSIONS)
def today(request):
    """The practitioner's appointments today, in time order, each with its record."""
    practitioner = getattr(request.user, "practitioner", None)
    day = timezone.localdate()
    rows, walk_ins = [], []
    if practitioner is not None:
        appointments = (
            Appointment.objects.filter(practitioner=practitioner, start_at__date=day)
            .select_related("patient", "appointment_type", "room", "treatment_session")
            .order_by("start_at")
        )
        rows = [(a, getattr(a, "treatment_session", None)) for a in appointments]
        walk_ins = TreatmentSession.objects.filter(
            practitioner=practitioner, session_date=day, appointment__isnull=True
        ).select_related("patient")
    query = "".join(ch for ch in request.GET.get("q", "") if ch.isprintable()).strip()[:100]
    patients = Patient.objects.active().search(query)[:10] if len(query) >= 2 else []
    context = {
        "practitioner": practitioner,
        "day": day,
        "rows": rows,
        "walk_ins": walk_ins,
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
    session = load_session(request, uuid)
    services.record_read(session=session, by=request.user, view="record")
    return render(request, "sessions/record.html", record_context(request, session))


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
    return render(request, "sessions/record_points.html", {"points": found, "query": query})
