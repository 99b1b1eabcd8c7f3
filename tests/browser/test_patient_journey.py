"""A patient, end to end in a real browser on a phone-sized screen: follows the
invitation e-mailed by the front desk, sets a password, lands on the portal
home, reads their history and progress chart, fills the pre-visit
questionnaire, and cancels the appointment with a reason from the keyboard."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from clinic.models import ClinicSettings
from portal.models import PreVisitQuestionnaire
from portal.services import invite_patient
from scheduling.models import Appointment
from tests.browser.conftest import PHONE
from tests.browser.test_patient_records_journey import open_menu_entry, signed_session
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory, AppointmentTypeFactory, RoomFactory

pytestmark = pytest.mark.browser

PASSWORD = "quiet-lumbar-morning-42"


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def clinic(db):
    settings = ClinicSettings.load()
    settings.phone = "020 7946 0000"
    settings.late_cancellation_hours = 24
    settings.save()
    return settings


@pytest.fixture
def dora(db):
    return PatientFactory(first_name="Dora", last_name="Dunn", email="dora@example.net")


@pytest.fixture
def appointment(clinic, practitioner, dora):
    """Three days ahead: well outside the clinic's 24-hour notice period."""
    start = (timezone.now() + datetime.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    return AppointmentFactory(
        patient=dora,
        practitioner=practitioner,
        room=RoomFactory(name="Garden room"),
        appointment_type=AppointmentTypeFactory(name="Follow-up treatment"),
        start_at=start,
    )


def test_it_lets_an_invited_patient_set_a_password_read_answer_and_cancel(
    page, live_server, front_desk, practitioner, dora, appointment
):
    signed_session(dora, practitioner, day=datetime.date(2026, 3, 2), nprs=7, plan="Weekly")
    signed_session(dora, practitioner, day=datetime.date(2026, 3, 9), nprs=4, plan="Fortnightly")
    # The front desk invites Dora; the e-mail carries her welcome link.
    invite_patient(patient=dora, by=front_desk, base_url=live_server.url)
    [email] = mail.outbox
    link = re.search(r"http://\S+/portal/welcome/\S+/", email.body).group(0)

    # She opens it and chooses a password (the token leaves the address bar at once).
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/portal/welcome/[^/]+/set-password/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to your patient portal")
    page.get_by_label(re.compile(r"New password\W*$")).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()

    # Logged in, on her portal home, with the upcoming appointment.
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("alert")).to_contain_text("Your password is set")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Dora")
    card = page.get_by_test_id("upcoming-appointment")
    expect(card).to_have_count(1)
    local = timezone.localtime(appointment.start_at)
    expect(card.get_by_role("heading", level=3)).to_have_text(
        f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"
    )
    expect(card).to_contain_text("Pat Practitioner")
    expect(card).to_contain_text("Follow-up treatment")
    expect(card).to_contain_text("Garden room")

    # Her history in plain words, and her progress chart with its table.
    open_menu_entry(page, "History")
    expect(page.get_by_test_id("history-session")).to_have_count(2)
    expect(page.get_by_test_id("what-we-did").first).to_contain_text("BL23 Shenshu (both sides)")
    open_menu_entry(page, "Progress")
    # (The page holds a wide and a phone layout of the chart; on a phone CSS shows
    # the phone one.)
    phone_chart = page.get_by_test_id("trend-chart-phone")
    expect(phone_chart).to_be_visible()
    expect(phone_chart).to_have_accessible_name(
        re.compile("^Pain and disability over the course of care")
    )
    expect(page.get_by_test_id("trend-chart")).to_be_hidden()
    expect(page.get_by_test_id("mic-nprs")).to_have_count(1)
    expect(
        page.get_by_role("table", name="Your pain and daily-life scores").get_by_test_id(
            "progress-row"
        )
    ).to_have_count(2)

    # The pre-visit questionnaire for the upcoming appointment, from her home page.
    open_menu_entry(page, "Home")
    page.get_by_role("link", name=re.compile(r"^Before your visit")).click()
    page.get_by_role("group", name="Your pain now").get_by_label("4", exact=True).check()
    page.get_by_role("group", name="Your least pain in the last 24 hours").get_by_label(
        "2", exact=True
    ).check()
    page.get_by_role("group", name="Your worst pain in the last 24 hours").get_by_label(
        "6", exact=True
    ).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("alert")).to_contain_text("your answers are saved")
    assert PreVisitQuestionnaire.objects.get(appointment=appointment).nprs_now == 4
    open_menu_entry(page, "Home")
    card = page.get_by_test_id("upcoming-appointment")

    # She cancels it, with a reason, from the keyboard.
    card.get_by_role("link", name=re.compile(r"^Cancel this appointment")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your appointment")
    reason = page.get_by_label("Why are you cancelling?")
    reason.focus()
    page.keyboard.type("Away for work")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Cancel the appointment")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("alert")).to_contain_text("is cancelled")
    expect(page.get_by_test_id("no-upcoming")).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancelled_by == Appointment.CancelledBy.PATIENT
    assert appointment.cancellation_reason == "Away for work"
    assert not appointment.late_cancellation
