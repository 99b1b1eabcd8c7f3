"""Informed consent in a real browser, on a phone-sized screen: the front desk
opens a patient's consent page from the patient's page and records consent
with a signature drawn on the pad (static/js/signature-pad.js), or, from the
keyboard alone, with a typed name the signer confirms."""

import pytest
from playwright.sync_api import expect

from patients.models import Consent
from tests.browser.conftest import PHONE, login
from tests.factories import PatientFactory
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def nia(db):
    return PatientFactory(first_name="Nia", last_name="Needles")


def open_consent_page(page, live_server, user, patient):
    login(page, live_server, user.email, PASSWORD)
    page.goto(f"{live_server.url}/patients/{patient.uuid}/")
    expect(page.get_by_test_id("consent-status")).to_contain_text("Not recorded")
    page.get_by_test_id("consent-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Informed consent")
    expect(page.get_by_test_id("consent-problem")).to_contain_text("No informed consent on file")


def test_it_records_a_signature_drawn_on_the_pad(page, live_server, front_desk, nia):
    open_consent_page(page, live_server, front_desk, nia)
    canvas = page.locator("canvas[data-signature-canvas]")
    # Each way of signing shows its own fields.
    expect(page.get_by_label("Signer's full name")).to_be_visible()
    expect(canvas).to_be_hidden()
    page.get_by_label("Signature drawn on the screen").check()
    expect(canvas).to_be_visible()
    expect(page.get_by_label("Signer's full name")).to_be_hidden()
    box = canvas.bounding_box()
    assert box["width"] <= PHONE["width"]  # the pad fits the phone's screen
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(
            box["x"] + 20 + step * 25, box["y"] + box["height"] * (0.3 + (step % 2) * 0.4)
        )
    page.mouse.up()

    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("alert").first).to_contain_text("Consent recorded for Nia Needles")
    expect(page.get_by_test_id("consent-ok")).to_contain_text("consent text version 1")
    signature = page.get_by_role("img", name="Signature drawn by the patient")
    expect(signature).to_be_visible()
    consent = Consent.objects.get(patient=nia)
    assert consent.signature_method == "drawn"
    assert consent.signature_image.startswith("data:image/png;base64,iVBORw0KGgo")


def test_it_records_a_typed_name_from_the_keyboard(page, live_server, practitioner, nia):
    open_consent_page(page, live_server, practitioner.user, nia)
    # "Drawn" with nothing drawn: the page says what is missing, nothing is saved.
    page.get_by_label("Signature drawn on the screen").check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_test_id("signature-error")).to_contain_text("Draw the signature in the box")
    assert not Consent.objects.exists()

    page.get_by_label("Typed full name, confirmed by the signer").check()
    page.get_by_label("Signer's full name").fill("Nia Needles")
    page.get_by_label("The signer has read the consent text").press("Space")
    page.get_by_label("Signer's full name").press("Enter")
    expect(page.get_by_test_id("consent-ok")).to_be_visible()
    expect(page.get_by_test_id("consent-history")).to_contain_text("Typed: Nia Needles (confirmed)")
    assert Consent.objects.get(patient=nia).typed_name == "Nia Needles"
