"""Front desk, end to end in a real browser: log in, find a patient, register
someone who shares that patient's name and date of birth."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from patients.models import Patient
from tests.browser.conftest import login
from tests.factories import PatientFactory
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def zoe(db):
    return PatientFactory(
        first_name="Zoë", last_name="Müller", date_of_birth=datetime.date(1980, 3, 14)
    )


@pytest.fixture
def someone_else(db):
    return PatientFactory(first_name="Alan", last_name="Smith")


def test_it_lets_front_desk_find_a_patient_and_register_a_namesake(
    page, live_server, front_desk, zoe, someone_else
):
    # Log in through the form and land on the front desk's home page.
    login(page, live_server, front_desk.email, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Front desk")
    menu = page.get_by_role("navigation", name="Main").get_by_role("list").get_by_role("link")
    expect(menu).to_have_text(
        [
            "Home", "Calendar", "Patients", "Find a time", "Waitlist", "Treatment floor",
            "Billing", "Practice reports", "Practitioners",
        ]
    )  # fmt: skip
    expect(menu.get_by_text("Clinic admin")).to_have_count(0)

    # Search by a partial name without accents: the list narrows as one types (htmx).
    menu.get_by_text("Patients", exact=True).click()
    expect(page.get_by_role("heading", name="Patients", level=1)).to_be_visible()
    table = page.get_by_role("table", name="Patients")
    rows = table.get_by_role("row").filter(has=page.get_by_role("cell"))
    expect(rows).to_have_count(2)
    page.get_by_label("Search patients").press_sequentially("zoe mull", delay=30)
    expect(page.get_by_test_id("result-count")).to_contain_text("1 patient matching “zoe mull”")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(zoe.patient_number)
    expect(page).to_have_url(
        re.compile(r"[?&]q=zoe(\+|%20)mull")
    )  # the live search kept the URL in step
    # htmx keeps no copy of the list (names, numbers) in the browser's storage.
    assert page.evaluate("window.localStorage.getItem('htmx-history-cache')") is None

    # Back returns to the list before the search, asked afresh as a whole page.
    page.go_back()
    expect(page.get_by_role("heading", name="Patients", level=1)).to_be_visible()
    expect(rows).to_have_count(2)
    page.go_forward()
    expect(page.get_by_test_id("result-count")).to_contain_text("1 patient matching “zoe mull”")
    expect(rows).to_have_count(1)

    # Open the patient.
    rows.first.get_by_role("link", name="Zoë Müller").click()
    expect(page).to_have_url(f"{live_server.url}/patients/{zoe.uuid}/")
    expect(page.get_by_role("heading", name="Zoë Müller", level=1)).to_be_visible()
    expect(page.get_by_text(f"{zoe.patient_number} · born 14 March 1980")).to_be_visible()

    # Register a new patient with the same name and date of birth.
    menu.get_by_text("Patients", exact=True).click()
    page.get_by_role("link", name="New patient").click()
    expect(page.get_by_role("heading", name="New patient", level=1)).to_be_visible()
    page.get_by_label("Legal first name").fill("Zoë")
    page.get_by_label("Legal last name").fill("Müller")
    page.get_by_label("Date of birth").fill("1980-03-14")
    page.get_by_label("Sex").select_option(label="Female")
    page.get_by_label("Phone", exact=True).fill("07700 900999")
    page.get_by_label("E-mail", exact=True).fill("zoe.two@example.net")
    expect(page.get_by_label("Preferred way to contact")).to_have_value("email")
    page.get_by_role("button", name="Add patient").click()

    # Warned first, naming the record that already exists; nothing saved yet.
    warning = page.get_by_test_id("duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(zoe.patient_number)
    expect(warning.get_by_role("link", name="Zoë Müller")).to_be_visible()
    assert Patient.objects.filter(first_name_folded="zoe", last_name_folded="muller").count() == 1

    # Confirm it is a different person and submit again.
    page.get_by_label("I have checked the records above: this is a different person.").check()
    page.get_by_role("button", name="Add patient").click()

    expect(page).to_have_url(re.compile(r"/patients/[0-9a-f-]{36}/$"))
    assert page.url != f"{live_server.url}/patients/{zoe.uuid}/"
    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"Zoë Müller was added as P\d+\."))
    expect(page.get_by_role("heading", name="Zoë Müller", level=1)).to_be_visible()
    assert Patient.objects.filter(first_name_folded="zoe", last_name_folded="muller").count() == 2
