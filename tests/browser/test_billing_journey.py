"""Billing, end to end in a real browser (issue 15's "Done when"): the front desk
completes a visit, takes part of it in cash and the rest by card, prints the
receipt, sells a package and redeems it at the next visit; the patient
downloads their insurance receipt in the portal."""

import datetime
import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Fee, Invoice, Package, Payment
from tests.browser.conftest import login
from tests.factories import PatientFactory, UserFactory
from tests.factories.accounts import PASSWORD
from tests.factories.scheduling import AppointmentFactory, AppointmentTypeFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def visits(db, practitioner):
    """Two of today's visits of one patient, both in treatment; a £60 fee."""
    importlib.import_module("billing.migrations.0002_issued_documents_are_final").seed_codes(
        apps, None
    )
    kind = AppointmentTypeFactory()
    Fee.objects.create(appointment_type=kind, amount=Decimal("60.00"))
    user = UserFactory(patient=True, email="sam@patient.test", full_name="Sam Payer")
    patient = PatientFactory(first_name="Sam", last_name="Payer", user=user)
    now = timezone.now()
    return [
        AppointmentFactory(
            patient=patient,
            practitioner=practitioner,
            appointment_type=kind,
            status="in_treatment",
            start_at=now - datetime.timedelta(minutes=minutes),
        )
        for minutes in (120, 50)
    ]


def complete(page, live_server, appointment):
    page.goto(f"{live_server.url}/calendar/appointments/{appointment.uuid}/")
    page.get_by_role("button", name="Mark completed").click()
    expect(page.get_by_test_id("appointment-status")).to_contain_text("Completed")
    # The billing summary arrives by htmx, with the way to the patient's account.
    summary = page.get_by_test_id("billing-summary")
    expect(summary).to_be_visible()
    return summary


def pay(page, method, amount=None):
    form = page.get_by_test_id("payment-form")
    form.get_by_label("Paid by").select_option(label=method)
    if amount is not None:
        form.get_by_label("Amount").fill(amount)
    form.get_by_role("button", name="Take payment").click()


def test_front_desk_bills_a_visit_sells_a_package_and_the_patient_gets_a_superbill(
    page, live_server, front_desk, visits
):
    first, second = visits
    login(page, live_server, front_desk.email, PASSWORD)

    # Completing the visit puts it on the patient's draft invoice.
    summary = complete(page, live_server, first)
    summary.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Account: Sam Payer")
    page.get_by_role("link", name="Draft invoice").click()
    expect(page.get_by_test_id("invoice-line")).to_contain_text("£60.00")

    # Part in cash, the rest by card: the amount offered is what is still owed.
    pay(page, "Cash", "20")
    expect(page.get_by_role("alert").first).to_contain_text("Cash payment of 20.00 taken")
    expect(page.get_by_test_id("invoice-balance")).to_contain_text("£40.00")
    expect(page.get_by_test_id("payment-form").get_by_label("Amount")).to_have_value("40.00")
    pay(page, "Card")
    expect(page.get_by_test_id("invoice-balance")).to_contain_text("(paid)")

    # The receipt: printable page (Print button) and its PDF.
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Receipt PDF").click()
    assert download.value.suggested_filename == "receipt-INV-000001.pdf"

    # Sell a course of six and take its price by card.
    page.get_by_role("link", name="Patient's account").click()
    page.get_by_label("Number of treatments").fill("6")
    page.get_by_role("spinbutton", name=re.compile(r"^Price\W*$")).fill("300")
    page.get_by_role("button", name="Sell package").click()
    expect(page.get_by_test_id("invoice-line")).to_contain_text("6 treatments")
    pay(page, "Card")
    expect(page.get_by_test_id("invoice-balance")).to_contain_text("(paid)")

    # The next visit is paid from the package.
    summary = complete(page, live_server, second)
    expect(summary.get_by_test_id("package-remaining")).to_have_text("6")
    summary.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Draft invoice").click()
    page.get_by_role("button", name="Redeem one treatment").click()
    expect(page.get_by_role("alert").first).to_contain_text("redeemed")
    expect(page.get_by_test_id("invoice-balance")).to_contain_text("(paid)")
    assert Package.objects.get().remaining == 5
    assert sorted(Payment.objects.values_list("method", flat=True)) == [
        "card", "card", "cash", "package",
    ]  # fmt: skip
    assert list(Invoice.objects.values_list("number", flat=True).order_by("number")) == [1, 2, 3]

    # The patient downloads the insurance receipt of the first visit.
    page.get_by_role("button", name="Fran").click()
    page.get_by_role("button", name="Log out").click()
    login(page, live_server, "sam@patient.test", PASSWORD)
    page.get_by_role("link", name="Bills").click()
    expect(page.get_by_test_id("portal-invoice")).to_have_count(3)
    first_invoice = page.get_by_test_id("portal-invoice").filter(has_text="INV-000001")
    with page.expect_download() as download:
        first_invoice.get_by_role("link", name="Insurance receipt (PDF)").click()
    assert download.value.suggested_filename == "superbill-INV-000001.pdf"
