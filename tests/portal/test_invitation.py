"""Inviting a patient to the portal, the welcome link, and password reset by e-mail."""

import datetime
import re

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from portal import services
from tests.factories import PatientFactory, UserFactory

NEW_PASSWORD = "lumbar-needles-2030"
LINK = re.compile(r"http://testserver(/portal/welcome/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def carol(db):
    """A patient without a portal account yet."""
    return PatientFactory(first_name="Carol", last_name="Crane", email="Carol.Crane@Example.net")


def invite_url(patient):
    return f"/portal/invite/{patient.uuid}/"


def welcome_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/portal/welcome/{uid}/{default_token_generator.make_token(user)}/"


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def set_password(client, link, password=NEW_PASSWORD, confirm=None):
    """Follow the link (which moves the token into the session) and post the form."""
    first = client.get(link)
    assert first.status_code == 302 and first["Location"].endswith("/set-password/")
    return client.post(
        first["Location"], {"new_password1": password, "new_password2": confirm or password}
    )


# --- Inviting ---------------------------------------------------------------------


def test_front_desk_invites_a_patient_by_email(client_for, front_desk, carol):
    response = client_for(front_desk).post(invite_url(carol), follow=True)
    assert response.redirect_chain == [(f"/patients/{carol.uuid}/", 302)]
    assert "Invitation sent to carol.crane@example.net" in response.content.decode()

    carol.refresh_from_db()
    user = carol.user
    assert user.role == Role.PATIENT and user.email == "carol.crane@example.net"
    assert user.full_name == "Carol Crane" and user.is_active
    assert not user.has_usable_password() and not user.is_staff

    [message] = mail.outbox
    assert message.to == ["carol.crane@example.net"]
    assert "patient portal" in message.subject.lower()
    assert "Dear Carol" in message.body and "works once, for 3 days" in message.body
    assert link_in(message).startswith("/portal/welcome/")
    event = AuditEvent.objects.get(action="portal.invitation.sent")
    assert event.actor == front_desk and event.patient == carol
    assert event.data == {"email": "carol.crane@example.net"}


def test_practitioners_may_invite_too(client_for, practitioner, carol):
    client_for(practitioner.user).post(invite_url(carol))
    carol.refresh_from_db()
    assert carol.user is not None and len(mail.outbox) == 1


def test_patients_may_not_invite(client_for, patient_a, carol):
    client = client_for(patient_a.user)
    assert client.post(invite_url(carol)).status_code == 403
    assert client.get(invite_url(carol)).status_code == 405
    carol.refresh_from_db()
    assert carol.user is None and not mail.outbox


def test_inviting_again_reuses_the_account_and_only_the_newest_link_works(
    client, client_for, front_desk, carol
):
    staff = client_for(front_desk)
    staff.post(invite_url(carol))
    staff.post(invite_url(carol))
    assert User.objects.filter(email__iexact=carol.email).count() == 1
    first, second = (link_in(m) for m in mail.outbox)
    staff.logout()

    stale = client.get(first)
    assert stale.status_code == 200
    assert "Please ask the clinic for a new invitation" in stale.content.decode()
    assert set_password(client, second).status_code == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": ""}, "has no e-mail address"),
        ({"allow_email": False}, "asked not to be e-mailed"),
        ({"archived_at": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)}, "archived"),
    ],
)
def test_it_refuses_to_invite_with_a_reason(client_for, front_desk, carol, change, message):
    for field, value in change.items():
        setattr(carol, field, value)
    carol.save()
    response = client_for(front_desk).post(invite_url(carol), follow=True)
    assert message in response.content.decode()
    carol.refresh_from_db()
    assert carol.user is None and not mail.outbox
    assert not User.objects.filter(role=Role.PATIENT).exists()


def test_it_refuses_an_address_that_belongs_to_another_account(client_for, front_desk, carol):
    UserFactory(email="carol.crane@example.net", full_name="Carol at the front desk")
    response = client_for(front_desk).post(invite_url(carol), follow=True)
    assert "already belongs to another account" in response.content.decode()
    carol.refresh_from_db()
    assert carol.user is None and not mail.outbox


def test_it_refuses_a_patient_who_already_uses_the_portal(client_for, front_desk, patient_a):
    response = client_for(front_desk).post(invite_url(patient_a), follow=True)
    assert "already uses the portal" in response.content.decode()
    assert not mail.outbox


def test_a_failed_email_keeps_the_account_and_says_so(client_for, front_desk, carol, settings):
    settings.EMAIL_BACKEND = "tests.notifications.conftest.ExplodingBackend"
    response = client_for(front_desk).post(invite_url(carol), follow=True)
    assert "could not be sent" in response.content.decode()
    carol.refresh_from_db()
    assert carol.user is not None  # inviting again sends a new link to this account
    assert AuditEvent.objects.filter(action="portal.invitation.failed").exists()
    assert not AuditEvent.objects.filter(action="portal.invitation.sent").exists()


def test_the_patient_page_offers_the_invitation_to_staff_who_edit_patients(
    client_for, front_desk, carol, patient_a
):
    client = client_for(front_desk)
    body = client.get(f"/patients/{carol.uuid}/").content.decode()
    assert "Invite to the portal" in body and invite_url(carol) in body
    # Already using the portal: nothing to invite.
    body = client.get(f"/patients/{patient_a.uuid}/").content.decode()
    assert invite_url(patient_a) not in body


# --- The welcome link ---------------------------------------------------------------


def test_the_invited_patient_sets_a_password_and_lands_on_the_portal(client, front_desk, carol):
    services.invite_patient(patient=carol, by=front_desk, base_url="http://testserver")
    link = link_in(mail.outbox[0])

    form = client.get(client.get(link)["Location"])
    body = form.content.decode()
    assert "Welcome to your patient portal" in body and "carol.crane@example.net" in body
    assert 'name="new_password1"' in body

    response = set_password(client, link)
    assert response.status_code == 302 and response["Location"] == "/portal/"
    home = client.get("/portal/")
    assert home.status_code == 200 and home.context["user"].email == "carol.crane@example.net"
    carol.refresh_from_db()
    assert carol.user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="portal.password.set")
    assert event.actor == carol.user and event.patient == carol


def test_the_link_works_only_once(client, front_desk, carol):
    services.invite_patient(patient=carol, by=front_desk, base_url="http://testserver")
    link = link_in(mail.outbox[0])
    set_password(client, link)
    client.logout()
    again = client.get(link)
    assert again.status_code == 200
    assert "Please ask the clinic for a new invitation" in again.content.decode()


def test_the_link_expires(client, front_desk, carol, monkeypatch, settings):
    services.invite_patient(patient=carol, by=front_desk, base_url="http://testserver")
    link = link_in(mail.outbox[0])
    later = datetime.datetime.now() + datetime.timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 60
    )
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    response = client.get(link)
    assert response.status_code == 200
    assert "no longer works" in response.content.decode()


def test_weak_passwords_are_refused_by_the_validators(client, front_desk, carol):
    services.invite_patient(patient=carol, by=front_desk, base_url="http://testserver")
    response = set_password(client, link_in(mail.outbox[0]), password="12345678")
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert any("too short" in e for e in errors) and any("entirely numeric" in e for e in errors)
    carol.refresh_from_db()
    assert not carol.user.has_usable_password()


def test_the_welcome_link_is_for_patients_only(client, front_desk):
    """A staff account's token does not log anyone in through the portal."""
    response = client.get(welcome_link(front_desk))
    assert response.status_code == 200
    assert "no longer works" in response.content.decode()


def test_someone_signed_in_is_asked_to_log_out_first(client_for, front_desk, carol):
    services.invite_patient(patient=carol, by=front_desk, base_url="http://testserver")
    link = link_in(mail.outbox[0])
    response = client_for(front_desk).get(link)
    assert response.status_code == 200
    assert "log out first" in response.content.decode()
    assert client_for(None).get(link).status_code == 302  # still valid for the patient


@pytest.mark.parametrize("uidb64", ["garbage", "MTIzNDU2Nzg5"])
def test_odd_links_get_the_friendly_page(client, db, uidb64):
    response = client.get(f"/portal/welcome/{uidb64}/abc-123/")
    assert response.status_code == 200
    assert "no longer works" in response.content.decode()


# --- Password reset -----------------------------------------------------------------


def test_a_patient_resets_a_forgotten_password(client, patient_a):
    response = client.post("/accounts/password/reset/", {"email": "ALICE@patient.test"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    [message] = mail.outbox
    assert message.to == ["alice@patient.test"]
    path = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    form_url = client.get(path)["Location"]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/accounts/password/reset/done/"
    assert client.get(done["Location"]).status_code == 200
    login = client.post(
        "/accounts/login/", {"username": "alice@patient.test", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302 and login["Location"] == "/"
    # The link is single-use.
    assert "no longer works" in client.get(path).content.decode()


def test_staff_reset_their_password_too(client, front_desk):
    client.post("/accounts/password/reset/", {"email": front_desk.email})
    assert len(mail.outbox) == 1


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, db):
    response = client.post(
        "/accounts/password/reset/", {"email": "nobody@example.org"}, follow=True
    )
    assert "Check your e-mail" in response.content.decode()
    assert not mail.outbox
