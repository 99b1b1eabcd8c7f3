"""Each role sees its own menu; the layout works on a phone; nothing comes from a CDN."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login
from tests.factories import PatientFactory
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.browser

MENUS = {
    "clinic_admin": [
        "Home", "Calendar", "Patients", "Find a time", "Waitlist", "Billing", "Practice reports",
        "Practitioners", "Audit trail", "Clinic admin",
    ],
    "front_desk": [
        "Home", "Calendar", "Patients", "Find a time", "Waitlist", "Treatment floor", "Billing",
        "Practice reports", "Practitioners",
    ],
    "practitioner": [
        "Home", "Today", "Calendar", "Patients", "Find a time", "Treatment floor", "Protocols",
        "Outcomes",
        "Practitioners",
    ],
    "patient": ["Home", "Book online", "History", "Progress", "Documents", "Export", "Bills"],
}  # fmt: skip


def main_menu(page):
    return page.get_by_role("navigation", name="Main").get_by_role("list").get_by_role("link")


@pytest.fixture
def requested_urls(page):
    """Every URL the page asks for, sub-resources included."""
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


@pytest.mark.parametrize("role", MENUS)
def test_it_shows_each_role_exactly_its_own_menu(page, live_server, personas, role, requested_urls):
    user = personas[role]
    login(page, live_server, user.email, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("signed-in-as")).to_contain_text(user.full_name)
    expect(main_menu(page)).to_have_text(MENUS[role])
    expect(main_menu(page).get_by_text("Home", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    assert requested_urls, "the request listener saw nothing"
    elsewhere = [url for url in requested_urls if not url.startswith(f"{live_server.url}/")]
    assert elsewhere == [], "requests left the app (a CDN?)"


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_it_fits_a_phone_with_a_keyboard_friendly_menu(
    page, live_server, front_desk, requested_urls
):
    PatientFactory.create_batch(3)
    PatientFactory(first_name="Maximiliana-Josefina", last_name="Featherstonehaugh-Wolfeschlegel")
    login(page, live_server, front_desk.email, PASSWORD)

    # The menu is collapsed behind the toggler...
    toggler = page.get_by_role("button", name="Show menu")
    menu = page.locator(f"#{toggler.get_attribute('aria-controls')}")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    # ...and the keyboard opens it (once Bootstrap's script, last in the page, has run).
    page.wait_for_load_state("load")
    toggler.focus()
    page.keyboard.press("Enter")
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(main_menu(page)).to_have_text(MENUS["front_desk"])

    # The patient list fits the screen: no sideways scrolling.
    main_menu(page).get_by_text("Patients", exact=True).click()
    expect(
        page.get_by_role("link", name="Maximiliana-Josefina Featherstonehaugh-Wolfeschlegel")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    )

    elsewhere = [url for url in requested_urls if not url.startswith(f"{live_server.url}/")]
    assert elsewhere == [], "requests left the app (a CDN?)"
