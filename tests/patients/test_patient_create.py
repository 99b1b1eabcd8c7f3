import pytest

from audit.models import AuditEvent
from patients.models import Patient
from tests.factories import PatientFactory

URL = "/patients/new/"

VALID = {
    "first_name": "Zoë",
    "last_name": "Müller",
    "date_of_birth": "1980-03-14",
    "sex": "female",
    "phone": "07700 900123",
    "email": "zoe@example.net",
    "preferred_contact": "email",
    "allow_email": "on",
}


@pytest.mark.django_db
def test_it_creates_a_patient_with_a_number_and_audits_it(client_for, front_desk):
    r = client_for(front_desk).post(URL, VALID)
    patient = Patient.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/patients/{patient.uuid}/"
    assert patient.patient_number.startswith("P")
    event = AuditEvent.objects.get(action="patients.patient.created")
    assert event.actor == front_desk and event.patient == patient


@pytest.mark.django_db
def test_it_warns_about_a_possible_duplicate_and_saves_nothing(client_for, front_desk):
    existing = PatientFactory(first_name="Zoe", last_name="Muller", date_of_birth="1980-03-14")
    r = client_for(front_desk).post(URL, VALID)
    assert r.status_code == 200
    assert "may already be registered" in r.content.decode()
    assert existing.patient_number in r.content.decode()
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_it_saves_a_confirmed_different_person(client_for, front_desk):
    PatientFactory(first_name="Zoe", last_name="Muller", date_of_birth="1980-03-14")
    r = client_for(front_desk).post(URL, {**VALID, "confirm_not_duplicate": "on"})
    assert r.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field",
    [
        ({"first_name": ""}, "first_name"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "1980-02-30"}, "date_of_birth"),
        ({"phone": "call me maybe"}, "phone"),
        ({"email": "", "preferred_contact": "email"}, "email"),
        ({"first_name": "x" * 500}, "first_name"),
        ({"sex": "robot"}, "sex"),
    ],
)
def test_it_rejects_bad_input_with_a_message_and_saves_nothing(
    client_for, front_desk, change, field
):
    r = client_for(front_desk).post(URL, {**VALID, **change})
    assert r.status_code == 200
    assert field in r.context["form"].errors
    assert Patient.objects.count() == 0
