"""The SMS provider's webhook: a signed STOP records the opt-out (after which
no text is sent), START lifts it; an unsigned or wrongly signed request changes
nothing."""

import pytest

from audit.models import AuditEvent
from notifications import services
from notifications.models import OutboundMessage, TextOptOut
from notifications.sms.twilio import signature_for
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory
from tests.notifications.conftest import SUMMER
from tests.notifications.fake_twilio import FakeTwilio

URL = "/messages/sms/inbound/"
MOBILE = "+447700900123"


@pytest.fixture
def twilio(settings):
    server = FakeTwilio()  # only its credentials: nothing is sent here
    settings.SMS_URL = server.sms_url()
    yield server
    server.server_close()


def reply(client, twilio, body, sender=MOBILE, signature=None, **extra):
    params = {
        "MessageSid": "SM0123",
        "AccountSid": twilio.account_sid,
        "From": sender,
        "To": "+441174960000",
        "Body": body,
        **extra,
    }
    if signature is None:
        signature = signature_for(twilio.auth_token, "http://testserver" + URL, params.items())
    return client.post(URL, params, headers={"X-Twilio-Signature": signature})


def test_the_signature_matches_twilios_own_test_vectors():
    # The vectors of Twilio's Python library (tests/unit/test_request_validator.py).
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
        "Caller": "+14158675309",
    }
    assert signature_for("12345", url, params.items()) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert signature_for("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.django_db
def test_stop_records_the_opt_out_and_no_text_follows(client, twilio, clinic):
    patient = PatientFactory(phone=MOBILE)
    r = reply(client, twilio, " stop ")
    assert r.status_code == 200 and r["Content-Type"] == "text/xml"
    assert b"<Response></Response>" in r.content
    assert TextOptOut.objects.get().number == MOBILE
    event = AuditEvent.objects.get(action="notifications.sms.opted_out")
    assert event.patient == patient and event.actor is None
    appointment = AppointmentFactory(patient=patient, start_at=SUMMER)
    services.queue_for(appointment, OutboundMessage.Kind.CONFIRMATION)
    assert list(OutboundMessage.objects.values_list("channel", flat=True)) == ["email"]


@pytest.mark.django_db
def test_the_providers_opt_out_type_counts_whatever_the_words(client, twilio):
    reply(client, twilio, "Please no more", OptOutType="STOP")
    assert TextOptOut.objects.filter(number=MOBILE).exists()
    reply(client, twilio, "ok", OptOutType="START")
    assert not TextOptOut.objects.exists()


@pytest.mark.django_db
def test_start_lifts_the_opt_out_and_twice_is_harmless(client, twilio):
    reply(client, twilio, "STOP")
    reply(client, twilio, "STOP")
    assert TextOptOut.objects.count() == 1
    reply(client, twilio, "Start")
    assert not TextOptOut.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="notifications.sms.").count() == 2


@pytest.mark.django_db
def test_other_replies_change_nothing(client, twilio):
    assert reply(client, twilio, "See you on Tuesday, stop by after?").status_code == 200
    assert reply(client, twilio, "STOP", sender="not a number").status_code == 200
    assert not TextOptOut.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("signature", ["", "GvWf1cFY/Q7PnoempGyD5oXAezc="])
def test_a_missing_or_wrong_signature_is_refused(client, twilio, signature):
    assert reply(client, twilio, "STOP", signature=signature).status_code == 403
    assert not TextOptOut.objects.exists()


@pytest.mark.django_db
def test_a_signature_for_other_parameters_is_refused(client, twilio):
    signature = signature_for(
        twilio.auth_token, "http://testserver" + URL, [("From", "+447700900999")]
    )
    assert reply(client, twilio, "STOP", signature=signature).status_code == 403
    assert not TextOptOut.objects.exists()


@pytest.mark.django_db
def test_without_a_provider_there_is_no_webhook(client):
    # SMS_URL is locmem:// in tests.
    assert client.post(URL, {"From": MOBILE, "Body": "STOP"}).status_code == 404
