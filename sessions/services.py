"""Workflows of a treatment record. Each runs in one transaction, refuses
changes to a signed record, and writes the audit trail (changed field names,
never clinical values: the trail is readable by non-clinical staff)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from audit.services import record
from clinic.models import ClinicSettings
from scheduling.models import Appointment
from scheduling.services import change_status
from sessions import snapshot
from sessions.licence import licence_problem
from sessions.models import (
    Addendum,
    AdverseEvent,
    NeedlePlacement,
    Protocol,
    TreatmentSession,
    WarningOverride,
)
from sessions.outcomes import ODI_SECTIONS
from sessions.safety import SafetyWarning, placement_warnings


class SessionError(ValidationError):
    """A change the rules of the record refuse."""


class NeedsOverride(SessionError):
    """Safety warnings the practitioner must override with a reason."""

    def __init__(self, warnings: list[SafetyWarning]):
        self.warnings = warnings
        super().__init__([w.detail for w in warnings])


class StaleSession(SessionError):
    def __init__(self):
        super().__init__(
            "This record changed since you opened it (another tab or person). Nothing was "
            "saved: reload to see the current record."
        )


def _locked(session: TreatmentSession, version: int | None = None) -> TreatmentSession:
    current = TreatmentSession.objects.select_for_update().get(pk=session.pk)
    if current.is_signed:
        raise SessionError("This record is signed: corrections are made with an addendum.")
    if version is not None and version != current.version:
        raise StaleSession
    return current


def _bump(session: TreatmentSession, fields: list[str]) -> None:
    session.version = F("version") + 1
    session.save(update_fields=[*fields, "version", "updated_at"])
    session.refresh_from_db(fields=["version"])


def _require_licence(by, doing: str) -> None:
    """The licence rule (sessions/licence.py), for whoever's record it is."""
    problem = licence_problem(by, doing=doing)
    if problem:
        raise SessionError(problem)


def _audit(action: str, session: TreatmentSession, by, **data) -> None:
    record(action, actor=by, obj=session, patient=session.patient, data=data)


def contraindication_summary(patient) -> str:
    """The patient's flags, pre-filled into the assessment for review."""
    return "\n".join(patient.clinical_flags)


@transaction.atomic
def start_session(*, patient, practitioner, by, appointment=None) -> TreatmentSession:
    """Open the record for an appointment (one per appointment) or a walk-in."""
    if appointment is not None:
        existing = TreatmentSession.objects.filter(appointment=appointment).first()
        if existing is not None:
            return existing
    # The patient's pre-visit questionnaire (portal), if any, pre-fills the scores.
    questionnaire = getattr(appointment, "questionnaire", None)
    scored = ("nprs_now", "nprs_best", "nprs_worst", *(name for name, _ in ODI_SECTIONS))
    scores = {} if questionnaire is None else {n: getattr(questionnaire, n) for n in scored}
    session = TreatmentSession.objects.create(
        **scores,
        patient=patient,
        practitioner=practitioner,
        appointment=appointment,
        room=appointment.room if appointment is not None else None,
        session_date=(
            timezone.localdate(appointment.start_at)
            if appointment is not None
            else timezone.localdate()
        ),
        contraindication_notes=contraindication_summary(patient),
        change_since_last=(
            f"Patient's note before the visit: {questionnaire.comments}"
            if questionnaire is not None and questionnaire.comments
            else ""
        ),
    )
    _audit("sessions.session.created", session, by)
    # Opening the record of a checked-in patient starts the treatment.
    if (
        appointment is not None
        and Appointment.objects.filter(
            pk=appointment.pk, status=Appointment.Status.ARRIVED
        ).exists()
    ):
        change_status(appointment=appointment, status=Appointment.Status.IN_TREATMENT, by=by)
    return session


@transaction.atomic
def save_section(*, session: TreatmentSession, form, by, section: str) -> TreatmentSession:
    """Save one section's ModelForm (assessment, follow-up, ...)."""
    current = _locked(session, form.cleaned_data.get("version"))
    if not form.changed_data:
        return current
    for name in form.changed_data:
        setattr(current, name, form.cleaned_data[name])
    _bump(current, list(form.changed_data))
    _audit(f"sessions.{section}.changed", current, by, changed_fields=list(form.changed_data))
    return current


@transaction.atomic
def add_placement(
    *, session: TreatmentSession, data: dict, by, override_reason: str = ""
) -> NeedlePlacement:
    """Add a needle placement; safety warnings need ``override_reason``."""
    current = _locked(session)
    _require_licence(by, "needling")
    warnings = placement_warnings(
        patient=current.patient, acupoint=data["acupoint"], stimulation=data["stimulation"]
    )
    if warnings and not override_reason.strip():
        raise NeedsOverride(warnings)
    position = (current.placements.aggregate(last=Max("position"))["last"] or 0) + 1
    placement = NeedlePlacement.objects.create(session=current, position=position, **data)
    for warning in warnings:
        WarningOverride.objects.create(
            session=current,
            placement=placement,
            kind=warning.kind,
            detail=warning.detail,
            reason=override_reason.strip(),
            by=by,
        )
        _audit("sessions.warning.overridden", current, by, kind=warning.kind)
    _bump(current, [])
    _audit("sessions.placement.added", current, by, acupoint=data["acupoint"].code)
    return placement


@transaction.atomic
def remove_placement(*, placement: NeedlePlacement, by) -> None:
    current = _locked(placement.session)
    if current.needles_in_at is not None:
        raise SessionError("Needles are in: placements can no longer be removed, only counted out.")
    code = placement.acupoint.code
    placement.delete()
    _bump(current, [])
    _audit("sessions.placement.removed", current, by, acupoint=code)


def apply_points(*, session: TreatmentSession, points, by, source: str) -> int:
    """Copy (acupoint, side, needle, depth, stimulation) rows into the session.
    Rows that raise safety warnings are skipped and reported, never added silently.
    The rows added are kept (committed) even when some were skipped."""
    added, skipped = _apply_points(session=session, points=points, by=by, source=source)
    if skipped:
        raise SessionError(
            f"Added {added} point(s). Not added: {', '.join(skipped)}.",
            code="partially_applied",
        )
    return added


@transaction.atomic
def _apply_points(*, session: TreatmentSession, points, by, source: str) -> tuple[int, list[str]]:
    current = _locked(session)
    _require_licence(by, "needling")
    position = current.placements.aggregate(last=Max("position"))["last"] or 0
    added, skipped = [], []
    for point in points:
        if point.needle is None:
            skipped.append(f"{point.acupoint.code} (no needle chosen)")
            continue
        if placement_warnings(
            patient=current.patient, acupoint=point.acupoint, stimulation=point.stimulation
        ):
            skipped.append(f"{point.acupoint.code} (safety warning: add it on its own)")
            continue
        position += 1
        added.append(
            NeedlePlacement(
                session=current,
                position=position,
                acupoint=point.acupoint,
                ashi_location=getattr(point, "ashi_location", ""),
                side=point.side,
                needle=point.needle,
                depth_mm=point.depth_mm,
                angle=getattr(point, "angle", NeedlePlacement.Angle.PERPENDICULAR),
                stimulation=point.stimulation,
            )
        )
    NeedlePlacement.objects.bulk_create(added)
    _bump(current, [])
    _audit(
        "sessions.placements.applied", current, by, source=source, added=len(added), skipped=skipped
    )
    return len(added), skipped


def apply_protocol(*, session: TreatmentSession, protocol: Protocol, by) -> int:
    return apply_points(
        session=session,
        points=protocol.points.select_related("acupoint", "needle"),
        by=by,
        source=f"protocol {protocol.name}",
    )


def last_signed_session(session: TreatmentSession) -> TreatmentSession | None:
    return (
        TreatmentSession.objects.signed()
        .filter(patient=session.patient, signed_at__lt=timezone.now())
        .exclude(pk=session.pk)
        .order_by("-session_date", "-signed_at")
        .first()
    )


def copy_last_session(*, session: TreatmentSession, by) -> int:
    previous = last_signed_session(session)
    if previous is None:
        raise SessionError("This patient has no earlier signed session to copy from.")
    return apply_points(
        session=session,
        points=previous.placements.select_related("acupoint", "needle"),
        by=by,
        source=f"session of {previous.session_date}",
    )


@transaction.atomic
def add_adverse_event(*, session: TreatmentSession, data: dict, by) -> AdverseEvent:
    """Record an adverse event on a draft (audited without its values)."""
    current = _locked(session)
    event = AdverseEvent.objects.create(session=current, **data)
    _bump(current, [])
    _audit("sessions.adverse_event.added", current, by)
    return event


@transaction.atomic
def needles_in(*, session: TreatmentSession, by) -> TreatmentSession:
    current = _locked(session)
    _require_licence(by, "needling")
    if current.needles_in_at is not None:
        raise SessionError("Needles-in time is already recorded.")
    if not current.placements.exists():
        raise SessionError("Record the needle placements before the needles go in.")
    current.needles_in_at = timezone.now()
    _bump(current, ["needles_in_at"])
    _audit("sessions.retention.started", current, by)
    return current


@transaction.atomic
def needles_out(
    *,
    session: TreatmentSession,
    by,
    removed: int,
    retention_reason: str = "",
    pressure_applied: bool = False,
) -> TreatmentSession:
    current = _locked(session)
    if current.needles_in_at is None:
        raise SessionError("Needles-in time is not recorded yet.")
    if current.needles_out_at is not None:
        raise SessionError("Needles-out time is already recorded.")
    current.needles_out_at = timezone.now()
    current.needles_removed = removed
    current.pressure_applied_after_removal = pressure_applied
    if retention_reason.strip():
        current.retention_reason = retention_reason.strip()
    _bump(
        current,
        ["needles_out_at", "needles_removed", "pressure_applied_after_removal", "retention_reason"],
    )
    _audit("sessions.retention.ended", current, by, removed=removed)
    return current


def needles_inserted(session: TreatmentSession) -> int:
    """Needles in, from the placements (bilateral counts as two)."""
    return sum(p.needle_count for p in session.placements.all())


def sign_problems(session: TreatmentSession, by) -> list[str]:
    """Everything that stops this user signing this record, in plain words."""
    problems = []
    practitioner = getattr(by, "practitioner", None)
    if practitioner is None or practitioner.pk != session.practitioner_id:
        problems.append("Only the treating practitioner can sign this record.")
    elif licence := licence_problem(by, doing="signing"):
        problems.append(licence)
    if session.red_flags and not session.red_flag_decision:
        problems.append(
            "Red flags are ticked: record the decision taken (referral or treatment with reason)."
        )
    if session.red_flag_decision == "treated" and not session.red_flag_notes.strip():
        problems.append("Say why you treated despite the red flags.")
    if not session.contraindications_reviewed:
        problems.append("Tick that contraindications were reviewed.")
    placements = list(session.placements.all())
    if placements:
        if session.needles_in_at is None or session.needles_out_at is None:
            problems.append("Record needles in and needles out.")
        else:
            inserted = sum(p.needle_count for p in placements)
            if session.needles_removed != inserted and not (
                session.missing_needle_incident
                and session.missing_needle_found is not None
                and session.missing_needle_details.strip()
            ):
                problems.append(
                    f"Needle count: {inserted} in, {session.needles_removed or 0} out. Find the "
                    "missing needle or record the incident (found or not, and where)."
                )
            settings = ClinicSettings.load()
            minutes = session.retention_minutes
            low, high = settings.retention_min_minutes, settings.retention_max_minutes
            if not low <= minutes <= high and not session.retention_reason.strip():
                problems.append(
                    f"Retention was {minutes} minutes, outside {low}–{high}: give a reason."
                )
    return problems


@transaction.atomic
def sign_session(*, session: TreatmentSession, by, version: int | None = None) -> TreatmentSession:
    current = _locked(session, version)
    problems = sign_problems(current, by)
    if problems:
        raise SessionError(problems)
    signed_fields = snapshot.sign_off(current, by=by)  # what was true at sign-off
    current.save(update_fields=[*signed_fields, "updated_at"])
    current.refresh_from_db(fields=snapshot.COPIED_BY_DATABASE)
    _audit("sessions.session.signed", current, by)
    # A signed record completes its appointment's visit.
    appointment = current.appointment
    if appointment is not None and appointment.status == Appointment.Status.IN_TREATMENT:
        change_status(appointment=appointment, status=Appointment.Status.COMPLETED, by=by)
    return current


@transaction.atomic
def add_addendum(*, session: TreatmentSession, by, reason: str, text: str) -> Addendum:
    current = TreatmentSession.objects.select_for_update().get(pk=session.pk)
    if not current.is_signed:
        raise SessionError("The record is not signed yet: edit it directly.")
    _require_licence(by, "adding to a record")
    if not reason.strip() or not text.strip():
        raise SessionError("An addendum needs a reason and the correction.")
    addendum = Addendum.objects.create(
        session=current, author=by, reason=reason.strip(), text=text.strip()
    )
    _audit("sessions.addendum.added", current, by)
    return addendum


def retention_elapsed(session: TreatmentSession, now=None) -> timedelta | None:
    if session.needles_in_at is None:
        return None
    return (session.needles_out_at or now or timezone.now()) - session.needles_in_at


def record_read(*, session: TreatmentSession, by, view: str) -> None:
    """Every read of a clinical record by staff is audited."""
    _audit("sessions.session.viewed", session, by, view=view)
