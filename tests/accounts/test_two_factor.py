"""Two-factor authentication (TOTP, django-otp) for staff.

Codes are real: computed with django_otp.oath.totp from the device's key, as an
authenticator app would.
"""

import re
from binascii import unhexlify

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import PENDING_KEY_SESSION_KEY
from audit.models import AuditEvent
from clinic.models import ClinicSettings
from tests.factories.accounts import PASSWORD

STATUS = "/accounts/two-factor/"
CONFIRM = "/accounts/two-factor/confirm/"
DISABLE = "/accounts/two-factor/disable/"
VERIFY = "/accounts/two-factor/verify/"
LOGIN = "/accounts/login/"


def code(key_hex: str, drift: int = 0) -> str:
    return f"{totp(unhexlify(key_hex), drift=drift):06d}"


def wrong(key_hex: str) -> str:
    """A 6-digit code that is none of the three the device accepts now."""
    accepted = {code(key_hex, d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def actions(user):
    return list(
        AuditEvent.objects.filter(actor=user, action__startswith="accounts.two_factor.")
        .order_by("chain_position")
        .values_list("action", flat=True)
    )


@pytest.fixture
def device(front_desk):
    return TOTPDevice.objects.create(user=front_desk, name="Phone", confirmed=True)


def password_login(client, user):
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def allow_reuse(device):
    """Forget the last code used: a test may need a second code within one 30 s step."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)


# --- Setting it up ---------------------------------------------------------------


@pytest.mark.django_db
def test_staff_set_it_up_by_scanning_a_qr_code_and_entering_a_code(client_for, front_desk):
    client = client_for(front_desk)
    page = client.get(STATUS)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Off" in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "<path" in svg and "style=" not in svg  # the CSP forbids inline styles
    assert "otpauth://totp/" in html
    key = client.session[PENDING_KEY_SESSION_KEY]
    assert not TOTPDevice.objects.exists()  # nothing saved until a code proves the app

    response = client.post(CONFIRM, {"code": code(key)})

    assert response.status_code == 302 and response["Location"] == STATUS
    device = TOTPDevice.objects.get(user=front_desk)
    assert device.confirmed and device.key == key
    assert PENDING_KEY_SESSION_KEY not in client.session
    assert actions(front_desk) == ["accounts.two_factor.enabled"]
    # The code proved the app, so this session goes on without another code.
    assert client.get("/patients/").status_code == 200
    assert "Since" in client.get(STATUS).content.decode()


@pytest.mark.django_db
def test_the_key_shown_is_the_one_in_the_qr_code(client_for, front_desk):
    client = client_for(front_desk)
    html = client.get(STATUS).content.decode()
    from base64 import b32encode

    secret = b32encode(unhexlify(client.session[PENDING_KEY_SESSION_KEY])).decode()
    assert f"secret={secret}" in html
    shown = re.search(r'data-testid="two-factor-key">([A-Z2-7 ]+)<', html).group(1)
    assert shown.replace(" ", "") == secret
    # Reloading the page keeps the same key (the app may already have it).
    client.get(STATUS)
    assert b32encode(unhexlify(client.session[PENDING_KEY_SESSION_KEY])).decode() == secret


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["wrong", "12345", "abcdef", ""])
def test_a_wrong_code_at_set_up_saves_nothing(client_for, front_desk, typed):
    client = client_for(front_desk)
    client.get(STATUS)
    key = client.session[PENDING_KEY_SESSION_KEY]
    response = client.post(CONFIRM, {"code": wrong(key) if typed == "wrong" else typed})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not TOTPDevice.objects.exists()
    expected = ["accounts.two_factor.failed"] if typed == "wrong" else []
    assert actions(front_desk) == expected


# --- Signing in ------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_the_password_every_page_asks_for_the_code_first(client, front_desk, device):
    response = password_login(client, front_desk)
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == f"{VERIFY}?next=/"
    assert client.get("/patients/?q=a")["Location"] == f"{VERIFY}?next=/patients/%3Fq%3Da"
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    assert client.get(STATUS)["Location"].startswith(VERIFY)  # not even the 2FA settings
    assert client.post(DISABLE, {"code": code(device.key)})["Location"] == VERIFY
    assert client.get("/healthz").status_code == 200
    assert client.get(VERIFY).status_code == 200

    response = client.post(VERIFY, {"code": code(device.key), "next": "/patients/"})

    assert response.status_code == 302 and response["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200
    assert client.get(VERIFY)["Location"] == "/"  # already verified
    assert actions(front_desk) == ["accounts.two_factor.verified"]
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.django_db
def test_the_verified_session_gets_a_new_key(client, front_desk, device):
    password_login(client, front_desk)
    before = client.session.session_key
    client.post(VERIFY, {"code": code(device.key)})
    assert client.session.session_key != before


@pytest.mark.django_db
def test_a_wrong_code_is_refused_recorded_and_throttled(client, front_desk, device):
    password_login(client, front_desk)
    response = client.post(VERIFY, {"code": wrong(device.key)})
    assert response.status_code == 200
    assert "does not match" in response.content.decode()
    # django-otp makes the next try wait (1 s, then 2, 4, ...): even a right code.
    response = client.post(VERIFY, {"code": code(device.key)})
    assert "Too many wrong codes" in response.content.decode()
    assert client.get("/")["Location"].startswith(VERIFY)
    events = AuditEvent.objects.filter(action="accounts.two_factor.failed", actor=front_desk)
    assert [e.data for e in events.order_by("chain_position")] == [
        {"stage": "sign-in"},
        {"stage": "sign-in", "throttled": True},
    ]
    # Once the wait is over, the right code works.
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(VERIFY, {"code": code(device.key)})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_code_works_once_only(client_factory, front_desk, device):
    first, second = client_factory(), client_factory()
    password_login(first, front_desk)
    password_login(second, front_desk)
    used = code(device.key)
    assert first.post(VERIFY, {"code": used})["Location"] == "/"
    response = second.post(VERIFY, {"code": used})
    assert response.status_code == 200 and "does not match" in response.content.decode()


@pytest.mark.django_db
def test_the_verify_page_never_sends_elsewhere(client, front_desk, device):
    password_login(client, front_desk)
    response = client.post(VERIFY, {"code": code(device.key), "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_logging_out_needs_no_code(client, front_desk, device):
    password_login(client, front_desk)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == LOGIN


@pytest.mark.django_db
def test_htmx_requests_are_told_to_load_the_verify_page(client, front_desk, device):
    password_login(client, front_desk)
    response = client.get("/patients/?q=a", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(VERIFY)


@pytest.mark.django_db
def test_the_two_factor_state_costs_no_query_of_its_own(client_for, front_desk):
    client = client_for(front_desk)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/patients/").status_code == 200
    device_queries = [q["sql"] for q in queries if "otp_totp_totpdevice" in q["sql"]]
    # One: the subquery of the user's own query, which every request makes anyway.
    assert len(device_queries) == 1
    assert '"accounts_user"' in device_queries[0]


# --- Turning it off --------------------------------------------------------------------


@pytest.mark.django_db
def test_turning_it_off_needs_a_right_code(client, front_desk, device):
    password_login(client, front_desk)
    client.post(VERIFY, {"code": code(device.key)})
    allow_reuse(device)

    response = client.post(DISABLE, {"code": wrong(device.key)})
    assert response.status_code == 200 and "does not match" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(DISABLE, {"code": code(device.key)})
    assert response["Location"] == STATUS
    assert not TOTPDevice.objects.filter(user=front_desk).exists()
    assert actions(front_desk) == [
        "accounts.two_factor.verified",
        "accounts.two_factor.failed",
        "accounts.two_factor.disabled",
    ]
    # Back to the password alone.
    client.post("/accounts/logout/")
    password_login(client, front_desk)
    assert client.get("/").status_code == 200


# --- The clinic's rule: staff must use it -------------------------------------------------


@pytest.fixture
def required(db):
    settings = ClinicSettings.load()
    settings.require_two_factor_for_staff = True
    settings.save()
    return settings


@pytest.mark.django_db
def test_when_the_clinic_requires_it_staff_must_set_it_up_first(client_for, practitioner, required):
    client = client_for(practitioner.user)
    assert client.get("/")["Location"] == STATUS
    assert client.get("/records/today/")["Location"] == STATUS
    page = client.get(STATUS)
    assert page.status_code == 200
    assert "The clinic requires two-factor authentication" in page.content.decode()
    assert page.context["nav_items"] == []

    key = client.session[PENDING_KEY_SESSION_KEY]
    assert client.post(CONFIRM, {"code": code(key)})["Location"] == STATUS
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_the_rule_takes_effect_at_once_for_signed_in_staff(client_for, front_desk):
    client = client_for(front_desk)
    assert client.get("/").status_code == 200
    ClinicSettings.objects.filter(pk=ClinicSettings.load().pk).update(
        require_two_factor_for_staff=True
    )
    assert client.get("/")["Location"] == STATUS


@pytest.mark.django_db
def test_patients_are_never_asked(client_for, patient_a, required):
    client = client_for(patient_a.user)
    assert client.get("/").status_code == 200
    assert client.get(STATUS).status_code == 403


# --- The clinic admin -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_clinic_admin_can_remove_a_device_but_never_see_its_key(
    client_for, clinic_admin, device
):
    client = client_for(clinic_admin)
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403
    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.django_db
def test_the_clinic_admin_turns_the_rule_on_in_the_settings(client_for, clinic_admin):
    client = client_for(clinic_admin)
    ClinicSettings.load()
    page = client.get("/admin/clinic/clinicsettings/1/change/")
    assert "require_two_factor_for_staff" in page.content.decode()


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client
