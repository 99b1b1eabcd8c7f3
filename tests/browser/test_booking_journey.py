"""Front desk: find a time for a follow-up, book it, move it, check the patient in."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scheduling.models import Appointment
from tests.browser.conftest import login
from tests.factories import PatientFactory
from tests.factories.accounts import PASSWORD
from tests.factories.scheduling import (
    AppointmentFactory,
    AppointmentTypeFactory,
    RoomFactory,
    WorkingHoursFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def clinic_day(practitioner):
    """A practitioner who works every day 08:00–20:00, two rooms, a follow-up type."""
    for weekday in range(7):
        WorkingHoursFactory(
            practitioner=practitioner,
            weekday=weekday,
            start_time=datetime.time(8),
            end_time=datetime.time(20),
        )
    RoomFactory(name="Room 1")
    RoomFactory(name="Room 2")
    return AppointmentTypeFactory(name="Follow-up treatment", duration_minutes=45)


def test_it_lets_front_desk_find_book_move_and_check_in(page, live_server, front_desk, clinic_day):
    patient = PatientFactory(first_name="Maria", last_name="Okafor")
    login(page, live_server, front_desk.email, PASSWORD)

    # Find the patient and look for a free time for a follow-up.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_label("Search patients").fill("okafor")
    page.get_by_role("link", name="Maria Okafor").click()
    page.get_by_role("link", name="Find a time for Maria Okafor").click()
    expect(page.get_by_test_id("finding-for")).to_contain_text("Maria Okafor")
    page.get_by_label("Appointment type").select_option(label="Follow-up treatment (45 min)")
    page.get_by_role("button", name="Find free times").click()

    # Book the earliest slot offered.
    page.get_by_role("link", name="Book").first.click()
    expect(page.get_by_test_id("chosen-patient")).to_contain_text("Maria Okafor")
    page.get_by_role("button", name="Book appointment").click()
    expect(page.get_by_text("Booked Maria Okafor")).to_be_visible()
    appointment = Appointment.objects.get(patient=patient)
    first_start = appointment.start_at

    # Move it two days later, keyboard-first: fill the fields and press Enter.
    page.get_by_role("link", name="Move or resize").click()
    new_day = (appointment.start_at + datetime.timedelta(days=2)).astimezone()
    page.get_by_label("Date").fill(new_day.date().isoformat())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Start time").press("Enter")
    expect(page.get_by_test_id("move-done")).to_contain_text("Moved to")
    # The page says the new time (it used to keep the old "Now: …") and keeps the form.
    moved_day = f"{new_day:%A} {new_day.day} {new_day:%B}"
    expect(page.get_by_test_id("move-now")).to_contain_text(f"Now: {moved_day}")
    expect(page.get_by_test_id("move-now")).to_contain_text("10:00")
    expect(page.get_by_label("Start time")).to_have_value("10:00")
    appointment.refresh_from_db()
    assert appointment.start_at != first_start
    assert appointment.events.filter(kind="moved").exists()

    # Checking in is for the day itself: two days ahead it is not offered (and the
    # service refuses it: tests/scheduling/test_lifecycle.py).
    page.get_by_test_id("move-done").get_by_role("link", name="Open the appointment").click()
    expect(page.get_by_test_id("appointment-status")).to_contain_text("Booked")
    expect(page.get_by_role("button", name="Mark arrived")).to_have_count(0)
    appointment.refresh_from_db()
    assert appointment.status == "booked"

    # Today's appointment: check the patient in from the appointment page.
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    todays = AppointmentFactory(
        patient=patient, practitioner=appointment.practitioner, start_at=noon
    )
    page.goto(f"{live_server.url}/calendar/appointments/{todays.uuid}/")
    page.get_by_role("button", name="Mark arrived").click()
    expect(page.get_by_test_id("appointment-status")).to_contain_text("Arrived")
    todays.refresh_from_db()
    assert todays.status == "arrived"
