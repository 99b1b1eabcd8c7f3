"""What the billing pages show, read in a fixed number of queries whatever the
number of invoices: the patient's account and one invoice."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from billing.models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    Package,
    PatientAccount,
    Payment,
    Refund,
)
from billing.money import ZERO


@dataclass
class Account:
    patient: object
    invoices: list
    payments: list
    packages: list
    credit: Decimal
    owed: Decimal = ZERO  # sum of issued invoices' balances
    draft_total: Decimal = ZERO
    net: Decimal = field(default=ZERO)  # owed less account credit


def patient_account(patient) -> Account:
    """Invoices (with balances), payments, packages and credit: four queries."""
    invoices = list(
        Invoice.objects.with_amounts()
        .with_lines_total()
        .filter(patient=patient)
        .order_by("-created_at", "-id")
    )
    payments = list(
        Payment.objects.with_refunded()
        .filter(invoice__patient=patient)
        .select_related("invoice", "package")
        .order_by("-taken_at", "-id")
    )
    packages = list(Package.objects.filter(patient=patient).order_by("-sold_at"))
    credit = (
        PatientAccount.objects.filter(patient=patient).values_list("credit", flat=True).first()
        or ZERO
    )
    owed = sum((i.balance for i in invoices if i.is_issued), ZERO)
    drafts = sum((i.lines_total for i in invoices if i.is_draft), ZERO)
    return Account(
        patient=patient,
        invoices=invoices,
        payments=payments,
        packages=packages,
        credit=credit,
        owed=owed,
        draft_total=drafts,
        net=owed - credit,
    )


@dataclass
class InvoicePage:
    invoice: Invoice
    lines: list
    payments: list
    refunds: list
    credit_notes: list
    packages: list
    credit: Decimal
    visits: list  # visit lines a package may still pay for


def invoice_page(invoice: Invoice) -> InvoicePage:
    invoice = Invoice.objects.with_amounts().select_related("patient").get(pk=invoice.pk)
    lines = list(
        InvoiceLine.objects.filter(invoice=invoice).select_related(
            "appointment__practitioner__user"
        )
    )
    payments = list(
        Payment.objects.with_refunded()
        .filter(invoice=invoice)
        .select_related("package", "taken_by")
    )
    refunds = list(Refund.objects.filter(payment__invoice=invoice).select_related("payment"))
    credit_notes = list(CreditNote.objects.filter(invoice=invoice))
    packages = list(
        Package.objects.filter(patient_id=invoice.patient_id).usable_on(timezone.localdate())
    )
    credit = (
        PatientAccount.objects.filter(patient_id=invoice.patient_id)
        .values_list("credit", flat=True)
        .first()
        or ZERO
    )
    redeemed = {p.appointment_id for p in payments if p.package_id}
    visits = [
        line
        for line in lines
        if line.kind == InvoiceLine.Kind.VISIT and line.appointment_id not in redeemed
    ]
    return InvoicePage(invoice, lines, payments, refunds, credit_notes, packages, credit, visits)
