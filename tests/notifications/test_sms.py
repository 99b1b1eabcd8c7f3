"""Text messages: a second channel beside e-mail, chosen by the patient's
"may send text messages" preference, through the same queue; short (one or two
segments), nothing clinical in them, and the Twilio adapter's real HTTP code
run against a local server that checks each request."""

import base64
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from notifications import services, sms
from notifications.models import OutboundMessage, TextOptOut
from notifications.sms import gateways
from notifications.sms.segments import encoding, length, segments
from scheduling import services as scheduling
from tests.factories import PatientFactory, PractitionerFactory
from tests.factories.scheduling import AppointmentFactory
from tests.notifications.conftest import SUMMER
from tests.notifications.fake_twilio import FakeTwilio

MOBILE = "+447700900123"


# --- Segments ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # the extension table: two septets each
        ("€" * 81, 2),
        ("Café à Øresund £5 @ 10:00", 1),  # all in the GSM-7 default alphabet
        ("ł" * 70, 1),  # not GSM-7: the whole text is UCS-2
        ("ł" * 71, 2),
        ("ł" * 134, 2),
        ("ł" * 135, 3),
        ("😀" * 35, 1),  # two UTF-16 units each
        ("😀" * 36, 2),
        ("a" * 69 + "ł", 1),
        ("a" * 70 + "ł", 2),  # one non-GSM character makes 71 characters UCS-2
    ],
)
def test_segments_count_as_the_network_does(text, count):
    assert segments(text) == count


def test_encoding_and_length():
    assert (encoding("Zoë"), length("Zoë")) == ("UCS-2", 3)  # ë is not in GSM-7
    assert (encoding("Zoé"), length("Zoé")) == ("GSM-7", 3)
    assert length("{[x]}") == 9


# --- The words ----------------------------------------------------------------------


@pytest.fixture
def long_named_appointment(clinic):
    practitioner = PractitionerFactory(
        user__full_name="Siobhán Llewellyn-Ó Faoláin-Przybyszewska-Wojciechowska"
    )
    return AppointmentFactory(
        practitioner=practitioner,
        start_at=SUMMER,
        appointment_type__name="Acupuncture for sciatica and lower back pain",
        patient=PatientFactory(phone=MOBILE),
    )


@pytest.mark.django_db
# The intake link (registered by intake) and documents (billing) go by e-mail only.
@pytest.mark.parametrize(
    "kind", [k for k in OutboundMessage.Kind.values if k not in ("intake_link", "document")]
)
def test_every_text_fits_two_segments_and_names_nothing_clinical(
    kind, long_named_appointment, clinic
):
    clinic.name = "Back Pain Acupuncture Clinic of the Greater Bristol Area and Somerset"
    clinic.save()
    message = OutboundMessage(kind=kind, channel="sms", recipient=MOBILE)
    text = sms.text_for(message, long_named_appointment)
    assert 1 <= segments(text) <= 2
    assert sms.clinical_words(text) == set()
    assert "Acupuncture" not in text and "Back Pain" not in text
    assert "Mon 1 Jul at 10:00" in text  # 09:00 UTC is 10:00 in London (BST)
    assert text.endswith("Reply STOP to opt out.")


@pytest.mark.django_db
def test_a_text_names_a_neutral_clinic_and_the_practitioner(clinic, practitioner):
    clinic.name = "Harbourside"
    clinic.save()
    appointment = AppointmentFactory(practitioner=practitioner, start_at=SUMMER)
    text = sms.text_for(OutboundMessage(kind="confirmation", channel="sms"), appointment)
    assert text == (
        "Harbourside: your appointment is booked for Mon 1 Jul at 10:00 with Pat Practitioner. "
        "To change it call 020 7946 0000. Reply STOP to opt out."
    )
    assert segments(text) == 1


def test_clinical_words_are_found_whole_and_in_any_case():
    assert sms.clinical_words("Your ACUPUNCTURE needles, back pain.") == {
        "acupuncture",
        "needles",
        "back",
        "pain",
    }
    assert sms.clinical_words("Backwater Road, painting class") == set()


# --- Queued and sent like e-mail ----------------------------------------------------------


@pytest.fixture
def book(clinic, practitioner, room, follow_up, front_desk):
    def book(patient, start=SUMMER):
        return scheduling.book_appointment(
            patient=patient,
            practitioner=practitioner,
            room=room,
            appointment_type=follow_up,
            start_at=start,
            by=front_desk,
            outside_hours_reason="No working hours in this test",
        )

    return book


@pytest.mark.django_db
def test_a_patient_who_allows_texts_gets_a_text_beside_the_email(
    book, text_messages_kept_in_memory
):
    patient = PatientFactory(phone=MOBILE, allow_sms=True)
    book(patient)
    assert sorted(OutboundMessage.objects.values_list("channel", "recipient", "status")) == [
        ("email", patient.email, "queued"),
        ("sms", MOBILE, "queued"),
    ]
    assert text_messages_kept_in_memory == []  # nothing sent inside the booking
    assert services.send_queued().sent == 2
    ((to, body),) = text_messages_kept_in_memory
    assert to == MOBILE and "your appointment is booked" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "patient",
    [
        {"phone": MOBILE, "allow_sms": False},
        {"phone": "+441174960123"},  # a Bristol landline
        {"phone": "07700 900123"},  # never normalised: listed by unparseable_phones
        {"phone": ""},
    ],
    ids=["texts not allowed", "landline", "not E.164", "no phone"],
)
def test_no_text_when_the_patient_does_not_want_one_or_cannot_get_one(book, patient):
    book(PatientFactory(**patient))
    assert list(OutboundMessage.objects.values_list("channel", flat=True)) == ["email"]


@pytest.mark.django_db
def test_a_number_that_replied_stop_gets_no_text(book, text_messages_kept_in_memory):
    patient = PatientFactory(phone=MOBILE, email="")
    appointment = book(patient)
    TextOptOut.objects.create(number=MOBILE, keyword="STOP")
    assert services.send_queued().outdated == 1  # queued before the STOP: not sent
    message = OutboundMessage.objects.get()
    assert message.last_error.startswith("Not sent: the patient no longer wants text messages")
    scheduling.cancel_appointment(
        appointment=appointment, by=None, cancelled_by="clinic", reason="Closed"
    )
    assert OutboundMessage.objects.count() == 1  # and no new one is queued
    assert text_messages_kept_in_memory == []


@pytest.mark.django_db
def test_reminders_go_by_text_too_once(clinic, text_messages_kept_in_memory):
    patient = PatientFactory(phone=MOBILE, email="")
    AppointmentFactory(patient=patient, start_at=timezone.now() + timedelta(hours=3))
    assert services.queue_due_reminders() == 1
    assert services.queue_due_reminders() == 0
    services.send_queued()
    ((to, body),) = text_messages_kept_in_memory
    assert to == MOBILE and "a reminder of your appointment" in body


# --- Twilio, through real HTTP -------------------------------------------------------------


@pytest.fixture
def twilio(settings):
    with FakeTwilio() as server:
        settings.SMS_URL = server.sms_url()
        yield server


@pytest.mark.django_db
def test_the_twilio_adapter_posts_the_message_as_twilio_documents(book, twilio):
    book(PatientFactory(phone=MOBILE, email=""))
    assert services.send_queued().sent == 1
    (request,) = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    credentials = base64.b64decode(request["authorization"].removeprefix("Basic ")).decode()
    assert credentials == f"{twilio.account_sid}:{twilio.auth_token}"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    form = request["form"]
    assert (form["To"], form["From"]) == (MOBILE, "+441174960000")
    assert form["Body"].endswith("Reply STOP to opt out.")
    assert OutboundMessage.objects.get().status == "sent"


@pytest.mark.django_db
def test_a_messaging_service_sid_is_sent_as_such(twilio, settings):
    settings.SMS_URL = twilio.sms_url(sender="MG0123456789abcdefABCDEF0123456789")
    sms.send(MOBILE, "Hello")
    (request,) = twilio.requests
    assert request["form"]["MessagingServiceSid"] == "MG0123456789abcdefABCDEF0123456789"
    assert "From" not in request["form"]


@pytest.mark.django_db
def test_a_wrong_auth_token_is_a_stored_failure_retried_later(book, twilio, settings):
    settings.SMS_URL = twilio.sms_url(auth_token="wrong")
    book(PatientFactory(phone=MOBILE, email=""))
    assert services.send_queued().failed == 1
    message = OutboundMessage.objects.get()
    assert message.status == "failed"
    assert message.last_error == "GatewayError: Twilio answered 401 (error 20003): Authenticate"
    assert message.next_attempt_at is not None


@pytest.mark.django_db
def test_twilios_unsubscribed_recipient_error_records_the_opt_out(book, twilio):
    twilio.fail_with = (400, 21610, "Attempt to send to unsubscribed recipient")
    book(PatientFactory(phone=MOBILE, email=""))
    assert services.send_queued().outdated == 1
    message = OutboundMessage.objects.get()
    assert message.status == "failed" and message.next_attempt_at is None
    assert "replied STOP" in message.last_error
    assert TextOptOut.objects.filter(number=MOBILE).exists()
    assert AuditEvent.objects.get(action="notifications.sms.opted_out").actor_label == MOBILE


@pytest.mark.django_db
def test_an_unreachable_gateway_is_a_stored_failure(book, settings):
    with FakeTwilio() as server:
        settings.SMS_URL = server.sms_url()
    # The server is gone: nothing listens on its port any more.
    book(PatientFactory(phone=MOBILE, email=""))
    assert services.send_queued().failed == 1
    assert OutboundMessage.objects.get().last_error.startswith(
        "GatewayError: Twilio could not be reached"
    )


def test_the_console_gateway_prints(capsys, settings):
    settings.SMS_URL = "console://"
    sms.send(MOBILE, "Hello there")
    assert capsys.readouterr().out == f"--- Text message to {MOBILE} ---\nHello there\n"


@pytest.mark.parametrize("url", ["twilio://only-a-sid@+441174960000", "pigeon://coo"])
def test_a_wrong_sms_url_is_a_configuration_error(url):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        gateways.from_url(url)


# --- Never twice ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_send_reminders_at_once_send_each_text_exactly_once(
    clinic, monkeypatch, text_messages_kept_in_memory
):
    from tests.notifications.test_send_reminders import run_at_once, run_command

    send = gateways.LocmemGateway.send

    def slow_send(self, to, body):
        time.sleep(0.05)  # a gateway that takes a moment, so that the runs overlap
        return send(self, to, body)

    monkeypatch.setattr(gateways.LocmemGateway, "send", slow_send)
    numbers = [f"+4477009001{n:02d}" for n in range(12)]
    for n, number in enumerate(numbers):
        AppointmentFactory(
            patient=PatientFactory(phone=number, email=""),
            start_at=timezone.now() + timedelta(hours=1 + n),
        )
    run_at_once(run_command)
    assert sorted(to for to, _ in text_messages_kept_in_memory) == numbers  # each once
    texts = OutboundMessage.objects.filter(channel="sms", kind="reminder")
    assert texts.count() == 12
    assert set(texts.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.django_db
def test_the_appointment_page_shows_each_channel(book, client_for, front_desk):
    appointment = book(PatientFactory(phone=MOBILE, email="sam@example.net"))
    page = client_for(front_desk).get(f"/calendar/appointments/{appointment.uuid}/")
    text = page.content.decode()
    assert "Booking confirmation · E-mail to sam@example.net" in text
    assert f"Booking confirmation · Text message to {MOBILE}" in text


@pytest.mark.django_db
@pytest.mark.parametrize("failed", [1, 6])
def test_the_appointment_page_takes_the_same_queries_for_few_or_many_failed_texts(
    failed, client_for, front_desk, clinic, django_assert_num_queries
):
    appointment = AppointmentFactory(
        patient=PatientFactory(phone=MOBILE), start_at=timezone.now() + timedelta(days=3)
    )
    for _ in range(failed):
        OutboundMessage.objects.create(
            appointment=appointment, kind="confirmation", channel="sms", recipient=MOBILE,
            status="failed", attempts=1, last_error="GatewayError: down",
        )  # fmt: skip
    client = client_for(front_desk)
    client.get(f"/calendar/appointments/{appointment.uuid}/")  # warm the session
    with django_assert_num_queries(QUERIES_OF_THE_APPOINTMENT_PAGE):
        page = client.get(f"/calendar/appointments/{appointment.uuid}/")
    assert page.content.decode().count("/retry/") == failed


# ... and the patient's latest intake (the intake panel): one more.
QUERIES_OF_THE_APPOINTMENT_PAGE = 10
