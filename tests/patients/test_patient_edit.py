import pytest

from audit.models import AuditEvent
from patients.models import Patient
from tests.factories import PatientFactory


@pytest.fixture
def patient(db):
    return PatientFactory(first_name="Ann", last_name="Lee", phone="07700 900001")


def form_data(patient, **changes):
    """The edit form as the browser would post it, with some fields changed."""
    data = {
        "version": patient.version,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "preferred_name": patient.preferred_name,
        "date_of_birth": patient.date_of_birth,
        "sex": patient.sex,
        "phone": patient.phone,
        "email": patient.email,
        "preferred_contact": patient.preferred_contact,
        "allow_email": "on",
        "appointment_reminders": "on",
        "consent_to_treatment_date": patient.consent_to_treatment_date or "",
        "consent_text_version": patient.consent_text_version,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_it_saves_changes_and_audits_the_changed_fields(client_for, front_desk, patient):
    r = client_for(front_desk).post(
        f"/patients/{patient.uuid}/edit/", form_data(patient, phone="07700 900999")
    )
    assert r.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+447700900999"  # stored in E.164
    assert patient.version == 2
    event = AuditEvent.objects.get(action="patients.patient.changed")
    assert event.data["changes"]["phone"] == {"from": "07700 900001", "to": "+447700900999"}


@pytest.mark.django_db
def test_it_refuses_an_edit_made_on_an_out_of_date_copy(
    client_for, front_desk, practitioner, patient
):
    stale = form_data(patient, phone="07700 900222")
    client_for(practitioner.user).post(
        f"/patients/{patient.uuid}/edit/", form_data(patient, email="new@example.net")
    )
    r = client_for(front_desk).post(f"/patients/{patient.uuid}/edit/", stale)
    assert r.status_code == 200
    assert "Someone else changed this record" in r.content.decode()
    patient.refresh_from_db()
    assert (patient.email, patient.phone) == ("new@example.net", "07700 900001")


@pytest.mark.django_db
def test_it_rejects_bad_input_and_changes_nothing(client_for, front_desk, patient):
    r = client_for(front_desk).post(
        f"/patients/{patient.uuid}/edit/", form_data(patient, date_of_birth="not a date")
    )
    assert r.status_code == 200
    assert "date_of_birth" in r.context["form"].errors
    assert Patient.objects.get().version == 1


@pytest.mark.django_db
def test_front_desk_cannot_change_clinical_flags_through_the_demographics_form(
    client_for, front_desk, patient
):
    client_for(front_desk).post(
        f"/patients/{patient.uuid}/edit/", form_data(patient, is_pregnant="on")
    )
    patient.refresh_from_db()
    assert patient.is_pregnant is False


@pytest.mark.django_db
def test_practitioners_record_clinical_flags(client_for, practitioner, patient):
    r = client_for(practitioner.user).post(
        f"/patients/{patient.uuid}/clinical-flags/",
        {
            "version": 1,
            "is_pregnant": "on",
            "allergy_latex": "on",
            "skin_conditions": "Psoriasis, sacrum",
        },
    )
    assert r.status_code == 302
    patient.refresh_from_db()
    assert patient.is_pregnant and patient.allergy_latex
    assert patient.clinical_flags_updated_at is not None
    assert AuditEvent.objects.filter(action="patients.clinical_flags.changed").count() == 1


@pytest.mark.django_db
def test_a_due_date_needs_the_pregnant_box(client_for, practitioner, patient):
    r = client_for(practitioner.user).post(
        f"/patients/{patient.uuid}/clinical-flags/",
        {"version": 1, "pregnancy_due_date": "2027-03-01"},
    )
    assert r.status_code == 200
    assert "pregnancy_due_date" in r.context["form"].errors
    patient.refresh_from_db()
    assert patient.pregnancy_due_date is None


@pytest.mark.django_db
def test_front_desk_may_not_open_clinical_flags(client_for, front_desk, patient):
    assert (
        client_for(front_desk).get(f"/patients/{patient.uuid}/clinical-flags/").status_code == 403
    )


@pytest.mark.django_db
def test_the_database_refuses_a_due_date_without_pregnancy(patient):
    from django.db import IntegrityError

    patient.pregnancy_due_date = "2027-01-01"
    with pytest.raises(IntegrityError):
        patient.save(update_fields=["pregnancy_due_date"])
