"""The front desk sends an intake link through the notifications queue."""

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from intake.models import IntakeRequest
from notifications.models import OutboundMessage


def _send(client, patient, data=None, *, capture):
    with capture(execute=True):  # the queue delivers once the transaction commits
        return client.post(f"/intake/patients/{patient.uuid}/send/", data or {}, follow=True)


def test_front_desk_sends_a_link_through_the_queue(
    client_for, front_desk, new_patient, mailoutbox, django_capture_on_commit_callbacks
):
    response = _send(
        client_for(front_desk), new_patient, capture=django_capture_on_commit_callbacks
    )
    # (In a test the commit comes after the response, so the page said "queued".)
    assert "Intake link queued to nora@example.net" in response.content.decode()
    sent = IntakeRequest.objects.get(patient=new_patient)
    message = OutboundMessage.objects.get(kind="intake_link")
    assert message.subject_ref == str(sent.uuid) and message.status == "sent"
    assert message.appointment is None and message.recipient == "nora@example.net"
    assert len(mailoutbox) == 1
    assert f"http://testserver/intake/{sent.uuid}/" in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="intake.link.queued", patient=new_patient).exists()
    page = client_for(front_desk).get(f"/patients/{new_patient.uuid}/").content.decode()
    assert "Link sent" in page


def test_a_queued_link_goes_out_once_from_send_reminders(front_desk, new_patient, mailoutbox):
    from intake.services import send_intake_link

    send_intake_link(patient=new_patient, by=front_desk)  # no commit in this test: queued
    assert OutboundMessage.objects.get().status == "queued"
    call_command("send_reminders", stdout=StringIO())
    call_command("send_reminders", stdout=StringIO())
    assert len(mailoutbox) == 1 and OutboundMessage.objects.get().status == "sent"


def test_a_link_for_an_intake_filled_in_meanwhile_is_not_sent(front_desk, new_patient, mailoutbox):
    from intake.services import send_intake_link

    sent = send_intake_link(patient=new_patient, by=front_desk)
    IntakeRequest.objects.filter(pk=sent.pk).update(completed_at=timezone.now())
    call_command("send_reminders", stdout=StringIO())
    message = OutboundMessage.objects.get()
    assert not mailoutbox and message.status == "failed"
    assert "already filled in" in message.last_error


def test_without_an_email_address_nothing_is_stored(
    client_for, front_desk, new_patient, mailoutbox, django_capture_on_commit_callbacks
):
    new_patient.allow_email = False
    new_patient.save(update_fields=["allow_email"])
    response = _send(
        client_for(front_desk), new_patient, capture=django_capture_on_commit_callbacks
    )
    assert "no e-mail address we may use" in response.content.decode()
    assert not IntakeRequest.objects.exists() and not OutboundMessage.objects.exists()


def test_an_archived_record_gets_no_link(
    client_for, front_desk, new_patient, django_capture_on_commit_callbacks
):
    new_patient.archived_at = timezone.now()
    new_patient.save(update_fields=["archived_at"])
    response = _send(
        client_for(front_desk), new_patient, capture=django_capture_on_commit_callbacks
    )
    assert "archived" in response.content.decode()
    assert not IntakeRequest.objects.exists()


def test_a_failed_send_is_stored_on_the_message_and_said(
    client_for, front_desk, new_patient, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.intake.test_send_link.FailingBackend"
    _send(client_for(front_desk), new_patient, capture=django_capture_on_commit_callbacks)
    message = OutboundMessage.objects.get()
    assert message.status == "failed" and "SMTP down" in message.last_error
    page = client_for(front_desk).get(f"/patients/{new_patient.uuid}/").content.decode()
    assert "could not be sent" in page and "Send a new intake link" in page


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP down")


def test_get_is_refused(client_for, front_desk, new_patient):
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
    # Somewhere else than this site: back to the patient's page instead.
    response = client.post(
        f"/intake/patients/{new_patient.uuid}/send/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/patients/{new_patient.uuid}/"
