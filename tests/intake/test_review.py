"""At the first visit the practitioner accepts or corrects each flag answer."""

import pytest

from audit.models import AuditEvent
from intake.models import FlagReview
from tests.intake.conftest import answers


@pytest.fixture
def completed(client, link, sent):
    client.post(link, answers())
    sent.refresh_from_db()
    client.logout()
    return sent


def _accept_all(completed, **overrides):
    from intake.services import answers_of, flag_rows

    data = {}
    for row in flag_rows(completed, answers_of(completed)):
        value = row.answered_value
        data[f"value_{row.flag}"] = ("yes" if value else "no") if row.is_boolean else value
        data[f"note_{row.flag}"] = ""
    data.update(overrides)
    return data


def test_the_practitioner_sees_answers_beside_the_flags(
    client_for, practitioner, completed, django_assert_num_queries
):
    client = client_for(practitioner.user)
    # session+user, request, answers, reviews, audit insert (+ savepoint pair), session save
    with django_assert_num_queries(9):
        response = client.get(f"/intake/{completed.uuid}/review/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Anticoagulants or bleeding disorder" in page and "differs from the answer" in page
    assert "eczema on the left hand" in page
    assert AuditEvent.objects.filter(action="intake.answers.viewed").exists()


def test_accepting_sets_the_flags_and_keeps_both(client_for, practitioner, completed, new_patient):
    client = client_for(practitioner.user)
    response = client.post(f"/intake/{completed.uuid}/review/", _accept_all(completed))
    assert response.status_code == 302
    new_patient.refresh_from_db()
    assert new_patient.is_pregnant and new_patient.bleeding_risk
    assert new_patient.skin_conditions == "eczema on the left hand"
    review = FlagReview.objects.get(request=completed, flag="is_pregnant")
    assert (review.patient_answer, review.flag_before, review.value_recorded) == (
        "yes",
        "no",
        "yes",
    )
    assert review.decision == "accepted"
    event = AuditEvent.objects.get(action="intake.flags.reviewed")
    assert "is_pregnant" in event.data["changed_fields"]
    # Reviewed once: the page shows the decisions.
    page = client.get(f"/intake/{completed.uuid}/review/").content.decode()
    assert "Reviewed by" in page


def test_a_correction_needs_a_note(client_for, practitioner, completed, new_patient):
    client = client_for(practitioner.user)
    data = _accept_all(completed, value_is_pregnant="no")
    response = client.post(f"/intake/{completed.uuid}/review/", data)
    assert response.status_code == 200
    assert "say why" in response.content.decode()
    assert not FlagReview.objects.exists()
    new_patient.refresh_from_db()
    assert not new_patient.bleeding_risk

    data["note_is_pregnant"] = "Pregnancy test negative today"
    assert client.post(f"/intake/{completed.uuid}/review/", data).status_code == 302
    review = FlagReview.objects.get(flag="is_pregnant")
    assert review.decision == "corrected" and review.value_recorded == "no"
    new_patient.refresh_from_db()
    assert not new_patient.is_pregnant and new_patient.bleeding_risk


def test_front_desk_sees_only_that_it_is_done(client_for, front_desk, completed, new_patient):
    client = client_for(front_desk)
    page = client.get(f"/patients/{new_patient.uuid}/").content.decode()
    assert "Done" in page and "eczema" not in page and "Review intake answers" not in page
    assert client.get(f"/intake/{completed.uuid}/review/").status_code == 403


def test_the_practitioner_is_pointed_to_the_answers(
    client_for, practitioner, completed, new_patient
):
    page = client_for(practitioner.user).get(f"/patients/{new_patient.uuid}/").content.decode()
    assert "Review intake answers" in page


def test_the_treatment_record_points_to_answers_not_reviewed_yet(
    client_for, practitioner, completed, new_patient
):
    from tests.factories.sessions import TreatmentSessionFactory

    session = TreatmentSessionFactory(practitioner=practitioner, patient=new_patient)
    client = client_for(practitioner.user)
    page = client.get(f"/records/{session.uuid}/step/assessment/").content.decode()
    assert 'data-testid="intake-review-notice"' in page
    client.post(f"/intake/{completed.uuid}/review/", _accept_all(completed))
    page = client.get(f"/records/{session.uuid}/step/assessment/").content.decode()
    assert 'data-testid="intake-review-notice"' not in page
