"""Failed logins are throttled whatever the letter case of the e-mail address,
and one client address cannot spray passwords over many accounts (issue 12.1)."""

import pytest
from axes.models import AccessAttempt
from django.core import mail

from audit.models import AuditEvent
from tests.factories import UserFactory
from tests.factories.accounts import PASSWORD

URL = "/accounts/login/"
ADMIN_URL = "/admin/login/"


def spellings(email: str) -> list[str]:
    """The same address in other cases and with spaces around it."""
    local, domain = email.split("@")
    return [
        email.upper(),
        local.capitalize() + "@" + domain,
        local + "@" + domain.upper(),
        f"  {email.swapcase()} ",
        local.upper() + "@" + domain,
        email.title(),
    ]


@pytest.mark.django_db
def test_failures_in_any_letter_case_count_for_one_account(client, front_desk, settings):
    for spelling in spellings(front_desk.email)[: settings.AXES_FAILURE_LIMIT]:
        client.post(URL, {"username": spelling, "password": "wrong"})
    r = client.post(URL, {"username": front_desk.email.swapcase(), "password": PASSWORD})
    assert r.status_code == 429
    assert "Too many failed log-in attempts" in r.content.decode()
    # One account, one count, stored as the normalised address.
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {front_desk.email}


@pytest.mark.django_db
def test_a_locked_account_stays_locked_in_another_case(client, front_desk, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(URL, {"username": front_desk.email, "password": "wrong"})
    r = client.post(URL, {"username": front_desk.email.upper(), "password": PASSWORD})
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_audit_trail_records_the_normalised_address(client, front_desk):
    client.post(URL, {"username": "  " + front_desk.email.upper(), "password": "wrong"})
    event = AuditEvent.objects.get(action="accounts.login_failed")
    assert event.actor_label == front_desk.email


@pytest.mark.django_db
def test_one_address_cannot_spray_many_accounts(client, front_desk, settings):
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    victims = UserFactory.create_batch(limit - 1)
    for victim in victims:  # one wrong password each: no account reaches its own limit
        client.post(URL, {"username": victim.email, "password": "wrong"})
    # Below the address's limit, the right password still works, and logging in
    # forgets that account's failures only, not the address's on other accounts.
    r = client.post(URL, {"username": front_desk.email, "password": PASSWORD})
    assert r.status_code == 302
    client.logout()
    client.post(URL, {"username": "nobody@clinic.test", "password": "wrong"})
    # The address has failed `limit` times over many accounts: locked for all of them.
    r = client.post(URL, {"username": victims[0].email, "password": PASSWORD})
    assert r.status_code == 429
    r = client.post(URL, {"username": front_desk.email, "password": PASSWORD})
    assert r.status_code == 429


@pytest.mark.django_db
def test_another_address_is_not_locked_by_the_spray(client, front_desk, settings):
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        client.post(URL, {"username": f"guess{n}@clinic.test", "password": "wrong"})
    r = client.post(
        URL, {"username": front_desk.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert r.status_code == 302


@pytest.mark.django_db
def test_the_admin_login_counts_every_case_as_one_account(client, clinic_admin, settings):
    for spelling in spellings(clinic_admin.email)[: settings.AXES_FAILURE_LIMIT]:
        client.post(ADMIN_URL, {"username": spelling, "password": "wrong"})
    r = client.post(ADMIN_URL, {"username": clinic_admin.email.upper(), "password": PASSWORD})
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_admin_login_accepts_the_address_in_any_case(client, clinic_admin):
    r = client.post(
        ADMIN_URL, {"username": f" {clinic_admin.email.upper()} ", "password": PASSWORD}
    )
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(clinic_admin.pk)


@pytest.mark.django_db
def test_the_password_reset_form_normalises_the_address(front_desk):
    from accounts.forms import ClinicPasswordResetForm

    form = ClinicPasswordResetForm({"email": f"  {front_desk.email.upper()}  "})
    assert form.is_valid()
    assert form.cleaned_data["email"] == front_desk.email


@pytest.mark.django_db
def test_a_password_reset_in_another_case_reaches_the_account(client, front_desk):
    r = client.post("/accounts/password/reset/", {"email": front_desk.email.swapcase()})
    assert r.status_code == 302
    assert [m.to for m in mail.outbox] == [[front_desk.email]]


@pytest.mark.django_db
def test_behind_a_proxy_one_clients_spray_does_not_lock_the_clinic_out(
    client, front_desk, settings
):
    """Every request comes from the proxy's address; the client's is the one the
    proxy appended to X-Forwarded-For (anything the client put before it is ignored)."""
    settings.CLINIC_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        client.post(
            URL,
            {"username": f"guess{n}@clinic.test", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.9",  # forged first entry
            **proxy,
        )
    attacker = client.post(
        URL,
        {"username": front_desk.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        **proxy,
    )
    assert attacker.status_code == 429  # the client that sprayed is locked...
    client.logout()
    colleague = client.post(
        URL,
        {"username": front_desk.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.10",
        **proxy,
    )
    assert colleague.status_code == 302  # ...not everyone behind the same proxy
