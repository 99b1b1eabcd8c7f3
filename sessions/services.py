"""Workflows of a treatment record. Each runs in one transaction, refuses
changes to a signed record, and writes the audit trail (changed field names,
never clinical values: the trail is readable by non-clinical staff)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Prefetch, prefetch_related_objects
from django.utils import timezone

import audit.services
from clinic.models import ClinicSettings
from patients.consent import consent_problem
from scheduling.models import Appointment
from scheduling.services import begin_treatment, change_status
from sessions import snapshot
from sessions.licence import licence_problem
from sessions.models import (
    Addendum,
    AdverseEvent,
    NeedlePlacement,
    Protocol,
    ProtocolPoint,
    RedFlagDecision,
    SkinLesionSite,
    TreatmentSession,
    WarningOverride,
)
from sessions.outcomes import ODI_SECTIONS
from sessions.safety import Cautions, SafetyWarning, placement_refusals, position_refusal


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
    audit.services.record(
        "sessions.session.created", actor=by, obj=session, patient=session.patient
    )
    # Opening the record starts the treatment (scheduling decides from which status).
    if appointment is not None:
        begin_treatment(appointment=appointment, by=by)
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
    audit.services.record(
        f"sessions.{section}.changed",
        actor=by,
        obj=current,
        patient=current.patient,
        data={"changed_fields": list(form.changed_data)},
    )
    return current


def _keep_overrides(session, placement, warnings, reason: str, by) -> None:
    for warning in warnings:
        WarningOverride.objects.create(
            session=session,
            placement=placement,
            kind=warning.kind,
            detail=warning.detail,
            reason=reason,
            by=by,
        )
        audit.services.record(
            "sessions.warning.overridden",
            actor=by,
            obj=session,
            patient=session.patient,
            data={"kind": warning.kind},
        )


@transaction.atomic
def add_placement(
    *, session: TreatmentSession, data: dict, by, override_reason: str = ""
) -> NeedlePlacement:
    """Add a needle placement. What no reason allows is refused; safety
    warnings need ``override_reason``, kept with each warning."""
    current = _locked(session)
    _require_licence(by, "needling")
    refusals = placement_refusals(
        acupoint=data["acupoint"], needle=data["needle"], depth_mm=data.get("depth_mm")
    )
    if refusals:
        raise SessionError(refusals)
    warnings = Cautions.for_patient(current.patient).placement_warnings(
        acupoint=data["acupoint"],
        side=data["side"],
        stimulation=data["stimulation"],
        angle=data.get("angle", NeedlePlacement.Angle.PERPENDICULAR),
        depth_mm=data.get("depth_mm"),
        region=data.get("region", ""),
    )
    if warnings and not override_reason.strip():
        raise NeedsOverride(warnings)
    position = (current.placements.aggregate(last=Max("position"))["last"] or 0) + 1
    placement = NeedlePlacement.objects.create(session=current, position=position, **data)
    _keep_overrides(current, placement, warnings, override_reason.strip(), by)
    _bump(current, [])
    audit.services.record(
        "sessions.placement.added",
        actor=by,
        obj=current,
        patient=current.patient,
        data={"acupoint": data["acupoint"].code},
    )
    return placement


@transaction.atomic
def override_warning(
    *, session: TreatmentSession, placement_id: int | None, kind: str, reason: str, by
) -> WarningOverride:
    """Answer a warning that applies now but was not overridden when the needle
    was placed (a flag added since, a setting changed): the reason is kept."""
    current = _locked(session)
    if not reason.strip():
        raise SessionError("Give the reason for going ahead (it is kept on the record).")
    pending = Cautions.for_patient(current.patient).unmet(current)
    match = next(
        (
            item
            for item in pending
            if item.warning.kind == kind
            and (item.placement.pk if item.placement else None) == placement_id
        ),
        None,
    )
    if match is None:
        raise SessionError("That warning no longer applies, or it has been answered already.")
    _keep_overrides(current, match.placement, [match.warning], reason.strip(), by)
    _bump(current, [])
    return current.overrides.get(placement_id=placement_id, kind=kind)


@transaction.atomic
def remove_placement(*, placement: NeedlePlacement, by) -> None:
    current = _locked(placement.session)
    if current.needles_in_at is not None:
        raise SessionError("Needles are in: placements can no longer be removed, only counted out.")
    code = placement.acupoint.code
    # The reasons given for this needle go with it: a signed record lists
    # only the overrides of needles actually placed.
    WarningOverride.objects.filter(placement=placement).delete()
    placement.delete()
    _bump(current, [])
    audit.services.record(
        "sessions.placement.removed",
        actor=by,
        obj=current,
        patient=current.patient,
        data={"acupoint": code},
    )


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
    cautions = Cautions.for_patient(current.patient)
    position = current.placements.aggregate(last=Max("position"))["last"] or 0
    added, skipped = [], []
    for point in points:
        if point.needle is None:
            skipped.append(f"{point.acupoint.code} (no needle chosen)")
            continue
        if point.acupoint.named_points:
            skipped.append(f"{point.acupoint.code} (choose the levels: add it on its own)")
            continue
        angle = getattr(point, "angle", NeedlePlacement.Angle.PERPENDICULAR)
        if placement_refusals(
            acupoint=point.acupoint, needle=point.needle, depth_mm=point.depth_mm
        ) or cautions.placement_warnings(
            acupoint=point.acupoint,
            side=point.side,
            stimulation=point.stimulation,
            angle=angle,
            depth_mm=point.depth_mm,
            region=getattr(point, "region", ""),
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
                angle=angle,
                stimulation=point.stimulation,
                points_needled=getattr(point, "points_needled", point.acupoint.points_per_side),
                region=getattr(point, "region", ""),
            )
        )
    NeedlePlacement.objects.bulk_create(added)
    _bump(current, [])
    audit.services.record(
        "sessions.placements.applied",
        actor=by,
        obj=current,
        patient=current.patient,
        data={"source": source, "added": len(added), "skipped": skipped},
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
    audit.services.record(
        "sessions.adverse_event.added", actor=by, obj=current, patient=current.patient
    )
    return event


@transaction.atomic
def needles_in(*, session: TreatmentSession, by, position: str = "") -> TreatmentSession:
    """The needles go in: every check runs again on the patient's flags as
    they are now, before anything is needled."""
    current = _locked(session)
    _require_licence(by, "needling")
    if current.needles_in_at is not None:
        raise SessionError("Needles-in time is already recorded.")
    if not current.placements.exists():
        raise SessionError("Record the needle placements before the needles go in.")
    current.patient_position = position or current.patient_position
    if not current.patient_position:
        raise SessionError("Choose the patient's position before the needles go in.")
    refusal = position_refusal(current.patient, current.patient_position) or consent_problem(
        current.patient, timezone.localdate()
    )
    if refusal:
        raise SessionError(refusal)
    pending = Cautions.for_patient(current.patient).unmet(current)
    if pending:
        raise SessionError(
            [f"{item.where}: {item.warning.detail} Give a reason or remove it." for item in pending]
        )
    current.needles_in_at = timezone.now()
    _bump(current, ["needles_in_at", "patient_position"])
    audit.services.record(
        "sessions.retention.started", actor=by, obj=current, patient=current.patient
    )
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
    audit.services.record(
        "sessions.retention.ended",
        actor=by,
        obj=current,
        patient=current.patient,
        data={"removed": removed},
    )
    return current


def needles_inserted(session: TreatmentSession) -> int:
    """Needles in: the placements' counts (PostgreSQL computes each one)."""
    return sum(p.needle_count for p in session.placements.all())


def sign_problems(
    session: TreatmentSession,
    by,
    *,
    settings: ClinicSettings | None = None,
    cautions: Cautions | None = None,
) -> list[str]:
    """Everything that stops this user signing this record, in plain words."""
    problems = []
    practitioner = getattr(by, "practitioner", None)
    if practitioner is None or not session.is_treated_by(by):
        problems.append("Only the treating practitioner can sign this record.")
    elif licence := licence_problem(by, doing="signing"):
        problems.append(licence)
    return problems + record_problems(session, settings=settings, cautions=cautions)


def record_problems(
    session: TreatmentSession,
    *,
    settings: ClinicSettings | None = None,
    cautions: Cautions | None = None,
) -> list[str]:
    """What the record itself lacks under today's rules, on the patient's flags
    as they are now: red flags, contraindications, cautions, overrides, the
    needle count and the retention. Sign-off runs it; so does the check that
    every signed record of the demo obeys the rules."""
    settings = settings or ClinicSettings.load()
    problems = []
    placements = list(session.placements.all())
    if session.red_flags and not session.red_flag_decision:
        problems.append(
            "Red flags are ticked: record the decision taken (referral or treatment with reason)."
        )
    needs_note = session.red_flag_decision == RedFlagDecision.TREATED_WITH_REASON or (
        session.red_flag_decision == RedFlagDecision.REFERRED_EMERGENCY and placements
    )
    if needs_note and not session.red_flag_notes.strip():
        problems.append(
            "Say why you treated despite the red flags."
            if session.red_flag_decision == RedFlagDecision.TREATED_WITH_REASON
            else "You referred the patient to emergency care and needled them: confirm in the "
            "red-flag notes why needling went ahead."
        )
    if not session.contraindications_reviewed:
        problems.append("Tick that contraindications were reviewed.")
    cautions = cautions or Cautions.for_patient(session.patient, settings)
    problems += [
        f"{item.where}: {item.warning.detail} Give a reason to go ahead (an override)."
        for item in cautions.unmet(session)
    ]
    problems += cautions.session_problems(session)
    if session.needles_in_at is not None and (
        consent := consent_problem(session.patient, session.session_date, at=session.needles_in_at)
    ):
        problems.append(consent)
    problems += [
        f"{p.acupoint.code}: {refusal}"
        for p in placements
        for refusal in placement_refusals(acupoint=p.acupoint, needle=p.needle, depth_mm=p.depth_mm)
    ]
    if placements:
        if session.needles_in_at is None or session.needles_out_at is None:
            problems.append("Record needles in and needles out.")
        else:
            inserted = needles_inserted(session)
            if session.needles_removed != inserted and not (
                session.missing_needle_incident
                and session.missing_needle_found is not None
                and session.missing_needle_details.strip()
            ):
                problems.append(
                    f"Needle count: {inserted} in, {session.needles_removed or 0} out. Find the "
                    "missing needle or record the incident (found or not, and where)."
                )
            minutes = session.retention_minutes
            if settings.retention_outside(minutes) and not session.retention_reason.strip():
                low, high = settings.retention_range
                problems.append(
                    f"Retention was {minutes} minute{'s' if minutes != 1 else ''}, outside "
                    f"{low}–{high}: give a reason."
                )
    return problems


@transaction.atomic
def sign_session(*, session: TreatmentSession, by, version: int | None = None) -> TreatmentSession:
    current = _locked(session, version)
    prefetch_related_objects(
        [current],
        Prefetch(
            "placements", queryset=NeedlePlacement.objects.select_related("acupoint", "needle")
        ),
        "overrides",
    )
    problems = sign_problems(current, by)
    if problems:
        raise SessionError(problems)
    signed_fields = snapshot.sign_off(current, by=by)  # what was true at sign-off
    current.save(update_fields=[*signed_fields, "updated_at"])
    current.refresh_from_db(fields=snapshot.COPIED_BY_DATABASE)
    audit.services.record("sessions.session.signed", actor=by, obj=current, patient=current.patient)
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
    audit.services.record("sessions.addendum.added", actor=by, obj=current, patient=current.patient)
    return addendum


@transaction.atomic
def add_lesion_site(*, session: TreatmentSession, data: dict, by) -> SkinLesionSite:
    """A skin-lesion site on the patient, recorded from their draft record."""
    current = _locked(session)
    site = SkinLesionSite.objects.create(
        patient=current.patient,
        acupoint=data["acupoint"],
        side=data["side"],
        region=data["region"],
        description=data["description"].strip(),
        recorded_by=by,
    )
    # Named like any change of clinical flags: the action itself must not tell
    # non-clinical readers of the trail that this patient has a lesion.
    audit.services.record(
        "patients.clinical_flags.changed", actor=by, obj=current, patient=current.patient
    )
    return site


@transaction.atomic
def resolve_lesion_site(*, session: TreatmentSession, site_id: int, by) -> None:
    """A healed site stops warning; it is kept, never deleted."""
    current = _locked(session)
    updated = (
        SkinLesionSite.objects.current()
        .filter(pk=site_id, patient=current.patient)
        .update(resolved_at=timezone.now(), resolved_by=by)
    )
    if not updated:
        raise SessionError("That skin-lesion site is not on this patient's record, or is resolved.")
    audit.services.record(
        "patients.clinical_flags.changed", actor=by, obj=current, patient=current.patient
    )


def retention_elapsed(session: TreatmentSession, now=None) -> timedelta | None:
    if session.needles_in_at is None:
        return None
    return (session.needles_out_at or now or timezone.now()) - session.needles_in_at


def record_read(*, session: TreatmentSession, by, view: str) -> None:
    """Every read of a clinical record by staff is audited."""
    audit.services.record(
        "sessions.session.viewed",
        actor=by,
        obj=session,
        patient=session.patient,
        data={"view": view},
    )


def record_clinical_page_read(*, patient, sessions, by) -> None:
    """Opening a patient's clinical page reads every record it shows: audited,
    naming those records."""
    audit.services.record(
        "sessions.clinical_page.viewed",
        actor=by,
        obj=patient,
        patient=patient,
        data={"sessions": [str(s.uuid) for s in sessions]},
    )


# --- A practitioner's saved protocols ------------------------------------------------


def needle_count(points) -> int:
    """Needles a protocol's points use (bilateral counts each side)."""
    return sum(NeedlePlacement.count_for(p.side, p.acupoint.points_per_side) for p in points)


@transaction.atomic
def save_protocol(*, practitioner, protocol: Protocol | None, data: dict, by) -> Protocol:
    """Create or update the protocol from a valid ProtocolForm's cleaned data
    (``name``, ``default_needle``, ``parsed_points``); its points are replaced
    as a whole."""
    if protocol is None:
        protocol = Protocol(practitioner=practitioner)
        action = "sessions.protocol.created"
    else:
        protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
        action = "sessions.protocol.changed"
    protocol.name = data["name"]
    try:
        with transaction.atomic():
            protocol.save()
    except IntegrityError as error:  # the same name saved from another tab meanwhile
        raise SessionError(f"You already have a protocol called “{protocol.name}”.") from error
    protocol.points.all().delete()
    points = ProtocolPoint.objects.bulk_create(
        ProtocolPoint(
            protocol=protocol,
            position=position,
            acupoint=point.acupoint,
            side=point.side,
            needle=point.needle or data["default_needle"],
            depth_mm=point.depth_mm,
            angle=point.angle,
            stimulation=point.stimulation,
        )
        for position, point in enumerate(data["parsed_points"], start=1)
    )
    audit.services.record(
        action,
        actor=by,
        obj=protocol,
        data={
            "name": protocol.name,
            "points": [f"{p.acupoint.code} {p.side}" for p in points],
            "needles": needle_count(points),
        },
    )
    return protocol


@transaction.atomic
def delete_protocol(*, protocol: Protocol, by) -> None:
    """Protocols are not clinical records: deleting one is fine, and audited."""
    audit.services.record(
        "sessions.protocol.deleted",
        actor=by,
        obj=protocol,
        data={"name": protocol.name},
    )
    protocol.delete()
