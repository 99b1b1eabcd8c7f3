"""The treatment-record page as the views present it: loading a record with
everything it shows, building its forms, its context, and the answer to a
section's POST. Both view modules (record.py: the pages; record_sections.py:
the POST endpoints) sit on top of this one, so neither imports the other.

The rules themselves live below: sessions.services (workflows and sign-off),
sessions.safety (every needling caution).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Capability
from clinic.models import ClinicSettings
from patients.consent import consent_problem
from sessions import bodychart, services
from sessions.access import get_session_for_user, get_session_to_edit
from sessions.forms import (
    AddendumForm,
    AdverseEventForm,
    AfterRemovalForm,
    AssessmentForm,
    FollowUpForm,
    IncidentForm,
    NeedlesInForm,
    NeedlesOutForm,
    OverrideForm,
    PlacementForm,
    ProtocolForm,
    SignForm,
    SkinLesionSiteForm,
)
from sessions.licence import licence_problem
from sessions.models import (
    Addendum,
    NeedlePlacement,
    Protocol,
    Recommendation,
    RedFlag,
    TreatmentSession,
    WarningOverride,
)
from sessions.outcomes import ODI_SECTIONS
from sessions.safety import Cautions

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


def build_form(name: str, session: TreatmentSession, data=None, *, settings=None):
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
    if name == "in_form":
        initial = {"patient_position": session.patient_position}
        return NeedlesInForm(data, initial=initial, auto_id="in_%s")
    if name == "out_form":
        settings = settings or ClinicSettings.load()
        return NeedlesOutForm(data, session=session, settings=settings, auto_id="out_%s")
    if name == "after_form":
        return AfterRemovalForm(data, instance=session, auto_id="after_%s")
    if name == "incident_form":
        return IncidentForm(data, instance=session, auto_id="incident_%s")
    if name == "lesion_form":
        return SkinLesionSiteForm(data, auto_id="lesion_%s")
    if name == "override_form":
        return OverrideForm(data, auto_id="override_%s")
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
    "in_form",
    "out_form",
    "after_form",
    "incident_form",
    "lesion_form",
    "adverse_form",
    "followup_form",
    "sign_form",
)


# --- The page's context ------------------------------------------------------------


def follow_up_booking_url(session: TreatmentSession, user) -> str | None:
    """Find a time for the follow-up: the same patient, practitioner and
    appointment type, from two days before the interval is up to a week after,
    so the page lists the first free times near it; each opens the booking form
    with the type, room and time filled in."""
    if not session.next_visit_in_days or session.patient.is_archived:
        return None
    may_book = user.can(Capability.BOOK_APPOINTMENTS) or user.can(Capability.EDIT_OWN_APPOINTMENTS)
    if not (may_book and user.can(Capability.VIEW_CALENDAR)):
        return None
    due = session.session_date + timedelta(days=session.next_visit_in_days)
    tomorrow = timezone.localdate() + timedelta(days=1)
    query = {
        "patient": session.patient.uuid,
        "practitioner": session.practitioner.uuid,
        "from_date": f"{max(due - timedelta(days=2), tomorrow):%Y-%m-%d}",
        "to_date": f"{max(due + timedelta(days=7), tomorrow):%Y-%m-%d}",
    }
    if session.appointment is not None:
        query["appointment_type"] = session.appointment.appointment_type.uuid
    return f"{reverse('scheduling:find')}?{urlencode(query)}"


def alert_level(minutes: int | None, limits: tuple[int, int]) -> str:
    """The retention alert: '' before the minimum, 'low' from it, 'high' from the maximum."""
    if minutes is None:
        return ""
    low, high = limits
    return "high" if minutes >= high else "low" if minutes >= low else ""


def _retention_context(session: TreatmentSession, settings: ClinicSettings, now) -> dict:
    limits = settings.retention_range
    elapsed = services.retention_elapsed(session, now)
    elapsed_minutes = None if elapsed is None else int(elapsed.total_seconds() // 60)
    return {
        "limits": limits,
        "retention_outside": settings.retention_outside(session.retention_minutes),
        "elapsed_minutes": elapsed_minutes,
        "alert_level": alert_level(elapsed_minutes, limits),
        "now": now,
    }


def _draft_context(
    session: TreatmentSession, user, settings, cautions: Cautions, bound: dict
) -> dict:
    """The forms and checklists of a draft its author is writing."""
    context = {
        name: bound.get(name) or build_form(name, session, settings=settings)
        for name in DRAFT_FORMS
    }
    selected = context["assessment_form"]["pain_locations"].value() or []
    inserted = services.needles_inserted(session)
    bound_override = bound.get("override_form")
    context.update(
        chart=bodychart.chart(selected),
        sign_problems=services.sign_problems(session, user, settings=settings, cautions=cautions),
        pending_warnings=[
            (item, _override_form_for(item, bound_override)) for item in cautions.unmet(session)
        ],
        patient_cautions=cautions.reminders(),
        consent_problem=consent_problem(session.patient, timezone.localdate()),
        lesion_sites=cautions.lesion_sites,
        show_incident=(
            session.needles_out_at is not None
            and (session.needles_removed != inserted or session.missing_needle_incident)
        )
        or "incident_form" in bound,
        last_session=(
            services.last_signed_session(session) if session.needles_in_at is None else None
        ),
        has_protocols=Protocol.objects.filter(practitioner=session.practitioner_id).exists(),
    )
    return context


def _override_form_for(item, bound_form):
    """The bound form for the warning it was posted for; a fresh one otherwise."""
    placement_id = item.placement.pk if item.placement else None
    if bound_form is not None and bound_form.data.get("kind") == item.warning.kind:
        posted = bound_form.data.get("placement") or None
        if str(placement_id or "") == str(posted or ""):
            return bound_form
    return OverrideForm(
        initial={"placement": placement_id, "kind": item.warning.kind},
        auto_id=f"override_{placement_id or 'session'}_{item.warning.kind}_%s",
    )


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
    placements = list(session.placements.all())
    inserted = services.needles_inserted(session)
    editable = session.is_editable_by(user)
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
        **_retention_context(session, settings, timezone.now()),
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
        # The treating practitioner picks the record's billing codes (billing's own page).
        "can_code": session.is_treated_by(user),
        "can_add_addendum": session.is_signed
        and user.can(Capability.RECORD_SESSIONS)
        and licence_problem(user, doing="adding to a record") is None,
    }
    bound = bound or {}
    if editable:
        cautions = Cautions.for_patient(session.patient, settings)
        context.update(_draft_context(session, user, settings, cautions, bound))
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

    * htmx: the section's fragment, updated, with the sign-off checklist, the
      red-flag banner and the hidden versions of the other sections swapped
      out of band;
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
