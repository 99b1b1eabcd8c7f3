"""Informed consent for the demo patients who have treatment records, so that
every signed record of the demo had consent on file before its first needling
(issue 11, point 7): a typed name the patient confirmed, a quarter of an hour
before the first needles went in; a parent's for a patient under 18 that day.
Patients seen before today without a record get theirs before their first
visit; patients whose first visit is today or later have none yet, so the demo
shows the practitioner recording it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from patients.models import Consent, ConsentText
from scheduling.models import Appointment
from sessions.models import TreatmentSession

GUARDIAN_RELATIONSHIP = "parent"


def seed_consents() -> int:
    """Once per patient: a patient who already has a consent row is left alone."""
    text = ConsentText.objects.current().first()
    if text is None:
        return 0
    # Each patient's first needling, newest first: the last one kept is the first.
    first_session = {
        session.patient_id: session
        for session in TreatmentSession.objects.filter(needles_in_at__isnull=False)
        .exclude(patient__consents__isnull=False)
        .select_related("patient", "practitioner__user")
        .order_by("-needles_in_at")
    }
    first_visit = {
        appointment.patient_id: appointment
        for appointment in Appointment.objects.filter(
            start_at__lt=timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        )
        .exclude(patient__consents__isnull=False)
        .exclude(patient_id__in=first_session)
        .select_related("patient", "practitioner__user")
        .order_by("-start_at")
    }
    consents = [
        _consent(text, s.patient, s.needles_in_at, s.practitioner.user)
        for s in first_session.values()
    ] + [_consent(text, a.patient, a.start_at, a.practitioner.user) for a in first_visit.values()]
    Consent.objects.bulk_create(consents)
    return len(consents)


def _consent(text, patient, first_needling, by) -> Consent:
    """A typed name the patient confirmed, a quarter of an hour before; a parent's
    for a patient under 18 that day."""
    given_at = first_needling - timedelta(minutes=15)
    consent = Consent(
        patient=patient,
        consent_text=text,
        given_at=given_at,
        recorded_by=by,
        signer=Consent.Signer.PATIENT,
        signature_method=Consent.Method.TYPED,
        typed_name=f"{patient.first_name} {patient.last_name}",
        typed_name_confirmed=True,
    )
    if patient.age_on(timezone.localdate(given_at)) < 18:
        consent.signer = Consent.Signer.GUARDIAN
        consent.guardian_name = patient.emergency_contact_name or f"Parent of {patient.first_name}"
        consent.guardian_relationship = GUARDIAN_RELATIONSHIP
        consent.typed_name = consent.guardian_name
    return consent
