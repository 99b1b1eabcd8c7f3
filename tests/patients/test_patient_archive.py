import pytest

from audit.models import AuditEvent
from patients.models import Patient
from tests.factories import PatientFactory


@pytest.mark.django_db
def test_it_archives_and_restores_without_deleting(client_for, front_desk):
    patient = PatientFactory()
    client = client_for(front_desk)
    assert client.post(f"/patients/{patient.uuid}/archive/").status_code == 302
    patient.refresh_from_db()
    assert patient.is_archived
    assert Patient.objects.count() == 1
    assert client.post(f"/patients/{patient.uuid}/restore/").status_code == 302
    patient.refresh_from_db()
    assert not patient.is_archived
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"patients.patient.archived", "patients.patient.restored"} <= actions


@pytest.mark.django_db
def test_archiving_needs_a_post(client_for, front_desk):
    patient = PatientFactory()
    assert client_for(front_desk).get(f"/patients/{patient.uuid}/archive/").status_code == 405


@pytest.mark.django_db
def test_practitioners_may_not_archive(client_for, practitioner):
    patient = PatientFactory()
    assert (
        client_for(practitioner.user).post(f"/patients/{patient.uuid}/archive/").status_code == 403
    )
    patient.refresh_from_db()
    assert not patient.is_archived
