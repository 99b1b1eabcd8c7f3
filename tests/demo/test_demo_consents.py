"""The demo obeys the consent rule it shows (issue 11, point 7): every patient
with a treatment record had consent on file before their first needling."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from patients.consent import consent_problem
from patients.models import Consent
from sessions.models import TreatmentSession


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_every_needled_demo_patient_had_consent_first_and_a_second_run_adds_none():
    call_command("seed_demo", stdout=StringIO())
    sessions = list(
        TreatmentSession.objects.filter(needles_in_at__isnull=False).select_related("patient")
    )
    assert sessions and Consent.objects.exists()
    for session in sessions:
        assert consent_problem(session.patient, session.session_date) is None, session
        first = session.patient.consents.order_by("given_at").first()
        assert first.given_at < session.needles_in_at
    minors = [c for c in Consent.objects.select_related("patient") if c.signer == "guardian"]
    for consent in minors:
        assert consent.patient.age_on(timezone.localdate(consent.given_at)) < 18
    count = Consent.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Consent.objects.count() == count


@pytest.mark.django_db
def test_returning_patients_have_consent_and_first_timers_not_yet():
    from scheduling.models import Appointment

    call_command("seed_demo", stdout=StringIO())
    today = timezone.localdate()
    seen_before = set(
        Appointment.objects.filter(start_at__date__lt=today).values_list("patient_id", flat=True)
    )
    consented = set(Consent.objects.values_list("patient_id", flat=True))
    assert seen_before <= consented
    # Later in the day, this morning's first timers have been needled (with
    # consent, as the first test shows): only those not yet needled have none.
    needled = set(
        TreatmentSession.objects.filter(needles_in_at__isnull=False).values_list(
            "patient_id", flat=True
        )
    )
    first_timers = (
        set(
            Appointment.objects.filter(start_at__date__gte=today).values_list(
                "patient_id", flat=True
            )
        )
        - seen_before
        - needled
    )
    # Except the two who signed it with their online intake (issue 17, demo/intake_documents.py).
    from intake.models import IntakeRequest

    by_intake = set(
        IntakeRequest.objects.filter(completed_at__isnull=False).values_list(
            "patient_id", flat=True
        )
    )
    assert first_timers - by_intake
    assert len(by_intake) == 2 and by_intake <= first_timers & consented
    assert not (first_timers - by_intake) & consented
