"""Links sent by e-mail start with CLINIC_BASE_URL, never with the Host header of
the request that sent them (issue 12.4)."""

import re

import pytest
from django.core import mail

from tests.factories import PatientFactory

BASE = "https://clinic.example.com"
EVIL_HOST = "127.0.0.1:31337"


@pytest.fixture
def base_url(settings):
    settings.CLINIC_BASE_URL = BASE
    return BASE


def links_in(body: str) -> list[str]:
    return re.findall(r"\w+://\S+", body)


@pytest.mark.django_db
def test_the_password_reset_link_comes_from_the_base_url(client, front_desk, base_url):
    r = client.post(
        "/accounts/password/reset/", {"email": front_desk.email}, headers={"Host": EVIL_HOST}
    )
    assert r.status_code == 302
    (message,) = mail.outbox
    (link,) = links_in(message.body)
    assert link.startswith(BASE + "/accounts/password/reset/")
    assert "31337" not in message.body and "127.0.0.1" not in message.body
    # The link works.
    path = link.removeprefix(BASE)
    assert client.get(path, follow=True).status_code == 200


@pytest.mark.django_db
def test_the_portal_invitation_link_comes_from_the_base_url(client_for, front_desk, base_url):
    carol = PatientFactory(first_name="Carol", email="carol@example.net")
    client = client_for(front_desk)
    r = client.post(f"/portal/invite/{carol.uuid}/", headers={"Host": EVIL_HOST})
    assert r.status_code == 302
    (message,) = mail.outbox
    (link,) = links_in(message.body)
    assert link.startswith(BASE + "/portal/welcome/")
    assert "31337" not in message.body
