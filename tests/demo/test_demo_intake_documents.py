"""The demo shows issue 17: two new patients filled in the intake (waiting for
the practitioner's review) with a referral letter each; the portal patient has a
scan report shared with her. A second run adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from documents.models import Document
from intake.models import IntakeRequest
from patients.consent import consent_problem


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_demo_has_completed_intakes_and_documents():
    call_command("seed_demo", stdout=StringIO())
    intakes = list(IntakeRequest.objects.select_related("patient"))
    assert len(intakes) == 2
    for intake in intakes:
        assert intake.is_completed and intake.reviewed_at is None
        assert intake.answers.count() == intake.form.questions.count()
        assert consent_problem(intake.patient, intake.completed_at.date()) is None
        # The answers wait for the practitioner's review at the first visit.
        assert not intake.reviews.exists()
        (letter,) = intake.patient.documents.all()
        assert letter.file.read(5) == b"%PDF-"
    shared = Document.objects.get(patient__user__email="patient@example.com")
    assert shared.shared_with_patient and shared.clinical
    call_command("seed_demo", stdout=StringIO())
    assert IntakeRequest.objects.count() == 2 and Document.objects.count() == 3
