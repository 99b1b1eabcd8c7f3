"""A patient reads their own record on a phone, in a real browser: the history
in plain words, the progress chart with its table, and the pre-visit
questionnaire filled in (partly from the keyboard) and confirmed."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import PreVisitQuestionnaire
from tests.browser.conftest import PHONE, login
from tests.factories.accounts import PASSWORD
from tests.factories.scheduling import AppointmentFactory
from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory, point, sign

pytestmark = pytest.mark.browser


def signed_session(patient, practitioner, *, day, nprs, plan):
    now = timezone.now()
    session = TreatmentSessionFactory(
        patient=patient,
        practitioner=practitioner,
        session_date=day,
        nprs_now=nprs,
        needles_in_at=now - datetime.timedelta(minutes=25),
        needles_out_at=now,
        recommendations=["heat"],
        plan=plan,
    )
    NeedlePlacementFactory(session=session, acupoint=point("BL23"), side="bilateral")
    NeedlePlacementFactory(session=session, acupoint=point("GV4"), side="midline")
    return sign(session, practitioner.user, at=now)


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def open_menu_entry(page, label):
    # Bootstrap's script comes last in the page: a key pressed before it has run
    # opens nothing, so wait for the page's scripts first.
    page.wait_for_load_state("load")
    toggler = page.get_by_role("button", name="Show menu")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") == "false":
        toggler.focus()
        page.keyboard.press("Enter")
        expect(toggler).to_have_attribute("aria-expanded", "true")
    # The new page's own stylesheets (the progress chart's hides its wide copy on
    # a phone) count only once it has loaded: until then both copies are "visible".
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_a_patient_reads_their_record_and_answers_before_a_visit(
    page, live_server, patient_a, practitioner
):
    problems = []  # console errors, e.g. anything the Content-Security-Policy blocked
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    signed_session(
        patient_a, practitioner, day=datetime.date(2026, 3, 2), nprs=7, plan="Weekly for now"
    )
    signed_session(
        patient_a, practitioner, day=datetime.date(2026, 3, 9), nprs=4, plan="Every two weeks"
    )
    appointment = AppointmentFactory(patient=patient_a, practitioner=practitioner)  # in 2030
    login(page, live_server, patient_a.user.email, PASSWORD)

    # History: what was done, in plain words with the points' names.
    open_menu_entry(page, "History")
    expect(page.get_by_role("heading", name="Your treatment history", level=1)).to_be_visible()
    sessions = page.get_by_test_id("history-session")
    expect(sessions).to_have_count(2)
    expect(sessions.first.get_by_role("heading", level=3)).to_have_text("Monday 9 March 2026")
    expect(sessions.first.get_by_test_id("what-we-did")).to_contain_text(
        "Needles at BL23 Shenshu (both sides) and GV4 Mingmen (midline): 3 needles in all."
    )
    expect(sessions.first).to_contain_text("The needles stayed in for 25 minutes.")
    expect(sessions.first.get_by_test_id("recommendations")).to_contain_text(
        "Heat on the lower back"
    )
    assert fits_the_screen(page)

    # Progress: the chart and, for screen readers, the same figures as a table.
    open_menu_entry(page, "Progress")
    expect(page.get_by_role("heading", name="Your progress", level=1)).to_be_visible()
    chart = page.get_by_role("img", name="Pain and disability over the course of care")
    expect(chart).to_be_visible()
    expect(page.get_by_test_id("mic-nprs")).to_have_count(1)
    table = page.get_by_role("table", name="Your pain and daily-life scores")
    expect(table.get_by_test_id("progress-row")).to_have_count(2)
    expect(table.get_by_test_id("progress-row").last).to_contain_text("Yes: pain")
    assert fits_the_screen(page)

    # The questionnaire for the upcoming appointment, from the history page.
    open_menu_entry(page, "History")
    page.get_by_role("link", name="Fill in the pre-visit questionnaire").click()
    expect(page.get_by_role("heading", name="Before your appointment", level=1)).to_be_visible()
    page.get_by_role("group", name="Your pain now").get_by_label("5", exact=True).check()
    # From the keyboard: arrow keys move along a group of radio buttons.
    least = page.get_by_role("group", name="Your least pain in the last 24 hours")
    least.get_by_label("0", exact=True).focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(least.get_by_label("2", exact=True)).to_be_checked()
    page.get_by_role("group", name="Your worst pain in the last 24 hours").get_by_label(
        "8", exact=True
    ).check()
    walking = page.get_by_role("group", name="Walking")
    expect(walking.get_by_label("Prefer not to answer")).to_be_checked()
    walking.get_by_label("3", exact=True).check()
    page.get_by_label("Anything else we should know").fill("Stiff in the mornings")
    assert fits_the_screen(page)
    page.get_by_role("button", name="Send my answers").click()

    expect(page.get_by_role("alert")).to_contain_text("Thank you: your answers are saved.")
    expect(
        page.get_by_role("group", name="Your pain now").get_by_label("5", exact=True)
    ).to_be_checked()
    saved = PreVisitQuestionnaire.objects.get(appointment=appointment)
    assert (saved.nprs_now, saved.nprs_best, saved.nprs_worst) == (5, 2, 8)
    assert saved.odi_walking == 3 and saved.odi_lifting is None
    assert saved.comments == "Stiff in the mornings"
    assert problems == []


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_a_patient_loads_earlier_treatments_from_the_keyboard(
    page, live_server, patient_a, practitioner
):
    """Eleven treatments: the history shows ten; "Earlier sessions", pressed from
    the keyboard, adds the eleventh in place and puts the focus on it."""
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    first_day = datetime.date(2026, 1, 5)
    for week in range(11):
        day = first_day + datetime.timedelta(weeks=week)
        signed_session(patient_a, practitioner, day=day, nprs=6, plan=f"Week {week}")
    login(page, live_server, patient_a.user.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/history/")
    page.wait_for_load_state("load")  # htmx and the focus script have run
    sessions = page.get_by_test_id("history-session")
    expect(sessions).to_have_count(10)

    earlier = page.get_by_role("link", name="Earlier sessions")
    earlier.focus()
    page.keyboard.press("Enter")
    expect(sessions).to_have_count(11)
    expect(page).to_have_url(f"{live_server.url}/portal/history/")  # appended in place
    expect(sessions.last.get_by_role("heading", level=3)).to_have_text("Monday 5 January 2026")
    expect(sessions.last.get_by_role("link", name="Monday 5 January 2026")).to_be_focused()
    expect(page.get_by_role("link", name="Earlier sessions")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="earlier session")).to_have_text(
        "1 earlier session added, from 5 January 2026: these are the first."
    )
    assert fits_the_screen(page)
    assert problems == []
