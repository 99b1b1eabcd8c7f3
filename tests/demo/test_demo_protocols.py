"""The demo practitioner has saved protocols (issue 13), and each applies to a
draft, through the record page, adding every point without a warning."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.protocols import PROTOCOLS
from patients.models import Patient
from practitioners.models import Practitioner
from sessions import services
from sessions.models import Protocol
from tests.factories.patients import uncautioned

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_practitioner():
    call_command("seed_demo", stdout=StringIO())
    return Practitioner.objects.select_related("user").get(user__email="practitioner@example.com")


def test_the_demo_practitioner_has_the_lumbar_strain_protocol_and_more(demo_practitioner):
    protocols = Protocol.objects.filter(practitioner=demo_practitioner)
    assert protocols.count() == len(PROTOCOLS) >= 3
    lumbar = protocols.get(name="Lumbar strain")
    points = [
        (p.acupoint.code, p.side, p.angle, p.depth_mm and int(p.depth_mm))
        for p in lumbar.points.select_related("acupoint")
    ]
    assert points == [
        ("BL23", "bilateral", "perpendicular", None),
        ("BL25", "bilateral", "perpendicular", None),
        # Over the popliteal vessels: oblique and shallow, so no override is needed.
        ("BL40", "bilateral", "oblique", 12),
        ("GV4", "midline", "perpendicular", None),
    ]
    assert all(p.needle_id for p in lumbar.points.all())

    call_command("seed_demo", stdout=StringIO())  # a second run adds none
    assert Protocol.objects.filter(practitioner=demo_practitioner).count() == len(PROTOCOLS)


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_each_demo_protocol_applies_to_a_draft_without_a_warning(client, demo_practitioner, name):
    patient = uncautioned(Patient.objects.active())
    draft = services.start_session(
        patient=patient, practitioner=demo_practitioner, by=demo_practitioner.user
    )
    protocol = Protocol.objects.get(practitioner=demo_practitioner, name=name)
    client.force_login(demo_practitioner.user)

    response = client.post(
        reverse("records:apply-protocol", kwargs={"uuid": draft.uuid}),
        {"version": draft.version, "protocol": protocol.uuid},
        follow=True,
    )

    page = response.content.decode()
    count = protocol.points.count()
    assert f"Protocol “{name}”: {count} points added" in page
    assert "Not added" not in page
    assert draft.placements.count() == count
    assert not draft.overrides.exists()
    record = client.get(reverse("records:record", kwargs={"uuid": draft.uuid})).content.decode()
    assert 'data-testid="pending-warnings"' not in record
