"""The patient fills in the intake through the link, and signs consent."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from clinic.models import ClinicSettings
from intake.models import IntakeAnswer, IntakeRequest
from patients.models import Consent
from tests.intake.conftest import answers


def test_the_link_shows_the_questions_in_plain_words(client, link, django_assert_num_queries):
    ClinicSettings.load()  # created once, on first use
    # the request (with patient and form), its questions, the consent text, the clinic
    with django_assert_num_queries(4):
        response = client.get(link)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Are you scared of needles, or have you ever fainted?" in page
    assert "blood thinners" in page and "Consent to acupuncture" in page


def test_answers_and_consent_are_stored_and_flags_unchanged(client, link, sent, new_patient):
    response = client.post(link, answers(), follow=True)
    assert response.redirect_chain == [("/intake/thanks/", 302)]
    assert "Your answers and your consent are saved" in response.content.decode()
    sent.refresh_from_db()
    assert sent.completed_at is not None
    assert IntakeAnswer.objects.filter(request=sent).count() == sent.form.questions.count()
    assert IntakeAnswer.objects.get(request=sent, question__key="pregnant").value == "yes"
    consent = Consent.objects.get(patient=new_patient)
    assert consent.typed_name == "Nora Newman" and sent.consent_uuid == consent.uuid
    new_patient.refresh_from_db()
    # Nothing the patient answered changes a flag by itself.
    assert not new_patient.is_pregnant and not new_patient.bleeding_risk
    assert new_patient.skin_conditions == ""


def test_a_used_link_gets_a_clear_page(client, link, sent):
    client.post(link, answers())
    again = client.get(link)
    assert again.status_code == 410
    assert "already been filled in" in again.content.decode()
    repost = client.post(link, answers())
    assert repost.status_code == 410
    assert IntakeAnswer.objects.filter(request=sent).count() == sent.form.questions.count()


def test_an_expired_link_gets_a_clear_page_and_stores_nothing(client, link, sent):
    past = timezone.now() - timedelta(days=8)
    IntakeRequest.objects.filter(pk=sent.pk).update(
        created_at=past, expires_at=past + timedelta(days=7)
    )
    response = client.post(link, answers())
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not IntakeAnswer.objects.exists() and not Consent.objects.exists()


def test_a_wrong_token_is_not_valid(client, sent):
    response = client.get(f"/intake/{sent.uuid}/abc-123/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_missing_answers_are_marked_and_nothing_is_stored(client, link, sent):
    data = answers()
    del data["q-blood_thinners"]
    data["typed_name_confirmed"] = ""
    response = client.post(link, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Please answer this question." in page and "Nothing was saved yet" in page
    assert not IntakeAnswer.objects.exists() and not Consent.objects.exists()
    sent.refresh_from_db()
    assert sent.completed_at is None


def test_consent_wording_changed_meanwhile_stores_nothing(client, link, sent):
    data = answers(text_version="0")
    data["text_version"] = "0"
    response = client.post(link, data)
    assert "consent wording changed" in response.content.decode()
    assert not IntakeAnswer.objects.exists() and not Consent.objects.exists()


def test_answers_are_never_changed(client, link, sent):
    client.post(link, answers())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE intake_intakeanswer SET value = 'x'")
