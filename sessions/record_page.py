"""The treatment record as the views present it: loading a record with what a
page of it shows, building its forms, the context of the read-only record and
of each step of a draft (sessions/record_steps.py), and the answer to a
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
from sessions import bodychart, record_steps, services
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
from sessions.record_steps import Step
from sessions.safety import Cautions

# --- Looking records up --------------------------------------------------------


def prefetch_record(session: TreatmentSession, step: Step | None = None) -> TreatmentSession:
    """What the page shows, in a fixed number of queries however many
    placements, overrides, adverse events and addenda there are: for a step,
    only what that step and the summary of the others read (the placements
    always: the needle count and the step navigation need them); without one,
    the whole read-only record."""
    lookups = [
        Prefetch(
            "placements",
            queryset=NeedlePlacement.objects.select_related("acupoint", "needle"),
        )
    ]
    slug = step.slug if step else None
    if slug in (None, "needles", "sign"):
        lookups.append(
            Prefetch(
                "overrides",
                queryset=WarningOverride.objects.select_related("by", "placement__acupoint"),
            )
        )
    if slug in (None, "retention"):
        lookups.append("adverse_events")
    if slug is None:
        lookups.append(Prefetch("addenda", queryset=Addendum.objects.select_related("author")))
    if slug in (None, "follow-up") and session.appointment_id:
        lookups.append("appointment__appointment_type")  # the follow-up's booking link
    prefetch_related_objects([session], *lookups)
    return session


def load_session(
    request, uuid, *, to_edit: bool = False, step: Step | None = None
) -> TreatmentSession:
    session = (get_session_to_edit if to_edit else get_session_for_user)(request, uuid)
    return prefetch_record(session, step)


def record_url(session: TreatmentSession, section: str = "") -> str:
    url = reverse("records:record", kwargs={"uuid": session.uuid})
    return f"{url}#section-{section}" if section else url


def step_url(session: TreatmentSession, step: Step, section: str = "") -> str:
    url = reverse("records:step", kwargs={"uuid": session.uuid, "step": step})
    return f"{url}#section-{section}" if section else url


def first_step_url(session: TreatmentSession) -> str:
    """Where opening a draft goes: its first unfinished step (one query, the
    placements: the needles step is done when there are some)."""
    prefetch_related_objects([session], "placements")
    inserted = services.needles_inserted(session)
    return step_url(session, record_steps.first_unfinished(session, inserted))


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


# The forms of each step (the retention step's depend on where the needles are).
STEP_FORMS = {
    "assessment": ("assessment_form",),
    "needles": ("placement_form", "protocol_form", "lesion_form"),
    "follow-up": ("followup_form",),
    "sign": ("sign_form",),
}


def _step_forms(step: Step, session: TreatmentSession, show_incident: bool) -> tuple[str, ...]:
    if step.slug != "retention":
        return STEP_FORMS[step.slug]
    if session.needles_in_at is None:
        return ("in_form", "adverse_form")
    if session.needles_out_at is None:
        return ("out_form", "adverse_form")
    return ("after_form", "adverse_form") + (("incident_form",) if show_incident else ())


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


def _red_flag_labels(keys):
    labels = dict(RedFlag.choices)
    return [labels.get(key, key) for key in keys]


def _messages_context(section, errors, notice, saved) -> dict:
    return {
        "section": section,
        "errors": {section: errors} if errors else {},
        "notices": {section: notice} if notice else {},
        "saved": {section: saved} if saved else {},
    }


def _header_context(request, session: TreatmentSession) -> dict:
    """The record's header, on every page of it: who, when, the flags, the
    red-flag banner, and the needle count the steps and summaries share."""
    placements = list(session.placements.all())
    inserted = services.needles_inserted(session)
    return {
        "session": session,
        "patient": session.patient,
        "placements": placements,
        "inserted": inserted,
        "reconciled": session.needles_removed == inserted,
        "editable": session.is_editable_by(request.user),
        "red_flag_labels": _red_flag_labels(session.red_flags),
        # The treating practitioner picks the record's billing codes (billing's own page).
        "can_code": session.is_treated_by(request.user),
    }


def record_context(
    request,
    session: TreatmentSession,
    *,
    bound: dict | None = None,
    section: str = "",
    errors: list[str] | None = None,
    notice: str = "",
    saved: str = "",
) -> dict:
    """The whole record, read-only (a signed record, another practitioner's, the
    print page), with the addendum form where one may be added."""
    user = request.user
    settings = ClinicSettings.load()
    context = _header_context(request, session)
    context.update(
        _messages_context(section, errors, notice, saved),
        **_retention_context(session, settings, timezone.now()),
        overrides=list(session.overrides.all()),
        adverse_events=list(session.adverse_events.all()),
        addenda=list(session.addenda.all()),
        odi=session.odi_result,
        odi_rows=[(label, getattr(session, name)) for name, label in ODI_SECTIONS],
        pain_labels=bodychart.labels(session.pain_locations),
        pain_radiating=bodychart.is_radiating(session.pain_locations),
        outline=bodychart.OUTLINE,
        chart=bodychart.chart(session.pain_locations),
        recommendation_choices=Recommendation.choices,
        booking_url=follow_up_booking_url(session, user),
        can_add_addendum=session.is_signed
        and user.can(Capability.RECORD_SESSIONS)
        and licence_problem(user, doing="adding to a record") is None,
    )
    if context["can_add_addendum"]:
        context["addendum_form"] = (bound or {}).get("addendum_form") or build_form(
            "addendum_form", session
        )
    return context


def step_context(
    request,
    session: TreatmentSession,
    step: Step,
    *,
    bound: dict | None = None,
    section: str = "",
    errors: list[str] | None = None,
    notice: str = "",
    saved: str = "",
    focus_point: bool = False,
) -> dict:
    """One step of a draft its author is writing: the header, the step
    navigation, the summary of the finished steps, and that step's sections
    with only their forms."""
    user = request.user
    settings = ClinicSettings.load()
    bound = bound or {}
    context = _header_context(request, session)
    steps = record_steps.progress(session, context["inserted"], step)
    context.update(
        _messages_context(section, errors, notice, saved),
        step=step,
        steps=steps,
        next_step=_following(step),
        done_steps=[s["step"].slug for s in steps if s["done"] and not s["current"]],
        focus_point=focus_point,
        pain_labels=bodychart.labels(session.pain_locations),
        pain_radiating=bodychart.is_radiating(session.pain_locations),
        recommendation_choices=Recommendation.choices,
        odi=session.odi_result,
        limits=settings.retention_range,
    )
    context.update(_STEP_PARTS[step.slug](session, user, settings, bound))
    for name in _step_forms(step, session, context.get("show_incident", False)):
        context[name] = bound.get(name) or build_form(name, session, settings=settings)
    if step.slug == "assessment":
        selected = context["assessment_form"]["pain_locations"].value() or []
        context["chart"] = bodychart.chart(selected)
    return context


def _following(step: Step) -> Step | None:
    index = record_steps.STEPS.index(step)
    return record_steps.STEPS[index + 1] if index + 1 < len(record_steps.STEPS) else None


def _assessment_part(session, user, settings, bound) -> dict:
    return {"outline": bodychart.OUTLINE}


def _needles_part(session, user, settings, bound) -> dict:
    cautions = Cautions.for_patient(session.patient, settings)
    return {
        "overrides": list(session.overrides.all()),
        "patient_cautions": cautions.reminders(),
        "consent_problem": consent_problem(session.patient, timezone.localdate()),
        "lesion_sites": cautions.lesion_sites,
        "last_session": (
            services.last_signed_session(session) if session.needles_in_at is None else None
        ),
        "has_protocols": session.needles_in_at is None
        and Protocol.objects.filter(practitioner=session.practitioner_id).exists(),
    }


def _retention_part(session, user, settings, bound) -> dict:
    inserted = services.needles_inserted(session)
    return {
        **_retention_context(session, settings, timezone.now()),
        # Before the needles go in: consent is checked then, so it is shown here too.
        "consent_problem": (
            consent_problem(session.patient, timezone.localdate())
            if session.needles_in_at is None
            else None
        ),
        "adverse_events": list(session.adverse_events.all()),
        "show_incident": (
            session.needles_out_at is not None
            and (session.needles_removed != inserted or session.missing_needle_incident)
        )
        or "incident_form" in bound,
    }


def _follow_up_part(session, user, settings, bound) -> dict:
    return {"booking_url": follow_up_booking_url(session, user)}


def _sign_part(session, user, settings, bound) -> dict:
    cautions = Cautions.for_patient(session.patient, settings)
    bound_override = bound.get("override_form")
    return {
        "overrides": list(session.overrides.all()),
        "sign_problems": services.sign_problems(
            session, user, settings=settings, cautions=cautions
        ),
        "pending_warnings": [
            (item, _override_form_for(item, bound_override)) for item in cautions.unmet(session)
        ],
    }


_STEP_PARTS = {
    "assessment": _assessment_part,
    "needles": _needles_part,
    "retention": _retention_part,
    "follow-up": _follow_up_part,
    "sign": _sign_part,
}


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
    """The answer to a section's POST, always on the step the section is part of.

    * htmx: the section's fragment, updated, with the step navigation, the
      summary of the finished steps, the red-flag banner and the hidden
      versions of the step's other forms swapped out of band;
    * without JS: after a success, back to the step (POST/redirect/GET) with a
      message; after an error, the step's page with the section's errors and
      the form as it was filled in. Nothing was saved then (services are atomic).

    The addenda of a signed record answer on the read-only record the same way.
    """
    step = record_steps.STEP_OF_SECTION.get(section)
    succeeded = not errors and not bound
    if succeeded and not request.htmx:
        if notice:
            messages.warning(request, notice)
        if saved:
            messages.success(request, saved)
        if step is None:
            return redirect(record_url(session, section))
        return redirect(step_url(session, step, section))
    fresh = load_session(request, session.uuid, step=step)
    feedback = {"bound": bound, "section": section, "errors": errors, "notice": notice}
    if step is None:
        context = record_context(request, fresh, saved=saved, **feedback)
        page = "sessions/record.html"
    else:
        context = step_context(
            request, fresh, step, saved=saved, focus_point=focus_point, **feedback
        )
        page = "sessions/record_step.html"
    if request.htmx:
        context["section_template"] = f"sessions/record_{section}.html"
        return render(request, "sessions/record_section.html", context)
    return render(request, page, context)
