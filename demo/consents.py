"""Informed consent for the demo patients who have treatment records, so that
every signed record of the demo had consent on file before its first needling
(issue 11, point 7): a typed name the patient confirmed, a quarter of an hour
before the first needles went in; a parent's for a patient under 18 that day."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from patients.models import Consent, ConsentText
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
    consents = []
    for session in first_session.values():
        patient = session.patient
        given_at = session.needles_in_at - timedelta(minutes=15)
        consent = Consent(
            patient=patient,
            consent_text=text,
            given_at=given_at,
            recorded_by=session.practitioner.user,
            signer=Consent.Signer.PATIENT,
            signature_method=Consent.Method.TYPED,
            typed_name=f"{patient.first_name} {patient.last_name}",
            typed_name_confirmed=True,
        )
        if patient.age_on(timezone.localdate(given_at)) < 18:
            consent.signer = Consent.Signer.GUARDIAN
            consent.guardian_name = (
                patient.emergency_contact_name or f"Parent of {patient.first_name}"
            )
            consent.guardian_relationship = GUARDIAN_RELATIONSHIP
            consent.typed_name = consent.guardian_name
        consents.append(consent)
    Consent.objects.bulk_create(consents)
    return len(consents)
