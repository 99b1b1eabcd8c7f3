"""CSV exports of invoices and payments, in the flat shape accounting packages
import: one row per document, ISO dates, amounts with two decimals, a dot."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date

from django.utils import timezone

from billing.models import Invoice, Payment
from billing.reports import day_bounds

INVOICE_COLUMNS = [
    "invoice_number", "issue_date", "status", "patient_number", "patient_name", "currency",
    "net", "tax", "total", "credited", "paid", "balance", "void_reason",
]  # fmt: skip
PAYMENT_COLUMNS = [
    "payment_date", "invoice_number", "patient_number", "patient_name", "method", "amount",
    "kept_as_credit", "refunded", "reference", "payment_id",
]  # fmt: skip


class Echo:
    def write(self, value):
        return value


def _rows(header, rows) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def invoice_rows(start: date, end: date):
    lo, _ = day_bounds(start)
    _, hi = day_bounds(end)
    invoices = (
        Invoice.objects.with_amounts()
        .exclude(status=Invoice.Status.DRAFT)
        .filter(issued_at__gte=lo, issued_at__lt=hi)
        .select_related("patient")
        .order_by("number")
    )
    for i in invoices.iterator(chunk_size=2000):
        yield [
            i.display_number, timezone.localdate(i.issued_at).isoformat(), i.status,
            i.patient.patient_number, f"{i.patient.first_name} {i.patient.last_name}", i.currency,
            i.subtotal, i.tax_total, i.total, i.credited, i.paid, i.balance, i.void_reason,
        ]  # fmt: skip


def payment_rows(start: date, end: date):
    lo, _ = day_bounds(start)
    _, hi = day_bounds(end)
    payments = (
        Payment.objects.with_refunded()
        .filter(taken_at__gte=lo, taken_at__lt=hi)
        .select_related("invoice__patient")
        .order_by("taken_at", "id")
    )
    for p in payments.iterator(chunk_size=2000):
        patient = p.invoice.patient
        yield [
            timezone.localdate(p.taken_at).isoformat(), p.invoice.display_number,
            patient.patient_number, f"{patient.first_name} {patient.last_name}", p.method,
            p.amount, p.credited, p.refunded_total, p.reference, str(p.uuid),
        ]  # fmt: skip


def invoices_csv(start: date, end: date) -> Iterator[str]:
    return _rows(INVOICE_COLUMNS, invoice_rows(start, end))


def payments_csv(start: date, end: date) -> Iterator[str]:
    return _rows(PAYMENT_COLUMNS, payment_rows(start, end))
