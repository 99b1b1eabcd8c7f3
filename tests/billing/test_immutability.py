"""PostgreSQL keeps issued invoices, their lines, credit notes, payments and
refunds as they were: corrections are credit notes, mistakes are voided."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from billing import services
from billing.models import CreditNote, Invoice, InvoiceLine, Payment, Refund
from tests.factories.billing import billed_visit, issued_invoice

REFUSED = (InternalError, ProgrammingError, IntegrityError)


def sql(statement, *params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def invoice(front_desk):
    return issued_invoice(by=front_desk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE billing_invoice SET total = total + 1, subtotal = subtotal + 1 WHERE id = %s",
        "UPDATE billing_invoice SET number = 999 WHERE id = %s",
        "UPDATE billing_invoice SET status = 'draft', number = NULL, issued_at = NULL WHERE id = %s",
        "UPDATE billing_invoice SET patient_id = patient_id WHERE id = %s",  # even a no-op
        "DELETE FROM billing_invoice WHERE id = %s",
    ],
)
def test_an_issued_invoice_refuses_change_and_delete(invoice, statement):
    params = (invoice.pk,) * statement.count("%s")
    with pytest.raises(REFUSED, match="never"):
        sql(statement, *params)
    invoice.refresh_from_db()
    assert (invoice.number, invoice.total, invoice.status) == (1, Decimal("60.00"), "issued")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE billing_invoiceline SET unit_price = 1, net = 1, total = 1 WHERE invoice_id = %s",
        "DELETE FROM billing_invoiceline WHERE invoice_id = %s",
        "INSERT INTO billing_invoiceline (invoice_id, kind, description, quantity, unit_price, "
        "tax_rate, net, tax, total, created_at) VALUES (%s, 'item', 'x', 1, 5, 0, 5, 0, 5, now())",
    ],
)
def test_the_lines_of_an_issued_invoice_are_final(invoice, statement):
    with pytest.raises(REFUSED, match="issued"):
        sql(statement, invoice.pk)
    assert InvoiceLine.objects.get(invoice=invoice).total == Decimal("60.00")


@pytest.mark.django_db
def test_voiding_sets_only_the_void_fields_and_then_nothing_changes(invoice, front_desk):
    services.void_invoice(invoice=invoice, by=front_desk, reason="Billed the wrong patient")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.void_reason) == (
        "void",
        1,
        "Billed the wrong patient",
    )
    with pytest.raises(REFUSED, match="never changes"):
        sql("UPDATE billing_invoice SET void_reason = 'other' WHERE id = %s", invoice.pk)
    with pytest.raises(REFUSED, match="never changes"):
        sql(
            "UPDATE billing_invoice SET status = 'issued', voided_at = NULL, void_reason = '', voided_by_id = NULL WHERE id = %s",
            invoice.pk,
        )


@pytest.mark.django_db
def test_voiding_with_another_change_is_refused(invoice):
    with pytest.raises(REFUSED, match="never changes"):
        sql(
            "UPDATE billing_invoice SET status = 'void', voided_at = now(), void_reason = 'x', "
            "total = 0, subtotal = 0 WHERE id = %s",
            invoice.pk,
        )


@pytest.mark.django_db
def test_a_draft_cannot_be_issued_with_totals_other_than_its_lines(front_desk):
    _, line = billed_visit(by=front_desk)
    with pytest.raises(IntegrityError, match="totals of its lines"):
        sql(
            "UPDATE billing_invoice SET status = 'issued', number = 77, issued_at = now(), "
            "subtotal = 1, total = 1 WHERE id = %s",
            line.invoice_id,
        )


@pytest.mark.django_db
def test_a_draft_and_its_lines_may_still_change(front_desk):
    _, line = billed_visit(by=front_desk)
    services.remove_line(line=line, by=front_desk, reason="Booked in error")
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_credit_notes_payments_and_refunds_are_append_only(invoice, front_desk):
    services.issue_credit_note(
        invoice=invoice, amount=Decimal("10"), reason="Discount", by=front_desk
    )
    payment = services.take_payment(
        invoice=invoice, method="cash", amount=Decimal("20"), by=front_desk
    )
    services.refund_payment(
        payment=payment, amount=Decimal("5"), reason="Overcharged", by=front_desk
    )
    for model in (CreditNote, Payment, Refund):
        table = model._meta.db_table
        with pytest.raises(REFUSED, match="append-only"):
            sql(f"UPDATE {table} SET amount = amount + 1")  # noqa: S608
        with pytest.raises(REFUSED, match="append-only"):
            sql(f"DELETE FROM {table}")  # noqa: S608
        assert model.objects.count() == 1


@pytest.mark.django_db
def test_a_payment_on_a_draft_or_void_invoice_is_refused_by_the_database(front_desk):
    _, line = billed_visit(by=front_desk)
    with pytest.raises(IntegrityError, match="not issued"):
        sql(
            "INSERT INTO billing_payment (uuid, invoice_id, method, amount, credited, reference, "
            "taken_at) VALUES (gen_random_uuid(), %s, 'cash', 5, 0, '', now())",
            line.invoice_id,
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [("unit_price", "-1"), ("quantity", "0"), ("tax_rate", "101")],
)
def test_amounts_are_checked_by_the_database(front_desk, column, value):
    _, line = billed_visit(by=front_desk)
    with pytest.raises(IntegrityError):
        sql(f"UPDATE billing_invoiceline SET {column} = %s WHERE id = %s", value, line.pk)  # noqa: S608
