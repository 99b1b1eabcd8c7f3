import pytest

from audit.models import AuditEvent
from tests.factories import PatientFactory


@pytest.fixture
def flagged(db):
    return PatientFactory(
        is_pregnant=True, has_implanted_device=True, skin_conditions="Eczema, left calf"
    )


def url(patient):
    return f"/patients/{patient.uuid}/"


@pytest.mark.django_db
def test_it_shows_clinical_flags_to_practitioners(client_for, practitioner, flagged):
    r = client_for(practitioner.user).get(url(flagged))
    body = r.content.decode()
    assert r.status_code == 200
    assert "Pregnant" in body and "Pacemaker" in body and "Eczema, left calf" in body


@pytest.mark.django_db
def test_it_never_shows_clinical_flags_to_front_desk(client_for, front_desk, flagged):
    r = client_for(front_desk).get(url(flagged))
    body = r.content.decode()
    assert r.status_code == 200
    assert flagged.last_name in body
    assert "Pregnant" not in body and "Pacemaker" not in body and "Eczema" not in body
    assert "clinical-flags" not in body


@pytest.mark.django_db
def test_it_audits_who_opened_the_record(client_for, front_desk, flagged):
    client_for(front_desk).get(url(flagged))
    event = AuditEvent.objects.get(action="patients.patient.viewed")
    assert (event.actor, event.patient, event.data) == (
        front_desk,
        flagged,
        {"clinical_flags_shown": False},
    )
    assert event.client_address == "127.0.0.1"


@pytest.mark.django_db
def test_it_answers_404_for_an_unknown_patient(client_for, front_desk):
    r = client_for(front_desk).get("/patients/00000000-0000-0000-0000-000000000000/")
    assert r.status_code == 404
    assert "couldn't find that page" in r.content.decode()


@pytest.mark.django_db
def test_it_refuses_patients_even_for_their_own_record(client_for, patient_a):
    # The portal (issue 5) shows patients their record; the staff page never does.
    assert client_for(patient_a.user).get(url(patient_a)).status_code == 403


@pytest.mark.django_db
def test_it_makes_the_same_number_of_queries_whatever_the_flags(
    client_for, practitioner, flagged, django_assert_num_queries
):
    client = client_for(practitioner.user)
    # session / user / patient / audit insert / the latest consent (its status and
    # link, with its text's version) / the latest intake request (intake panel) /
    # session save (savepoint, update, release)
    with django_assert_num_queries(9):
        client.get(url(flagged))
