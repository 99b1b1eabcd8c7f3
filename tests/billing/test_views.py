"""The front desk's billing pages over HTTP: account, invoice, payments,
refunds, voiding, credit notes, packages; fixed query counts."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services
from billing.models import BillingSettings, Invoice, Package, Payment
from clinic.models import ClinicSettings
from tests.factories.billing import billed_visit, issued_invoice

D = Decimal


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


def page_text(response):
    return response.content.decode()


@pytest.mark.django_db
def test_part_in_cash_then_the_rest_by_card(desk, front_desk):
    _, line = billed_visit(by=front_desk)
    url = f"/billing/invoices/{line.invoice.uuid}/"
    response = desk.post(
        url + "pay/", {"method": "cash", "amount": "20", "expected_balance": "60.00"}
    )
    assert response.status_code == 302
    response = desk.post(
        url + "pay/", {"method": "card", "amount": "40", "expected_balance": "40.00"}
    )
    assert response.status_code == 302
    assert services.amounts(line.invoice).balance == 0
    assert "(paid)" in page_text(desk.get(url))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "greater than or equal to 0.01"),
        ("10.005", "no more than 2 decimal places"),
        ("lots", "Enter a number"),
        ("70", "tick the confirmation"),
    ],
)
def test_bad_payments_are_refused_on_the_form(desk, front_desk, amount, message):
    invoice = issued_invoice(by=front_desk)
    response = desk.post(
        f"/billing/invoices/{invoice.uuid}/pay/",
        {"method": "cash", "amount": amount, "expected_balance": "60.00"},
    )
    assert response.status_code == 200
    assert message in page_text(response)
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_an_overpayment_with_confirmation_becomes_credit(desk, front_desk):
    invoice = issued_invoice(by=front_desk)
    response = desk.post(
        f"/billing/invoices/{invoice.uuid}/pay/",
        {
            "method": "cash",
            "amount": "70",
            "expected_balance": "60.00",
            "keep_excess_as_credit": "on",
        },
    )
    assert response.status_code == 302
    assert services.account_credit(invoice.patient) == D("10.00")


@pytest.mark.django_db
def test_a_refund_larger_than_the_payment_is_refused(desk, front_desk):
    invoice = issued_invoice(by=front_desk)
    payment = services.take_payment(invoice=invoice, method="card", amount=D("30"), by=front_desk)
    response = desk.post(
        f"/billing/payments/{payment.uuid}/refund/", {"amount": "31", "reason": "x"}
    )
    assert response.status_code == 200
    assert "At most 30.00 of this payment can be refunded" in page_text(response)
    response = desk.post(
        f"/billing/payments/{payment.uuid}/refund/", {"amount": "30", "reason": "x"}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_void_and_credit_note(desk, front_desk):
    invoice = issued_invoice(by=front_desk)
    url = f"/billing/invoices/{invoice.uuid}/"
    assert (
        desk.post(url + "credit-note/", {"amount": "10", "reason": "Discount"}).status_code == 302
    )
    assert desk.post(url + "void/", {"reason": ""}).status_code == 200  # asks for a reason
    assert desk.post(url + "void/", {"reason": "Wrong patient"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "void"
    response = desk.post(url + "pay/", {"method": "cash", "amount": "5", "expected_balance": "0"})
    assert "is void" in page_text(response)


@pytest.mark.django_db
def test_sell_a_package_and_redeem_it_at_the_next_visit(desk, front_desk):
    visit, line = billed_visit(by=front_desk)
    patient = visit.patient
    services.take_payment(invoice=line.invoice, method="card", amount=D("60"), by=front_desk)
    expires = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    response = desk.post(
        f"/billing/patients/{patient.uuid}/packages/",
        {"name": "Course of 6", "treatments": "6", "price": "300", "expires_on": expires},
    )
    assert response.status_code == 302
    package = Package.objects.get()
    draft = Invoice.objects.get(patient=patient, status="draft")
    services.take_payment(invoice=draft, method="card", amount=D("300"), by=front_desk)

    later = visit.start_at + datetime.timedelta(days=7)
    next_visit, next_line = billed_visit(by=front_desk, patient=patient, start_at=later)
    response = desk.post(
        f"/billing/invoices/{next_line.invoice.uuid}/redeem/",
        {"package": str(package.uuid), "appointment": str(next_visit.uuid)},
    )
    assert response.status_code == 302, page_text(response)
    package.refresh_from_db()
    assert package.remaining == 5
    assert services.amounts(next_line.invoice).balance == 0
    fragment = desk.get(f"/billing/patients/{patient.uuid}/packages/balance/")
    assert "5</span> of 6 treatments left" in page_text(fragment)


@pytest.mark.django_db
def test_an_item_goes_on_the_draft_and_can_be_removed_with_a_reason(desk, front_desk):
    _, line = billed_visit(by=front_desk)
    patient = line.invoice.patient
    response = desk.post(
        f"/billing/patients/{patient.uuid}/items/",
        {"description": "Heat pack", "unit_price": "12.50", "quantity": "2"},
    )
    assert response.status_code == 302
    item = line.invoice.lines.get(kind="item")
    assert item.total == D("25.00")
    url = f"/billing/invoices/{line.invoice.uuid}/lines/{item.pk}/remove/"
    desk.post(url, {"reason": ""})
    assert line.invoice.lines.filter(pk=item.pk).exists()
    desk.post(url, {"reason": "Not wanted"})
    assert not line.invoice.lines.filter(pk=item.pk).exists()


@pytest.mark.django_db
def test_the_invoice_page_makes_a_fixed_number_of_queries(
    desk, front_desk, django_assert_num_queries
):
    invoice = issued_invoice(by=front_desk)
    for _ in range(3):
        services.take_payment(invoice=invoice, method="cash", amount=D("5"), by=front_desk)
    ClinicSettings.load()
    # session, user, invoice (access), invoice with amounts, lines, payments, refunds,
    # credit notes, packages, account credit, clinic settings, billing settings,
    # and the session refresh (savepoint, save, release)
    with django_assert_num_queries(15):
        assert desk.get(f"/billing/invoices/{invoice.uuid}/").status_code == 200


@pytest.mark.django_db
def test_the_account_page_makes_a_fixed_number_of_queries(
    desk, front_desk, django_assert_num_queries
):
    invoice = issued_invoice(by=front_desk)
    for n in range(3):
        issued_invoice(
            by=front_desk,
            patient=invoice.patient,
            start_at=invoice.issued_at + datetime.timedelta(days=n + 1),
        )
    services.take_payment(invoice=invoice, method="cash", amount=D("5"), by=front_desk)
    with django_assert_num_queries(11):
        response = desk.get(f"/billing/patients/{invoice.patient.uuid}/")
    assert response.status_code == 200
    assert "5.00" in page_text(response)


@pytest.mark.django_db
def test_the_patient_sees_their_own_bills_and_downloads_their_receipt(
    client, front_desk, patient_a, patient_b, django_assert_num_queries
):
    own = issued_invoice(by=front_desk, patient=patient_a)
    services.take_payment(invoice=own, method="card", amount=D("20"), by=front_desk)
    other = issued_invoice(by=front_desk, patient=patient_b)
    billed_visit(by=front_desk, patient=patient_a, start_at=own.issued_at)  # a draft: not shown
    client.force_login(patient_a.user)
    BillingSettings.load()
    # session, user, patient, invoices, payments, packages, credit, settings, session refresh (3)
    with django_assert_num_queries(11):
        page = client.get("/portal/billing/")
    text = page.content.decode()
    assert own.display_number in text and "40.00 to pay" in text
    assert other.display_number not in text
    assert len(page.context["invoices"]) == 1
    receipt = client.get(f"/billing/invoices/{own.uuid}/receipt.pdf")
    assert receipt.content.startswith(b"%PDF")
    assert client.get(f"/billing/invoices/{other.uuid}/receipt.pdf").status_code == 404
    assert client.get(f"/billing/invoices/{own.uuid}/").status_code == 403  # staff page
