"""The iCalendar invitation: stable UID, rising SEQUENCE, CANCEL on cancel,
no clinical details; parsed back with the icalendar library."""

import datetime

import pytest
from icalendar import Calendar

from notifications import ics
from scheduling import services
from tests.factories.scheduling import AppointmentFactory
from tests.notifications.conftest import SUMMER


def parsed(appointment, method=ics.REQUEST, **kwargs):
    calendar = Calendar.from_ical(ics.invitation(appointment, method=method, **kwargs))
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.fixture
def appointment(clinic, patient, practitioner, room, follow_up):
    return AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        room=room,
        appointment_type=follow_up,
        start_at=SUMMER,
        notes="Pregnant, 20 weeks: no points on the lower back",
    )


@pytest.mark.django_db
def test_the_invitation_describes_the_appointment_and_nothing_clinical(appointment):
    calendar, event = parsed(appointment, recipient="peggy@example.net")
    assert str(calendar["method"]) == "REQUEST"
    assert str(calendar["version"]) == "2.0"
    assert "Appointments" in str(calendar["prodid"])
    assert str(event["uid"]) == f"{appointment.uuid}@clinic.local"
    assert event.decoded("sequence") == 0
    assert event.decoded("dtstart") == SUMMER
    assert event.decoded("dtend") == SUMMER + datetime.timedelta(minutes=45)
    assert event.decoded("dtstart").tzinfo is not None
    assert str(event["summary"]) == "Acupuncture: Follow-up treatment"
    assert str(event["location"]) == (
        "Back Pain Acupuncture Clinic, 12 High Street, London, N1 1AA, Room 1"
    )
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["organizer"]) == "mailto:clinic@example.com"
    assert str(event["attendee"]) == "mailto:peggy@example.net"
    assert isinstance(event.decoded("dtstamp"), datetime.datetime)
    raw = ics.invitation(appointment, method=ics.REQUEST).decode()
    assert "DTSTART:20300701T090000Z" in raw  # UTC
    assert "Pregnant" not in raw and "lower back" not in raw


@pytest.mark.django_db
def test_the_uid_is_stable_across_a_move_and_the_sequence_rises(appointment, front_desk):
    _, before = parsed(appointment)
    moved = services.move_appointment(
        appointment=appointment,
        start_at=SUMMER + datetime.timedelta(days=1),
        end_at=SUMMER + datetime.timedelta(days=1, minutes=45),
        practitioner=appointment.practitioner,
        room=appointment.room,
        by=front_desk,
        outside_hours_reason="No working hours in this test",
    )
    _, after = parsed(moved)
    assert str(after["uid"]) == str(before["uid"])
    assert after.decoded("sequence") == before.decoded("sequence") + 1 == 1
    assert after.decoded("dtstart") == SUMMER + datetime.timedelta(days=1)


@pytest.mark.django_db
def test_a_cancellation_is_method_cancel_with_a_higher_sequence(appointment, front_desk):
    cancelled = services.cancel_appointment(
        appointment=appointment, by=front_desk, cancelled_by="patient", reason="Flu"
    )
    calendar, event = parsed(cancelled, method=ics.CANCEL)
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == f"{appointment.uuid}@clinic.local"
    assert event.decoded("sequence") == 1
    assert b"Flu" not in ics.invitation(cancelled, method=ics.CANCEL)


@pytest.mark.django_db
def test_an_unknown_method_is_refused(appointment):
    with pytest.raises(ValueError, match="iTIP method"):
        ics.invitation(appointment, method="PUBLISH")


@pytest.mark.parametrize(
    ("hosts", "domain"),
    [
        (["127.0.0.1", "localhost", "[::1]"], "clinic.local"),
        (["*"], "clinic.local"),
        (["10.0.0.5", "clinic.example.com", "www.clinic.example.com"], "clinic.example.com"),
        ([".clinic.example.org"], "clinic.example.org"),
    ],
)
def test_the_uid_domain_is_the_clinics_host(settings, hosts, domain):
    settings.ALLOWED_HOSTS = hosts
    assert ics.uid_domain() == domain


def test_initials_use_the_preferred_name():
    class P:
        first_name, preferred_name, last_name = "Margaret", "Peggy", "o'Brien"

    assert ics.initials(P) == "P.O."
