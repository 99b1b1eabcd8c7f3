"""Confirmation, change and cancellation e-mails: queued with the booking, per
the patient's preferences, sent by the worker (services.send_queued here; the
worker itself in test_worker.py), with their delivery state stored."""

import contextlib
import datetime

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from notifications import services
from notifications.models import OutboundMessage
from scheduling import services as scheduling
from scheduling.models import Appointment
from tests.factories import PatientFactory
from tests.notifications.conftest import EXPLODING, SUMMER, event_of, parse_invite


@pytest.fixture
def book(clinic, practitioner, room, follow_up, front_desk):
    """Book through the scheduling service, then deliver as the worker would."""

    def book(patient, start=SUMMER):
        appointment = scheduling.book_appointment(
            patient=patient,
            practitioner=practitioner,
            room=room,
            appointment_type=follow_up,
            start_at=start,
            by=front_desk,
            outside_hours_reason="No working hours in this test",
        )
        services.send_queued()
        return appointment

    return book


@pytest.fixture
def on_commit():
    """A block after which the worker delivers what it queued."""

    @contextlib.contextmanager
    def run():
        yield
        services.send_queued()

    return run


def move(appointment, by, on_commit, hours=24):
    with on_commit():
        return scheduling.move_appointment(
            appointment=appointment,
            start_at=appointment.start_at + datetime.timedelta(hours=hours),
            end_at=appointment.end_at + datetime.timedelta(hours=hours),
            practitioner=appointment.practitioner,
            room=appointment.room,
            by=by,
            outside_hours_reason="No working hours in this test",
        )


@pytest.mark.django_db
def test_booking_sends_one_confirmation_with_the_invitation(book, patient):
    appointment = book(patient)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["peggy@example.net"]
    assert email.subject == (
        "Your appointment is booked: Monday 1 July 2030 at 10:00 · Back Pain Acupuncture Clinic"
    )
    assert email.body.startswith("Dear Peggy,")
    assert "Monday 1 July 2030 at 10:00" in email.body  # 09:00 UTC is 10:00 in London (BST)
    assert "Pat Practitioner" in email.body
    assert "12 High Street" in email.body and "N1 1AA" in email.body
    assert "020 7946 0000" in email.body
    assert "&#x27;" not in email.body and "&amp;" not in email.body
    (html, mimetype), *_ = email.alternatives
    assert mimetype == "text/html" and "Dear Peggy," in html
    (part,) = email.attachments
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    raw = email.message().as_string()
    assert 'Content-Type: text/calendar; charset="utf-8"; method="REQUEST"' in raw
    calendar = parse_invite(email)
    assert str(calendar["method"]) == "REQUEST"
    assert str(event_of(calendar)["uid"]).startswith(str(appointment.uuid))

    message = OutboundMessage.objects.get()
    assert (message.kind, message.status, message.attempts) == ("confirmation", "sent", 1)
    assert message.sent_at is not None and message.last_error == ""


@pytest.mark.django_db
def test_a_move_and_a_cancellation_each_send_their_message(book, patient, front_desk, on_commit):
    appointment = book(patient)
    moved = move(appointment, front_desk, on_commit)
    with on_commit():
        scheduling.cancel_appointment(
            appointment=moved, by=front_desk, cancelled_by="clinic", reason="Practitioner ill"
        )
    _confirmation, change, cancellation = mail.outbox
    assert change.subject.startswith("Your appointment has changed: now Tuesday 2 July 2030")
    assert event_of(parse_invite(change)).decoded("sequence") == 1
    assert cancellation.subject.startswith("Your appointment on Tuesday 2 July 2030 at 10:00 is")
    assert "Practitioner ill" not in cancellation.body  # the reason stays in the clinic
    cancel_invite = parse_invite(cancellation)
    assert str(cancel_invite["method"]) == "CANCEL"
    assert cancellation.attachments[0].get_param("method") == "CANCEL"
    uids = {str(event_of(parse_invite(e))["uid"]) for e in mail.outbox}
    assert len(uids) == 1
    assert event_of(cancel_invite).decoded("sequence") == 2
    assert list(OutboundMessage.objects.values_list("kind", "sequence", "status")) == [
        ("confirmation", 0, "sent"),
        ("change", 1, "sent"),
        ("cancellation", 2, "sent"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "preferences", [{"email": ""}, {"allow_email": False}], ids=["no e-mail", "no e-mails please"]
)
def test_no_message_for_a_patient_who_cannot_or_will_not_get_one(book, preferences):
    book(PatientFactory(**preferences))
    assert mail.outbox == []
    assert not OutboundMessage.objects.exists()
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_reminders_off_still_gets_the_confirmation(book):
    patient = PatientFactory(appointment_reminders=False)
    book(patient)
    assert len(mail.outbox) == 1
    assert not services.wants(patient, OutboundMessage.Kind.REMINDER)
    assert services.wants(patient, OutboundMessage.Kind.CONFIRMATION)


@pytest.mark.django_db
def test_the_booking_only_queues_the_message(clinic, practitioner, room, follow_up, patient):
    # The web process sends nothing: the worker does (test_worker.py).
    scheduling.book_appointment(
        patient=patient,
        practitioner=practitioner,
        room=room,
        appointment_type=follow_up,
        start_at=SUMMER,
        by=None,
        outside_hours_reason="No working hours in this test",
    )
    assert mail.outbox == []
    assert OutboundMessage.objects.get().status == "queued"


@pytest.mark.django_db
def test_a_failed_send_is_stored_and_the_booking_stands(book, patient, settings):
    settings.EMAIL_BACKEND = EXPLODING
    appointment = book(patient)  # does not raise
    assert Appointment.objects.filter(pk=appointment.pk).exists()
    message = OutboundMessage.objects.get()
    assert message.status == "failed"
    assert message.attempts == 1
    assert message.sent_at is None
    assert message.last_error == (
        "ConnectionRefusedError: SMTP server at mail.example.com refused the connection"
    )
    # Tried again automatically, later: not at once.
    assert message.next_attempt_at - message.created_at >= services.RETRY_DELAYS[0]
    assert services.send_queued().skipped == 0 and not services.send_queued().failed


@pytest.mark.django_db
def test_a_failed_send_is_tried_again_automatically_then_left_to_a_person(book, patient, settings):
    settings.EMAIL_BACKEND = EXPLODING
    book(patient)
    message = OutboundMessage.objects.get()
    for attempt in range(2, len(services.RETRY_DELAYS) + 2):
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert services.send_queued().failed == 1
        message.refresh_from_db()
        assert message.attempts == attempt
    assert message.next_attempt_at is None  # the last try: now the Retry button
    assert services.send_queued().failed == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert services.send_queued().sent == 1


@pytest.mark.django_db
def test_booking_on_the_page_succeeds_when_the_mail_server_is_down(
    client_for, front_desk, clinic, practitioner, room, follow_up, patient, settings,
):  # fmt: skip
    from tests.factories.scheduling import WorkingHoursFactory

    WorkingHoursFactory(
        practitioner=practitioner,
        weekday=0,
        start_time=datetime.time(9),
        end_time=datetime.time(17),
    )
    settings.EMAIL_BACKEND = EXPLODING
    client = client_for(front_desk)
    # The booking only queues; the worker, below, meets the dead mail server.
    r = client.post(
        "/calendar/appointments/new/",
        {
            "patient": patient.uuid,
            "practitioner": practitioner.uuid,
            "room": room.uuid,
            "appointment_type": follow_up.uuid,
            "date": "2030-07-01",
            "time": "10:00",
            "notes": "",
            "outside_hours_reason": "",
        },
    )
    appointment = Appointment.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/calendar/appointments/{appointment.uuid}/"
    assert "Queued" in client.get(r["Location"]).content.decode()
    services.send_queued()
    page = client.get(r["Location"]).content.decode()
    assert "Failed: ConnectionRefusedError: SMTP server at mail.example.com refused" in page
    assert "Retry" in page


@pytest.mark.django_db
def test_a_failed_message_can_be_retried_and_the_retry_is_audited(
    book, patient, settings, front_desk
):
    settings.EMAIL_BACKEND = EXPLODING
    book(patient)
    message = OutboundMessage.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = services.retry(message, by=front_desk)
    assert (retried.status, retried.attempts) == ("queued", 1)  # the worker sends it
    assert mail.outbox == []
    assert services.send_queued().sent == 1
    retried.refresh_from_db()
    assert (retried.status, retried.attempts, retried.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1
    event = AuditEvent.objects.get(action="notifications.message.retried")
    assert event.actor == front_desk and event.patient == patient
    assert event.object_id == str(message.uuid)
    with pytest.raises(services.NotRetryable, match="not failed"):
        services.retry(retried, by=front_desk)


@pytest.mark.django_db
def test_a_retry_goes_to_the_patients_current_address(book, patient, settings, front_desk):
    settings.EMAIL_BACKEND = EXPLODING
    book(patient)
    patient.email = "peggy.new@example.net"
    patient.save(update_fields=["email"])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = services.retry(OutboundMessage.objects.get(), by=front_desk)
    assert retried.recipient == "peggy.new@example.net"
    services.send_queued()
    assert mail.outbox[0].to == ["peggy.new@example.net"]


@pytest.mark.django_db
def test_an_out_of_date_message_is_not_retried(book, patient, settings, front_desk, on_commit):
    settings.EMAIL_BACKEND = EXPLODING
    appointment = book(patient)
    confirmation = OutboundMessage.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    move(appointment, front_desk, on_commit)  # the change message carries the new time
    with pytest.raises(services.NotRetryable, match="newer message replaces"):
        services.retry(confirmation, by=front_desk)
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Your appointment has changed"]
    assert not AuditEvent.objects.filter(action="notifications.message.retried").exists()


@pytest.mark.django_db
def test_delivering_twice_sends_once(clinic, practitioner, room, follow_up, patient):
    scheduling.book_appointment(
        patient=patient,
        practitioner=practitioner,
        room=room,
        appointment_type=follow_up,
        start_at=SUMMER,
        by=None,
        outside_hours_reason="No working hours in this test",
    )
    message = OutboundMessage.objects.get()
    assert services.deliver(message.pk) == "sent"
    assert services.deliver(message.pk) is None
    assert len(mail.outbox) == 1


# --- The appointment page and the retry URL ------------------------------------


@pytest.fixture
def failed_message(book, patient, settings):
    settings.EMAIL_BACKEND = EXPLODING
    book(patient)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return OutboundMessage.objects.select_related("appointment").get()


def page_of(client, message):
    return client.get(f"/calendar/appointments/{message.appointment.uuid}/").content.decode()


@pytest.mark.django_db
def test_the_front_desk_sees_the_state_and_a_retry_button(client_for, front_desk, failed_message):
    page = page_of(client_for(front_desk), failed_message)
    assert "Booking confirmation · E-mail to peggy@example.net" in page
    assert "Failed: ConnectionRefusedError" in page
    assert f'action="/messages/{failed_message.uuid}/retry/"' in page


@pytest.mark.django_db
def test_a_practitioner_sees_the_state_but_no_retry_button(
    client_for, practitioner, failed_message
):
    page = page_of(client_for(practitioner.user), failed_message)
    assert "Failed: ConnectionRefusedError" in page
    assert "/retry/" not in page


@pytest.mark.django_db
def test_retrying_from_the_page(client_for, front_desk, failed_message):
    client = client_for(front_desk)
    r = client.post(f"/messages/{failed_message.uuid}/retry/", follow=True)
    assert r.redirect_chain == [(f"/calendar/appointments/{failed_message.appointment.uuid}/", 302)]
    page = r.content.decode()
    assert "Booking confirmation to peggy@example.net will be sent again in a moment." in page
    assert mail.outbox == []  # no mail server inside the request
    services.send_queued()
    page = page_of(client, failed_message)
    assert "Sent " in page and "(2 attempts)" in page
    assert len(mail.outbox) == 1
    failed_message.refresh_from_db()
    assert failed_message.status == "sent"


@pytest.mark.django_db
def test_retrying_a_sent_message_changes_nothing(client_for, front_desk, failed_message):
    client = client_for(front_desk)
    client.post(f"/messages/{failed_message.uuid}/retry/")
    services.send_queued()
    r = client.post(f"/messages/{failed_message.uuid}/retry/", follow=True)
    assert "Only a failed message can be sent again" in r.content.decode()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_retry_that_fails_again_says_so(client_for, front_desk, failed_message, settings):
    settings.EMAIL_BACKEND = EXPLODING
    client = client_for(front_desk)
    client.post(f"/messages/{failed_message.uuid}/retry/")
    services.send_queued()
    assert "Failed: ConnectionRefusedError" in page_of(client, failed_message)
    failed_message.refresh_from_db()
    assert (failed_message.status, failed_message.attempts) == ("failed", 2)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["practitioner", "patient"])
def test_only_the_front_desk_and_admin_may_retry(client_for, personas, failed_message, role):
    r = client_for(personas[role]).post(f"/messages/{failed_message.uuid}/retry/")
    assert r.status_code == 403
    failed_message.refresh_from_db()
    assert failed_message.status == "failed"


@pytest.mark.django_db
def test_retry_is_post_only_and_unknown_messages_are_404(client_for, front_desk, failed_message):
    client = client_for(front_desk)
    assert client.get(f"/messages/{failed_message.uuid}/retry/").status_code == 405
    assert client.post("/messages/00000000-0000-4000-8000-000000000000/retry/").status_code == 404


@pytest.mark.django_db
def test_no_retry_button_for_a_message_a_later_change_replaced(
    client_for, front_desk, failed_message, on_commit
):
    move(failed_message.appointment, front_desk, on_commit)
    page = page_of(client_for(front_desk), failed_message)
    assert "Failed: ConnectionRefusedError" in page  # the old confirmation, as it was
    assert "Change of appointment · E-mail to peggy@example.net" in page
    assert "/retry/" not in page


@pytest.mark.django_db
def test_a_message_that_no_longer_applied_says_so_without_failed(
    client_for, front_desk, clinic, patient
):
    from tests.factories.scheduling import AppointmentFactory

    appointment = AppointmentFactory(patient=patient, start_at=SUMMER)
    message = OutboundMessage.objects.create(
        appointment=appointment, kind="confirmation", recipient=patient.email, sequence=0
    )
    patient.allow_email = False
    patient.save(update_fields=["allow_email"])
    assert services.deliver(message.pk) == services.OUTDATED
    page = page_of(client_for(front_desk), message)
    assert "Not sent: the patient no longer wants these e-mails." in page
    assert "Failed:" not in page and "/retry/" not in page
    assert mail.outbox == []
