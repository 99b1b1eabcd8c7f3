"""The user guide's screenshots (docs/user-guide.md), taken of the demo clinic:
the front desk's day, a practitioner's session, the patient portal on a phone.

The journeys always run (they check what the guide says is on screen); the
PNGs are written to docs/images/ only with WRITE_DOCS_SCREENSHOTS=1, so a test
run never dirties the tree:

    WRITE_DOCS_SCREENSHOTS=1 scripts/test tests/browser/test_docs_screenshots.py
"""

import datetime
import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from demo.seeding import DEMO_PASSWORD, FRONT_DESK_EMAIL, PATIENT_EMAIL, PRACTITIONER_EMAIL
from tests.browser.conftest import PHONE, login

pytestmark = pytest.mark.browser

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
WRITE = os.environ.get("WRITE_DOCS_SCREENSHOTS") == "1"


def shoot(target, name: str) -> None:
    """A page (its viewport) or one element of it, as docs/images/<name>.png."""
    if WRITE:
        IMAGES.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=IMAGES / f"{name}.png")


@pytest.fixture
def demo_clinic(settings):
    settings.DEBUG = True  # seed_demo refuses otherwise
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False


def weekday(day: datetime.date) -> datetime.date:
    """The day itself, or the Monday after a weekend: the demo clinic is closed then."""
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def test_the_front_desks_day(page, live_server, demo_clinic):
    login(page, live_server, FRONT_DESK_EMAIL, DEMO_PASSWORD)
    day = weekday(timezone.localdate())
    page.goto(f"{live_server.url}/calendar/?date={day:%Y-%m-%d}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("text=Mei Lin Chen >> visible=true").first).to_be_visible()
    # Every page names its icon, and the icon is served.
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(f"{live_server.url}{icon}").ok
    shoot(page, "front-desk-day")


def test_a_practitioners_session(page, live_server, demo_clinic):
    from patients.models import Patient
    from practitioners.models import Practitioner
    from sessions import services
    from tests.factories.patients import uncautioned

    login(page, live_server, PRACTITIONER_EMAIL, DEMO_PASSWORD)
    expect(page.get_by_test_id("home-today")).to_be_visible()
    shoot(page, "practitioner-home")

    # A record opened for a patient without contraindications (consent on file), and the saved
    # protocol applied from the record page.
    practitioner = Practitioner.objects.get(user__email=PRACTITIONER_EMAIL)
    # Consent on file: no consent banner on the record.
    patient = uncautioned(Patient.objects.active(), consents__isnull=False)
    session = services.start_session(
        patient=patient, practitioner=practitioner, by=practitioner.user
    )
    page.goto(f"{live_server.url}/records/{session.uuid}/step/needles/")
    needling = page.locator("#section-needles")
    needling.get_by_label("Saved protocol").select_option(label="Lumbar strain")
    needling.get_by_role("button", name="Apply").click()
    expect(page.locator("#section-needles")).to_contain_text("4 points added")
    shoot(page.locator("#section-needles"), "practitioner-needling")
    page.get_by_role("navigation", name="Steps of the record").get_by_role(
        "link", name=re.compile("Sign")
    ).click()
    sign = page.locator("#section-sign")
    expect(sign.get_by_test_id("sign-summary-needles")).to_contain_text("7 needles")
    shoot(sign, "practitioner-sign")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_the_patient_portal_on_a_phone(page, live_server, demo_clinic):
    login(page, live_server, PATIENT_EMAIL, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Zoë")).to_be_visible()
    shoot(page, "portal-home")
    page.goto(f"{live_server.url}/portal/history/")
    expect(page.get_by_test_id("next-questionnaire")).to_be_visible()
    shoot(page, "portal-history")


def test_the_guide_shows_every_screenshot():
    guide = (IMAGES.parent / "user-guide.md").read_text()
    for name in (
        "front-desk-day", "practitioner-home", "practitioner-needling", "practitioner-sign",
        "portal-home", "portal-history",
    ):  # fmt: skip
        assert f"images/{name}.png" in guide
        assert (IMAGES / f"{name}.png").exists()
