"""A practitioner records a treatment end to end in a real browser: today's list,
the assessment with the body chart, a protocol, needles in and out with the
count, sign-off, and the signed read-only record."""

import datetime
import re

import pytest
from django.db import connection, transaction
from django.utils import timezone
from playwright.sync_api import expect

from sessions.models import TreatmentSession
from tests.browser.conftest import login
from tests.factories import PatientFactory
from tests.factories.accounts import PASSWORD
from tests.factories.scheduling import AppointmentFactory
from tests.factories.sessions import (
    ProtocolFactory,
    ProtocolPointFactory,
    TreatmentSessionFactory,
    point,
)

pytestmark = pytest.mark.browser


def later_today() -> datetime.datetime:
    """A little later than now, on today's date in the clinic's time zone."""
    now = timezone.localtime()
    start = (now + datetime.timedelta(minutes=10)).replace(second=0, microsecond=0)
    if start.date() != now.date():  # just before midnight: a little earlier instead
        start = (now - datetime.timedelta(minutes=50)).replace(second=0, microsecond=0)
    return start


@pytest.fixture
def maria(db):
    return PatientFactory(first_name="Maria", last_name="Lombard")


@pytest.fixture
def appointment(practitioner, maria):
    return AppointmentFactory(practitioner=practitioner, patient=maria, start_at=later_today())


@pytest.fixture
def lumbar_protocol(practitioner):
    protocol = ProtocolFactory(practitioner=practitioner, name="Lumbar strain")
    points = [
        ("BL23", "bilateral"),
        ("BL25", "bilateral"),
        ("BL40", "bilateral"),
        ("GV4", "midline"),
    ]
    for position, (code, side) in enumerate(points):
        # BL40 lies over the popliteal vessels: the protocol says oblique and shallow.
        shallow = {"angle": "oblique", "depth_mm": 12} if code == "BL40" else {}
        ProtocolPointFactory(
            protocol=protocol, position=position, acupoint=point(code), side=side, **shallow
        )
    return protocol


def test_a_practitioner_records_and_signs_a_treatment(
    page, live_server, practitioner, maria, appointment, lumbar_protocol
):
    problems = []  # console errors, e.g. anything the Content-Security-Policy blocked
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    login(page, live_server, practitioner.user.email, PASSWORD)

    # Today's list, from the menu: the appointment, and the record opened from it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    row = page.get_by_test_id("today-row").filter(has_text="Maria Lombard")
    expect(row).to_contain_text(timezone.localtime(appointment.start_at).strftime("%H:%M"))
    row.get_by_role("button", name="Open record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Treatment record · Maria Lombard")
    session = TreatmentSession.objects.get(appointment=appointment)
    # A new record opens at its first step; the steps say which are done, in words.
    steps = page.get_by_role("navigation", name="Steps of the record")
    expect(page).to_have_url(f"{live_server.url}/records/{session.uuid}/step/assessment/")
    expect(steps.locator('[aria-current="step"]')).to_contain_text("Assessment")
    expect(steps.get_by_test_id("step-state")).to_have_text(["to do"] * 5)

    # Assessment: pain score, cause, and where it hurts, clicked on the body chart.
    assessment = page.locator("#section-assessment")
    assessment.get_by_label("Pain now (NPRS 0–10)").fill("6")
    assessment.get_by_label("Cause", exact=True).select_option(label="Muscle strain")
    left_lower_back = assessment.get_by_label("Lower back, left")
    expect(left_lower_back).not_to_be_checked()
    assessment.locator('[data-region="lumbar_left"]').click()
    expect(left_lower_back).to_be_checked()
    expect(assessment.locator('[data-region="lumbar_left"]')).to_have_class(
        re.compile("is-selected")
    )
    assessment.get_by_role("button", name="Save assessment").click()
    expect(page.locator("#section-assessment")).to_contain_text("Assessment saved.")
    session.refresh_from_db()
    assert (session.nprs_now, session.pain_cause) == (6, "muscle_strain")
    assert session.pain_locations == ["lumbar_left"]

    # On to the needles (htmx swaps the step in and the address follows it);
    # the keyboard carries on from the step's heading.
    page.get_by_test_id("next-step").click()
    expect(page).to_have_url(f"{live_server.url}/records/{session.uuid}/step/needles/")
    expect(steps.locator('[aria-current="step"]')).to_contain_text("Needles")
    expect(page.get_by_role("heading", name="Needles", level=2)).to_be_focused()
    expect(page.locator("#section-assessment")).to_have_count(0)
    expect(page).to_have_title(re.compile("^Needles · Treatment record · Maria Lombard"))

    # The saved protocol, in one click: seven needles (bilateral counts as two).
    # (Its BL40 is oblique and shallow, so no depth caution.)
    needling = page.locator("#section-needles")
    needling.get_by_label("Saved protocol").select_option(label="Lumbar strain")
    needling.get_by_role("button", name="Apply").click()
    expect(page.locator("#section-needles")).to_contain_text("4 points added")
    expect(steps.get_by_test_id("step-state").nth(1)).to_have_text("done")
    expect(page.get_by_test_id("placement-row")).to_have_count(4)
    expect(page.get_by_test_id("needles-inserted")).to_contain_text("7 (one per point")

    # GB21 perpendicular, over the lung: a depth caution, added only with a reason.
    form = page.get_by_test_id("placement-form")
    form.get_by_role("combobox", name="Point").fill("GB21")
    form.get_by_label("Side").select_option("left")
    form.get_by_label("Needle").select_option(label="0.30 × 50 mm Hwato")
    form.get_by_label("Depth (mm)").fill("12")
    form.get_by_label("Angle").select_option("perpendicular")
    form.get_by_role("button", name="Add placement").click()
    warning = page.get_by_test_id("override-warnings")
    expect(warning).to_contain_text("GB21 lies over the lung and pleura")
    expect(page.get_by_test_id("placement-row")).to_have_count(4)
    page.get_by_label("Reason for going ahead").fill("Thick trapezius; 12 mm only, checked")
    page.get_by_test_id("placement-form").get_by_role("button", name="Add placement").click()
    expect(page.get_by_test_id("placement-row")).to_have_count(5)
    expect(page.get_by_test_id("overrides")).to_contain_text("Thick trapezius")
    expect(page.get_by_test_id("needles-inserted")).to_contain_text("8 (one per point")

    # Retention and count, from the steps. No consent on file yet: the needles
    # cannot go in. The practitioner records Maria's consent (a typed name she
    # confirms) and comes back to the step. (The consent alert is on the page
    # before the click too, so wait for the refusal itself: a click on the link
    # mid-swap would be lost.)
    steps.get_by_role("link", name=re.compile("Retention and count")).click()
    expect(page).to_have_url(f"{live_server.url}/records/{session.uuid}/step/retention/")
    expect(page.get_by_test_id("done-needles")).to_contain_text("8 needles: BL23 bilateral")
    page.get_by_label("Patient's position").select_option("prone")
    page.get_by_role("button", name="Needles in").click()
    expect(page.locator("#section-retention").get_by_test_id("section-errors")).to_contain_text(
        "No informed consent on file"
    )
    page.get_by_test_id("consent-needed").get_by_role("link", name="Record the consent").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Informed consent")
    page.get_by_label("Typed full name, confirmed by the signer").check()
    page.get_by_label("Signer's full name").fill("Maria Lombard")
    page.get_by_label("The signer has read the consent text").check()
    page.get_by_test_id("consent-form").get_by_role("button").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Treatment record · Maria Lombard")
    expect(page).to_have_url(f"{live_server.url}/records/{session.uuid}/step/retention/")
    expect(page.get_by_test_id("consent-needed")).to_have_count(0)

    # Needles in, lying down: the server's time, and a running timer.
    page.get_by_label("Patient's position").select_option("prone")
    page.get_by_role("button", name="Needles in").click()
    expect(page.get_by_test_id("needles-in-at")).to_be_visible()
    expect(page.get_by_test_id("retention-elapsed")).to_have_text(re.compile(r"^00:0\d \(min:s\)$"))

    # Twenty-five minutes pass (moved back in the database), and the page says so.
    # The consent, recorded just before, moves back with the needles: consents
    # refuse UPDATE, so this time travel runs in replica mode (the test's superuser).
    TreatmentSession.objects.filter(pk=session.pk).update(
        needles_in_at=timezone.now() - datetime.timedelta(minutes=25)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE patients_consent SET given_at = given_at - interval '30 minutes'"
            " WHERE patient_id = %s",
            [maria.pk],
        )
    page.reload()
    expect(page.get_by_test_id("retention-elapsed")).to_have_text(re.compile(r"^25:\d\d"))
    expect(page.get_by_test_id("retention-alert")).to_have_text(
        "20 minutes reached: the needles may come out when ready."
    )

    # Needles out: eight counted, and the count reconciles.
    out = page.get_by_test_id("needles-out-form")
    expect(out).to_contain_text("Inserted: 8 needles (one per point needled on each side)")
    out.get_by_label("Needles removed (counted)").fill("8")
    out.get_by_role("button", name="Needles out").click()
    expect(page.get_by_test_id("needle-count")).to_have_text(
        "Needle count: 8 in, 8 out: reconciled ✓"
    )
    expect(page.get_by_test_id("retention-minutes")).to_contain_text("25 minutes")

    expect(steps.get_by_test_id("step-state").nth(2)).to_have_text("done")

    # Sign: one thing left, in the assessment; back to it, then sign.
    steps.get_by_role("link", name=re.compile("Sign")).click()
    expect(page.get_by_test_id("sign-problems")).to_have_text(
        "Tick that contraindications were reviewed."
    )
    steps.get_by_role("link", name=re.compile("Assessment")).click()
    page.get_by_label("Contraindications reviewed with the patient").check()
    page.locator("#section-assessment").get_by_role("button", name="Save assessment").click()
    expect(steps.get_by_test_id("step-state").first).to_have_text("done")
    # Back (the browser's) returns to the sign step, asked afresh: htmx keeps no
    # copy of a record in the browser.
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/records/{session.uuid}/step/sign/")
    expect(page.get_by_test_id("sign-ready")).to_be_visible()
    expect(steps.locator('[aria-current="step"]')).to_contain_text("Sign")
    # What will be signed is shown first, and signing needs the practitioner's confirmation.
    expect(page.get_by_test_id("sign-summary-needles")).to_contain_text("8 needles, 8 removed")
    page.get_by_role("button", name="Sign the record").click()
    expect(page.get_by_test_id("section-errors")).to_contain_text("I have checked this record")
    page.get_by_label("I have checked this record").check()
    page.get_by_role("button", name="Sign the record").click()

    # The signed record: read-only, with who signed it and when.
    expect(page.get_by_test_id("record-readonly")).to_be_visible()
    expect(page.get_by_test_id("record-status")).to_have_text("Signed")
    expect(page.get_by_test_id("signature")).to_contain_text("Signed by Pat Practitioner")
    expect(page.get_by_test_id("summary-count")).to_contain_text(
        "8 inserted, 8 removed (reconciled)"
    )
    expect(page.locator("#section-assessment")).to_have_count(0)
    expect(page.get_by_role("button", name="Save assessment")).to_have_count(0)
    session.refresh_from_db()
    assert session.is_signed and session.signed_by == practitioner.user
    assert problems == []


def test_points_are_entered_from_the_keyboard(page, live_server, practitioner, maria):
    session = TreatmentSessionFactory(practitioner=practitioner, patient=maria)
    login(page, live_server, practitioner.user.email, PASSWORD)
    page.goto(f"{live_server.url}/records/{session.uuid}/step/needles/")

    # The older code finds the WHO one; arrows and Enter choose it.
    code = page.get_by_role("combobox", name="Point")
    code.press_sequentially("lv3", delay=40)
    options = page.get_by_role("listbox", name="Matching points").get_by_role("option")
    expect(options.first).to_contain_text("LR3 Taichong")
    code.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    code.press("Enter")
    expect(code).to_have_value("LR3")
    side = page.get_by_label("Side")
    expect(side).to_be_focused()
    side.select_option("left")
    page.get_by_role("button", name="Add placement").click()
    expect(page.get_by_test_id("placement-row")).to_have_count(1)
    expect(page.get_by_test_id("placement-row")).to_contain_text("LR3 Taichong")
    # Ready for the next point.
    expect(page.get_by_role("combobox", name="Point")).to_be_focused()

    # A midline point: the side is set for you.
    code = page.get_by_role("combobox", name="Point")
    code.press_sequentially("GV4", delay=40)
    expect(options.first).to_contain_text("GV4 Mingmen")
    code.press("ArrowDown")
    code.press("Enter")
    expect(page.get_by_label("Side")).to_have_value("midline")
    page.get_by_role("button", name="Add placement").click()
    expect(page.get_by_test_id("placement-row")).to_have_count(2)
    expect(page.get_by_test_id("needles-inserted")).to_contain_text("2 (one per point")


def test_a_lesion_site_is_chosen_with_the_point_typeahead_and_then_warns(
    page, live_server, practitioner, maria
):
    session = TreatmentSessionFactory(practitioner=practitioner, patient=maria)
    login(page, live_server, practitioner.user.email, PASSWORD)
    page.goto(f"{live_server.url}/records/{session.uuid}/step/needles/")

    sites = page.get_by_test_id("lesion-sites")
    sites.locator("summary").click()
    code = sites.get_by_role("combobox", name="Point at the site")
    code.press_sequentially("bl25", delay=40)
    options = sites.get_by_role("listbox").get_by_role("option")
    expect(options.first).to_contain_text("BL25 Dachangshu")
    code.press("ArrowDown")
    code.press("Enter")
    expect(code).to_have_value("BL25")
    sites.get_by_label("Left or right").select_option("left")
    sites.get_by_label("What is there").fill("Eczema, weeping")
    sites.get_by_role("button", name="Record the site").click()
    expect(page.get_by_test_id("lesion-site")).to_contain_text("BL25 left: Eczema, weeping")
    expect(page.get_by_test_id("needling-cautions")).to_contain_text("Skin-lesion sites")

    # Placing BL25 on the left now asks for a reason.
    form = page.get_by_test_id("placement-form")
    form.get_by_role("combobox", name="Point").fill("BL25")
    form.get_by_label("Side").select_option("left")
    form.get_by_label("Depth (mm)").fill("10")
    form.get_by_role("button", name="Add placement").click()
    expect(page.get_by_test_id("override-warnings")).to_contain_text(
        "falls on a recorded skin-lesion site"
    )
    expect(page.get_by_test_id("placement-row")).to_have_count(0)


def test_the_fields_a_point_needs_appear_when_it_is_chosen(page, live_server, practitioner, maria):
    session = TreatmentSessionFactory(practitioner=practitioner, patient=maria)
    login(page, live_server, practitioner.user.email, PASSWORD)
    page.goto(f"{live_server.url}/records/{session.uuid}/step/needles/")
    form = page.get_by_test_id("placement-form")
    expect(form.get_by_label("Jiaji levels")).to_be_hidden()
    expect(form.get_by_label("Ashi point location")).to_be_hidden()

    code = form.get_by_role("combobox", name="Point")
    options = form.get_by_role("listbox", name="Matching points").get_by_role("option")
    code.press_sequentially("EX-B2", delay=40)
    expect(options.first).to_contain_text("EX-B2 Jiaji")
    code.press("ArrowDown")
    code.press("Enter")
    expect(form.get_by_label("Jiaji levels")).to_be_visible()
    expect(form.get_by_label("Ashi point location")).to_be_hidden()
    form.get_by_label("Side").select_option("bilateral")
    form.get_by_label("Jiaji levels").select_option(["L4", "L5"])
    form.get_by_label("Depth (mm)").fill("15")
    form.get_by_label("Angle").select_option("oblique")
    form.get_by_role("button", name="Add placement").click()
    expect(page.get_by_test_id("placement-row")).to_contain_text("L4, L5")
    expect(page.get_by_test_id("needles-inserted")).to_contain_text("4 (one per point")


def test_the_follow_up_is_booked_from_the_record_at_a_free_time_near_the_interval(
    page, live_server, practitioner, maria, appointment
):
    """The follow-up in 7 days: Find a time lists the free times near it for the
    same type and practitioner, and the booking form comes filled in."""
    from scheduling.models import Appointment
    from tests.factories.scheduling import RoomFactory, WorkingHoursFactory

    for weekday in range(7):
        WorkingHoursFactory(practitioner=practitioner, weekday=weekday)
    RoomFactory(name="Room 2")
    session = TreatmentSessionFactory(practitioner=practitioner, patient=maria)
    TreatmentSession.objects.filter(pk=session.pk).update(appointment=appointment)
    login(page, live_server, practitioner.user.email, PASSWORD)
    page.goto(f"{live_server.url}/records/{session.uuid}/step/follow-up/")

    followup = page.locator("#section-followup")
    followup.get_by_label("Next visit in (days)").fill("7")
    followup.get_by_role("button", name=re.compile("Save")).click()
    page.get_by_test_id("book-follow-up").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Find a time")
    first = page.get_by_role("link", name=re.compile("Book")).first
    expect(first).to_be_visible()
    first.click()
    due = session.session_date + datetime.timedelta(days=7)
    expect(page.get_by_label("Appointment type")).not_to_have_value("")
    expect(page.get_by_label("Room")).not_to_have_value("")
    page.get_by_role("button", name=re.compile("^Book")).click()
    booked = Appointment.objects.exclude(pk=appointment.pk).get(patient=maria)
    assert booked.appointment_type == appointment.appointment_type
    day = timezone.localdate(booked.start_at)
    assert due - datetime.timedelta(days=2) <= day <= due + datetime.timedelta(days=7)
