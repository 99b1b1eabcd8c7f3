import pytest

from audit.models import AuditEvent
from tests.factories.accounts import PASSWORD

URL = "/accounts/login/"


@pytest.mark.django_db
def test_it_logs_in_with_an_email_address_in_any_case(client, front_desk):
    r = client.post(URL, {"username": front_desk.email.upper(), "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/"
    assert AuditEvent.objects.filter(action="accounts.login", actor=front_desk).exists()


@pytest.mark.django_db
def test_it_explains_a_wrong_password_and_audits_it(client, front_desk):
    r = client.post(URL, {"username": front_desk.email, "password": "wrong"})
    assert r.status_code == 200
    assert "do not match an active account" in r.content.decode()
    event = AuditEvent.objects.get(action="accounts.login_failed")
    assert event.actor_label == front_desk.email


@pytest.mark.django_db
def test_it_locks_an_account_after_repeated_failures(client, front_desk, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(URL, {"username": front_desk.email, "password": "wrong"})
    r = client.post(URL, {"username": front_desk.email, "password": PASSWORD})
    assert r.status_code == 429
    assert "Too many failed log-in attempts" in r.content.decode()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client):
    r = client.get("/patients/")
    assert r.status_code == 302
    assert r["Location"] == "/accounts/login/?next=/patients/"


@pytest.mark.django_db
def test_staff_sessions_end_on_browser_close_and_when_idle(client, front_desk, settings):
    client.post(URL, {"username": front_desk.email, "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""  # a browser-session cookie
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert cookie["httponly"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "not-an-email", "password": "x"},
        {"username": "a@b.c\x00", "password": "x"},
        {"username": "a" * 5000 + "@example.com", "password": "x"},
    ],
)
def test_it_answers_odd_input_with_a_message(client, data):
    r = client.post(URL, data)
    assert r.status_code == 200
    assert r.context["form"].errors


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["User-Agent", "Accept"])
def test_a_nul_byte_in_a_header_does_not_break_logging_in(client, front_desk, header):
    r = client.post(
        URL,
        {"username": front_desk.email, "password": PASSWORD},
        headers={header: "evil\x00agent"},
    )
    assert r.status_code == 302
