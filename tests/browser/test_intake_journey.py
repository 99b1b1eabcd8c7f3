"""Online intake in a real browser, on a phone-sized screen: the front desk
sends the link, the new patient answers every question and signs the consent
with a typed name, and at the first visit the practitioner sees the answers
beside the flags and records them (nothing changed a flag before that)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from intake.defaults import QUESTIONS
from intake.models import FlagReview
from patients.models import Consent
from tests.browser.conftest import PHONE, login
from tests.factories import PatientFactory
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.browser

YES = {"pregnant", "blood_thinners", "needle_fear", "night_pain"}


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def newcomer(db):
    return PatientFactory(first_name="Noor", last_name="Newcomer", email="noor@example.net")


def fits_the_screen(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def answer_everything(page):
    for _section, key, _text, kind, _extra in QUESTIONS:
        name = f"q-{key}"
        if kind == "yes_no":
            value = "yes" if key in YES else "no"
            page.locator(f'input[name="{name}"][value="{value}"]').check()
        elif kind == "scale_0_10":
            page.locator(f'input[name="{name}"][value="7"]').check()
        elif kind == "choice":
            page.locator(f'input[name="{name}"][value="2"]').check()
        elif key == "skin":
            page.locator(f'[name="{name}"]').fill("Eczema on my left forearm")
        else:
            page.locator(f'[name="{name}"]').fill(f"My {key.replace('_', ' ')}")


def test_a_new_patient_fills_the_intake_and_the_practitioner_accepts_it(
    page, live_server, front_desk, practitioner, newcomer
):
    # The front desk sends the link from the patient's page.
    login(page, live_server, front_desk.email, PASSWORD)
    page.goto(f"{live_server.url}/patients/{newcomer.uuid}/")
    expect(page.get_by_test_id("intake-status")).to_contain_text("Not sent yet")
    page.get_by_test_id("send-intake").click()
    expect(page.get_by_role("alert").first).to_contain_text("Intake link sent to noor@example.net")
    [email] = mail.outbox
    link = re.search(r"http://\S+/intake/\S+/", email.body).group(0)
    page.context.clear_cookies()

    # The patient, on a phone, with no login: the link is the key.
    page.goto(link.replace("http://testserver", live_server.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Before your first visit")
    fits_the_screen(page)
    # Sending with a question left out: marked, nothing stored.
    page.get_by_role("button", name="Send my answers and sign").click()
    expect(page.get_by_test_id("intake-error")).to_be_visible()
    assert not Consent.objects.exists()

    answer_everything(page)
    expect(page.get_by_test_id("consent-text")).to_contain_text("Acupuncture treatment")
    page.get_by_label("Your full name").fill("Noor Newcomer")
    page.get_by_label("I have read the information above").check()
    page.get_by_role("button", name="Send my answers and sign").click()
    expect(page.get_by_test_id("intake-done")).to_be_visible()
    assert Consent.objects.get(patient=newcomer).typed_name == "Noor Newcomer"
    newcomer.refresh_from_db()
    assert not newcomer.is_pregnant and not newcomer.bleeding_risk  # not by itself

    # The link is used up.
    page.goto(link.replace("http://testserver", live_server.url))
    expect(page.get_by_test_id("intake-link-problem")).to_contain_text("already been filled in")

    # The first visit: the practitioner reviews the answers beside the flags.
    login(page, live_server, practitioner.user.email, PASSWORD)
    page.goto(f"{live_server.url}/patients/{newcomer.uuid}/")
    page.get_by_test_id("intake-review-link").click()
    expect(page.get_by_test_id("intake-red-flags")).to_contain_text("all night")
    fits_the_screen(page)
    rows = page.get_by_test_id("flag-row")
    expect(rows.filter(has_text="Pregnant")).to_contain_text("Patient answered")
    expect(rows.filter(has_text="Pregnant")).to_contain_text("differs from the answer")
    page.get_by_test_id("accept-intake").click()
    expect(page.get_by_test_id("intake-reviewed")).to_contain_text("Reviewed by")
    newcomer.refresh_from_db()
    assert newcomer.is_pregnant and newcomer.bleeding_risk and newcomer.needle_phobia_or_fainting
    assert newcomer.skin_conditions == "Eczema on my left forearm"
    assert FlagReview.objects.filter(decision="accepted").count() == FlagReview.objects.count() > 5
