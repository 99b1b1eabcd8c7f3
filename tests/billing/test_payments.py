"""Payments: partial, overpaid (kept as credit only when confirmed), paid from
account credit; refunds against a payment; each audited; nothing partial when
refused; two clerks paying one invoice at once."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from audit.models import AuditEvent
from billing import services
from billing.models import CreditEntry, Invoice, Payment, Refund
from billing.services import BillingError, take_payment
from tests.factories.billing import billed_visit, issued_invoice

D = Decimal


def balance(invoice):
    return services.amounts(invoice).balance


@pytest.fixture
def invoice(front_desk):
    return issued_invoice(by=front_desk)  # 60.00


@pytest.mark.django_db
def test_it_takes_part_in_cash_and_the_rest_by_card(invoice, front_desk):
    take_payment(invoice=invoice, method="cash", amount=D("20"), by=front_desk)
    assert balance(invoice) == D("40.00")
    take_payment(invoice=invoice, method="card", amount=D("40.00"), by=front_desk)
    assert balance(invoice) == 0
    assert AuditEvent.objects.filter(action="billing.payment.taken").count() == 2


@pytest.mark.django_db
def test_paying_a_draft_issues_it_first(front_desk):
    _, line = billed_visit(by=front_desk)
    take_payment(invoice=line.invoice, method="card", amount=D("60"), by=front_desk)
    line.invoice.refresh_from_db()
    assert (line.invoice.status, line.invoice.number) == ("issued", 1)


@pytest.mark.django_db
def test_an_overpayment_needs_confirmation_then_becomes_account_credit(invoice, front_desk):
    with pytest.raises(BillingError, match=r"more than the balance of 60\.00"):
        take_payment(invoice=invoice, method="cash", amount=D("70"), by=front_desk)
    assert not Payment.objects.exists()

    payment = take_payment(
        invoice=invoice, method="cash", amount=D("70"), by=front_desk, keep_excess_as_credit=True
    )
    assert (payment.amount, payment.credited) == (D("60.00"), D("10.00"))
    assert services.account_credit(invoice.patient) == D("10.00")
    assert CreditEntry.objects.get().kind == "overpayment"


@pytest.mark.django_db
def test_account_credit_pays_a_later_invoice_and_never_goes_below_zero(invoice, front_desk):
    take_payment(
        invoice=invoice, method="card", amount=D("75"), by=front_desk, keep_excess_as_credit=True
    )
    later = issued_invoice(by=front_desk, patient=invoice.patient, start_at=invoice.issued_at)
    with pytest.raises(BillingError, match=r"15\.00 of account credit"):
        take_payment(invoice=later, method="account_credit", amount=D("20"), by=front_desk)
    take_payment(invoice=later, method="account_credit", amount=D("15"), by=front_desk)
    assert services.account_credit(invoice.patient) == 0
    assert balance(later) == D("45.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [(D("-5"), "more than zero"), (D("0"), "more than zero"), (D("10.005"), "two decimal")],
)
def test_bad_amounts_are_refused(invoice, front_desk, amount, message):
    with pytest.raises(BillingError, match=message):
        take_payment(invoice=invoice, method="cash", amount=amount, by=front_desk)
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_void_invoice_cannot_be_paid(invoice, front_desk):
    services.void_invoice(invoice=invoice, by=front_desk, reason="Wrong patient")
    with pytest.raises(BillingError, match="void"):
        take_payment(invoice=invoice, method="cash", amount=D("10"), by=front_desk)


@pytest.mark.django_db
def test_a_paid_invoice_cannot_be_voided_until_refunded(invoice, front_desk):
    payment = take_payment(invoice=invoice, method="cash", amount=D("60"), by=front_desk)
    with pytest.raises(BillingError, match="refund them"):
        services.void_invoice(invoice=invoice, by=front_desk, reason="Wrong patient")
    services.refund_payment(payment=payment, amount=D("60"), reason="Wrong patient", by=front_desk)
    services.void_invoice(invoice=invoice, by=front_desk, reason="Wrong patient")
    assert Invoice.objects.get().status == "void"


@pytest.mark.django_db
def test_a_refund_is_never_more_than_the_payment(invoice, front_desk):
    payment = take_payment(invoice=invoice, method="card", amount=D("30"), by=front_desk)
    services.refund_payment(payment=payment, amount=D("20"), reason="Goodwill", by=front_desk)
    with pytest.raises(BillingError, match=r"At most 10.00 .*20.00 already refunded"):
        services.refund_payment(payment=payment, amount=D("10.01"), reason="x", by=front_desk)
    assert Refund.objects.count() == 1
    assert balance(invoice) == D("50.00")
    assert AuditEvent.objects.filter(action="billing.payment.refunded").count() == 1


@pytest.mark.django_db
def test_a_refund_needs_a_reason(invoice, front_desk):
    payment = take_payment(invoice=invoice, method="card", amount=D("30"), by=front_desk)
    with pytest.raises(BillingError, match="Say why"):
        services.refund_payment(payment=payment, amount=D("5"), reason="  ", by=front_desk)


@pytest.mark.django_db
def test_a_credit_note_reduces_the_balance_up_to_the_total(invoice, front_desk):
    services.issue_credit_note(invoice=invoice, amount=D("15"), reason="Discount", by=front_desk)
    assert balance(invoice) == D("45.00")
    with pytest.raises(BillingError, match=r"At most 45\.00"):
        services.issue_credit_note(invoice=invoice, amount=D("50"), reason="x", by=front_desk)


@pytest.mark.django_db
def test_a_payment_is_refused_when_the_balance_changed_since_the_page_was_shown(
    invoice, front_desk
):
    take_payment(invoice=invoice, method="cash", amount=D("20"), by=front_desk)
    with pytest.raises(
        BillingError, match=r"Someone else changed .* now 40\.00\. Nothing was taken"
    ):
        take_payment(
            invoice=invoice,
            method="card",
            amount=D("60"),
            by=front_desk,
            expected_balance=D("60.00"),
        )
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clerks_paying_one_invoice_at_once_take_it_once(front_desk):
    invoice = issued_invoice(by=front_desk)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def pay(method):
        try:
            barrier.wait(timeout=10)
            take_payment(
                invoice=invoice,
                method=method,
                amount=D("60.00"),
                by=front_desk,
                expected_balance=D("60.00"),
            )
            result = "paid"
        except BillingError as error:
            result = error.message
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=pay, args=(m,)) for m in ("cash", "card")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes)[-1] == "paid"
    assert "Someone else changed" in sorted(outcomes)[0]
    assert Payment.objects.count() == 1
    assert services.amounts(invoice).balance == 0
