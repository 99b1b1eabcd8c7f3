import pytest
from django.utils import timezone

from audit.models import AuditEvent
from intake.models import IntakeRequest


def test_front_desk_sends_a_link_by_email(client_for, front_desk, new_patient, mailoutbox):
    client = client_for(front_desk)
    response = client.post(f"/intake/patients/{new_patient.uuid}/send/", follow=True)
    assert "Intake link sent to nora@example.net" in response.content.decode()
    sent = IntakeRequest.objects.get(patient=new_patient)
    assert sent.sent_at is not None and sent.form.version == "1"
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert f"http://testserver/intake/{sent.uuid}/" in body
    assert AuditEvent.objects.filter(action="intake.link.sent", patient=new_patient).exists()


def test_without_an_email_address_nothing_is_stored(
    client_for, front_desk, new_patient, mailoutbox
):
    new_patient.allow_email = False
    new_patient.save(update_fields=["allow_email"])
    response = client_for(front_desk).post(
        f"/intake/patients/{new_patient.uuid}/send/", follow=True
    )
    assert "no e-mail address we may use" in response.content.decode()
    assert not IntakeRequest.objects.exists() and not mailoutbox


def test_an_archived_record_gets_no_link(client_for, front_desk, new_patient):
    new_patient.archived_at = timezone.now()
    new_patient.save(update_fields=["archived_at"])
    response = client_for(front_desk).post(
        f"/intake/patients/{new_patient.uuid}/send/", follow=True
    )
    assert "archived" in response.content.decode()
    assert not IntakeRequest.objects.exists()


def test_a_failed_send_is_stored_and_said(client_for, front_desk, new_patient, settings):
    settings.EMAIL_BACKEND = "tests.intake.test_send_link.FailingBackend"
    response = client_for(front_desk).post(
        f"/intake/patients/{new_patient.uuid}/send/", follow=True
    )
    assert "could not be sent" in response.content.decode()
    sent = IntakeRequest.objects.get()
    assert sent.sent_at is None and "SMTP down" in sent.send_error


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP down")


@pytest.mark.parametrize("method", ["get"])
def test_get_is_refused(client_for, front_desk, new_patient, method):
    assert (
        client_for(front_desk).get(f"/intake/patients/{new_patient.uuid}/send/").status_code == 405
    )


def test_it_is_offered_on_a_new_patients_booking_and_returns_there(
    client_for, front_desk, new_patient, mailoutbox
):
    from tests.factories.scheduling import AppointmentFactory

    appointment = AppointmentFactory(patient=new_patient)
    client = client_for(front_desk)
    page = f"/calendar/appointments/{appointment.uuid}/"
    assert 'data-testid="send-intake"' in client.get(page).content.decode()
    response = client.post(f"/intake/patients/{new_patient.uuid}/send/", {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert len(mailoutbox) == 1
    # Somewhere else than this site: back to the patient's page instead.
    response = client.post(
        f"/intake/patients/{new_patient.uuid}/send/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/patients/{new_patient.uuid}/"
