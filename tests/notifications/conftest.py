import datetime

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from icalendar import Calendar

from clinic.models import ClinicSettings
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentTypeFactory, RoomFactory

# A Monday in summer: the clinic (Europe/London) is on BST, an hour ahead of UTC.
SUMMER = datetime.datetime(2030, 7, 1, 9, 0, tzinfo=datetime.UTC)


class ExplodingBackend(LocmemBackend):
    """An e-mail backend whose server is down."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server at mail.example.com refused the connection")


EXPLODING = "tests.notifications.conftest.ExplodingBackend"


@pytest.fixture
def clinic(db):
    settings = ClinicSettings.load()
    settings.name = "Back Pain Acupuncture Clinic"
    settings.address = "12 High Street\nLondon\nN1 1AA"
    settings.phone = "020 7946 0000"
    settings.email = "clinic@example.com"
    settings.reminder_hours_before = 24
    settings.save()
    return settings


@pytest.fixture
def follow_up(db):
    return AppointmentTypeFactory(
        name="Follow-up treatment", duration_minutes=45, buffer_after_minutes=15
    )


@pytest.fixture
def room(db):
    return RoomFactory(name="Room 1")


@pytest.fixture
def patient(db):
    return PatientFactory(
        first_name="Margaret",
        preferred_name="Peggy",
        last_name="O'Brien",
        email="peggy@example.net",
    )


def parse_invite(email) -> Calendar:
    """The invite.ics attached to a sent e-mail, parsed back."""
    (part,) = email.attachments
    assert part.get_filename() == "invite.ics"
    return Calendar.from_ical(part.get_payload(decode=True))


def event_of(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event
