"""Invoices, receipts, credit notes and superbills as PDF, with fpdf2 (pure
Python, installed from PyPI alone; no system packages at run time).

The text is set in DejaVu Sans, kept in billing/fonts/ (free licence beside
it) and embedded in each PDF as a subset of the letters used: a patient's name
prints as it is spelt, "Dvořák" and "Wiśniewska" too (the core Helvetica held
Latin-1 only and wrote "Dvorák"). A character the font lacks (Chinese, say) is
written without its accent where that helps, else as '?', rather than failing
the document.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.utils import timezone
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing.templatetags.billing import money

FONT = "DejaVu"
FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}


@cache
def _covered() -> frozenset[int]:
    """The code points both faces can draw."""
    faces = [set(TTFont(path).getBestCmap()) for path in FONT_FILES.values()]
    return frozenset(set.intersection(*faces))


def pdf_text(text) -> str:
    """Text the embedded font can show: as it is where it can, else its
    letters without their accents, else '?'."""
    covered = _covered()
    out = []
    for char in str(text):
        if ord(char) in covered or char in "\n\t":
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if ord(c) in covered)
        out.append(base or "?")
    return "".join(out)


def pdf_money(amount, currency) -> str:
    return pdf_text(money(amount, currency))


class Document(FPDF):
    def __init__(self, title: str, clinic):
        super().__init__(format="A4")
        for style, path in FONT_FILES.items():
            self.add_font(FONT, style, path)
        self.doc_title, self.clinic = title, clinic
        self.set_title(pdf_text(title))
        self.set_author(pdf_text(clinic.name))
        self.set_auto_page_break(auto=True, margin=18)
        self.add_page()

    def header(self):
        self.set_font(FONT, "B", 14)
        self.cell(0, 8, pdf_text(self.clinic.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=9)
        address = ", ".join(
            line.strip() for line in self.clinic.address.splitlines() if line.strip()
        )
        contact = " · ".join(x for x in (self.clinic.phone, self.clinic.email) if x)
        for line in (address, contact):
            if line:
                self.cell(0, 5, pdf_text(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def footer(self):
        self.set_y(-14)
        self.set_font(FONT, size=8)
        self.cell(0, 6, pdf_text(f"{self.doc_title} - page {self.page_no()}"), align="C")

    def heading(self, text: str):
        self.set_font(FONT, "B", 16)
        self.cell(0, 10, pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=10)

    def line_of(self, text: str, bold: bool = False):
        self.set_font(FONT, "B" if bold else "", 10)
        self.multi_cell(0, 5.5, pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rows(self, headings: list[str], rows: list[list[str]], widths=None):
        self.ln(2)
        self.set_font(FONT, size=9)
        with self.table(col_widths=widths, text_align="LEFT", line_height=6) as table:
            head = table.row()
            for text in headings:
                head.cell(pdf_text(text))
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(pdf_text(text))
        self.ln(2)

    def bytes(self) -> bytes:
        return bytes(self.output())


@dataclass
class Totals:
    label: str
    amount: Decimal


def invoice_pdf(page, clinic, settings, *, receipt: bool = False) -> bytes:
    """An invoice (or, with ``receipt``, the receipt of what was paid on it)."""
    invoice = page.invoice
    currency = invoice.currency
    title = ("Receipt for " if receipt else "Invoice ") + invoice.display_number
    doc = Document(title, clinic)
    doc.heading(title)
    if invoice.issued_at:
        doc.line_of(f"Issued {timezone.localtime(invoice.issued_at):%d %B %Y}")
    if invoice.is_void:
        doc.line_of(
            f"VOID on {timezone.localtime(invoice.voided_at):%d %B %Y}: {invoice.void_reason}",
            bold=True,
        )
    if settings.tax_registration:
        doc.line_of(f"{settings.tax_name} registration: {settings.tax_registration}")
    doc.line_of(
        f"Bill to: {invoice.patient.display_name} (patient no. {invoice.patient.patient_number})"
    )
    doc.rows(
        ["Item", "Qty", "Price", "Tax", "Total"],
        [
            [
                line.description,
                str(line.quantity),
                pdf_money(line.unit_price, currency),
                pdf_money(line.tax, currency),
                pdf_money(line.total, currency),
            ]
            for line in page.lines
        ],
        widths=(90, 12, 28, 24, 28),
    )
    totals = [("Subtotal", invoice.subtotal), ("Tax", invoice.tax_total), ("Total", invoice.total)]
    totals += [(f"Credit note {n.display_number}", -n.amount) for n in page.credit_notes]
    for payment in page.payments:
        when = timezone.localtime(payment.taken_at)
        totals.append(
            (f"Paid {when:%d %b %Y}, {payment.get_method_display().lower()}", -payment.amount)
        )
        if payment.refunded_total:
            totals.append(("Refunded", payment.refunded_total))
    totals.append(("Balance due", invoice.balance))
    for label, amount in totals:
        doc.set_font(FONT, "B" if label in ("Total", "Balance due") else "", 10)
        doc.cell(150, 6, pdf_text(label), align="R")
        doc.cell(32, 6, pdf_money(amount, currency), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if receipt:
        doc.ln(3)
        doc.line_of(
            "Paid in full. Thank you." if invoice.balance <= 0 else "Part paid: balance above.",
            bold=True,
        )
    if invoice.tax_note:
        doc.ln(3)
        doc.line_of(invoice.tax_note)
    return doc.bytes()


def credit_note_pdf(note, clinic) -> bytes:
    invoice = note.invoice
    title = f"Credit note {note.display_number}"
    doc = Document(title, clinic)
    doc.heading(title)
    doc.line_of(f"Issued {timezone.localtime(note.issued_at):%d %B %Y}")
    doc.line_of(
        f"For: {invoice.patient.display_name} (patient no. {invoice.patient.patient_number})"
    )
    doc.line_of(
        f"Corrects invoice {invoice.display_number} of {timezone.localtime(invoice.issued_at):%d %B %Y}"
    )
    doc.line_of(f"Reason: {note.reason}")
    doc.ln(2)
    doc.line_of(f"Amount credited: {pdf_money(note.amount, invoice.currency)}", bold=True)
    return doc.bytes()


def superbill_pdf(bill, clinic) -> bytes:
    """An insurance receipt: patient, practitioner with licence and registration,
    dates of service, diagnosis and procedure codes, amounts paid."""
    currency = bill.currency
    title = f"Insurance receipt (superbill) {bill.number}"
    doc = Document(title, clinic)
    doc.heading("Insurance receipt (superbill)")
    doc.line_of(f"Receipt for invoice {bill.number}")
    if bill.tax_registration:
        doc.line_of(f"Tax registration: {bill.tax_registration}")
    doc.ln(1)
    doc.line_of("Patient", bold=True)
    doc.line_of(f"{bill.patient.display_name}, born {bill.patient.date_of_birth:%d %B %Y}")
    doc.line_of(f"Patient no. {bill.patient.patient_number}")
    for provider in bill.providers:
        doc.ln(1)
        doc.line_of("Practitioner", bold=True)
        doc.line_of(provider.name)
        doc.line_of(f"Licence {provider.licence_number} ({provider.licence_body})")
        if provider.registration:
            doc.line_of(f"Registration {provider.registration}")
    doc.line_of(f"Diagnosis codes ({bill.code_system})", bold=True)
    doc.rows(
        ["Code", "Diagnosis"],
        [[code, description] for code, description in bill.diagnoses] or [["-", "none recorded"]],
        widths=(30, 152),
    )
    doc.line_of("Services", bold=True)
    headings = ["Date of service", "Service", "Fee", "Paid"]
    widths = (30, 100, 26, 26)
    if bill.prints_cpt:
        headings = ["Date of service", "Service", "CPT (units)", "Fee", "Paid"]
        widths = (28, 74, 30, 25, 25)
    rows = []
    for service in bill.services:
        values = [f"{service.day:%d %b %Y}", service.description]
        if bill.prints_cpt:
            values.append(", ".join(f"{c} x{u}" for c, u in service.cpt) or "-")
        values += [pdf_money(service.fee, currency), pdf_money(service.paid, currency)]
        rows.append(values)
    doc.rows(headings, rows, widths=widths)
    doc.line_of(f"Total paid: {pdf_money(bill.total_paid, currency)}", bold=True)
    return doc.bytes()
