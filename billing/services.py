"""Billing workflows. Each runs in one transaction, locks the rows whose totals
it reads (the invoice, the number series, the patient's account, a package),
writes the audit trail, and raises ``BillingError`` with a message a person can
act on; nothing is written when it does.

Two clerks paying one invoice at once: both lock the invoice row; the second
waits, then reads the balance the first left. If it differs from the balance
its page showed (``expected_balance``) it is refused, so nobody is charged
twice by accident.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

import audit.services
from billing.models import (
    BillingSettings,
    CreditEntry,
    CreditNote,
    Fee,
    Invoice,
    InvoiceLine,
    NumberSeries,
    Package,
    PatientAccount,
    Payment,
    Refund,
)
from billing.money import CENT, ZERO, quantize, tax_on
from clinic.models import ClinicSettings
from notifications.services import queue_document


class BillingError(ValidationError):
    """A billing step the clinic's rules refuse."""


def money(value) -> str:
    return f"{Decimal(value):,.2f}"


def check_amount(amount: Decimal, *, what: str = "The amount") -> Decimal:
    """Positive, at most two decimal places (forms say so first; scripts too)."""
    if not isinstance(amount, Decimal):
        amount = Decimal(str(amount))
    if not amount.is_finite() or amount <= 0:
        raise BillingError(f"{what} must be more than zero.")
    if amount != amount.quantize(CENT):
        raise BillingError(f"{what} can have at most two decimal places.")
    return amount


def _next_number(key: str) -> int:
    """Take the next number of a series: the counter row stays locked until the
    caller's transaction ends, so a rollback gives the number back."""
    series = NumberSeries.objects.select_for_update().filter(key=key).first()
    if series is None:  # emptied by a test flush, or a database restored without it
        NumberSeries.objects.bulk_create([NumberSeries(key=key)], ignore_conflicts=True)
        series = NumberSeries.objects.select_for_update().get(key=key)
    number = series.next_number
    NumberSeries.objects.filter(key=key).update(next_number=F("next_number") + 1)
    return number


def _locked_invoice(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",)).select_related("patient").get(pk=invoice.pk)
    )


def amounts(invoice: Invoice) -> Invoice:
    """The invoice with credited, paid and balance read now (call under its lock)."""
    return Invoice.objects.with_amounts().select_related("patient").get(pk=invoice.pk)


def _audit(action: str, *, by, obj, patient, **data) -> None:
    audit.services.record(action, actor=by, obj=obj, patient=patient, data=data)


# --- Drafts and lines -----------------------------------------------------------


def open_draft(*, patient, by=None) -> Invoice:
    """The patient's open draft (visits gather on it), made if there is none.
    Locked for the caller's transaction."""
    draft = (
        Invoice.objects.select_for_update(of=("self",))
        .filter(patient=patient, status=Invoice.Status.DRAFT)
        .first()
    )
    if draft is not None:
        return draft
    settings = BillingSettings.load()
    Invoice.objects.bulk_create(
        [
            Invoice(
                patient=patient,
                currency=settings.currency,
                created_by=by if by is not None and by.is_authenticated else None,
            )
        ],
        ignore_conflicts=True,  # another request made it meanwhile: use theirs
    )
    return Invoice.objects.select_for_update(of=("self",)).get(
        patient=patient, status=Invoice.Status.DRAFT
    )


def _add_line(
    invoice: Invoice,
    *,
    kind: str,
    description: str,
    unit_price: Decimal,
    quantity: int = 1,
    tax_rate: Decimal = ZERO,
    appointment=None,
    package=None,
) -> InvoiceLine:
    if not invoice.is_draft:
        raise BillingError(f"{invoice.display_number} is issued: add the item to a new invoice.")
    net = quantize(unit_price * quantity)
    tax = tax_on(net, tax_rate)
    return InvoiceLine.objects.create(
        invoice=invoice,
        kind=kind,
        description=description[:200],
        quantity=quantity,
        unit_price=unit_price,
        tax_rate=tax_rate,
        net=net,
        tax=tax,
        total=net + tax,
        appointment=appointment,
        package=package,
    )


def visit_description(appointment, label: str = "") -> str:
    local = timezone.localtime(appointment.start_at)
    what = label or appointment.appointment_type.name
    return f"{what}, {local:%a %d %b %Y %H:%M}, {appointment.practitioner}"


@transaction.atomic
def bill_appointment(
    *, appointment, kind: str = InvoiceLine.Kind.VISIT, by=None
) -> InvoiceLine | None:
    """Put an appointment (a visit, or its late-cancellation or no-show fee) on
    the patient's draft invoice, once. None when there is nothing to charge: no
    fee set for the type, a zero policy fee, or already billed."""
    settings = BillingSettings.load()
    if kind == InvoiceLine.Kind.VISIT:
        fee = Fee.for_appointment(appointment)
        price, rate, label = (fee.amount if fee else None), settings.treatment_tax_rate, ""
    elif kind == InvoiceLine.Kind.LATE_CANCELLATION:
        price, rate = settings.late_cancellation_fee, settings.goods_tax_rate
        label = "Late cancellation fee"
    else:
        price, rate, label = settings.no_show_fee, settings.goods_tax_rate, "No-show fee"
    if not price:
        return None
    draft = open_draft(patient=appointment.patient, by=by)
    already = InvoiceLine.objects.filter(appointment=appointment, kind=kind).exclude(
        invoice__status=Invoice.Status.VOID
    )
    if already.exists():
        return None
    line = _add_line(
        draft,
        kind=kind,
        description=visit_description(appointment, label),
        unit_price=price,
        tax_rate=rate,
        appointment=appointment,
    )
    _audit(
        "billing.line.added",
        by=by,
        obj=draft,
        patient=appointment.patient,
        kind=kind,
        appointment=str(appointment.uuid),
        amount=str(line.total),
    )
    return line


@transaction.atomic
def add_item(*, patient, description: str, unit_price: Decimal, quantity: int, by) -> InvoiceLine:
    """An extra item (a product, a report) on the patient's draft."""
    description = description.strip()
    if not description:
        raise BillingError("Say what the item is.")
    if unit_price < 0 or unit_price != unit_price.quantize(CENT):
        raise BillingError("The price must be zero or more, with at most two decimal places.")
    if not 1 <= quantity <= 999:
        raise BillingError("The quantity must be between 1 and 999.")
    draft = open_draft(patient=patient, by=by)
    line = _add_line(
        draft,
        kind=InvoiceLine.Kind.ITEM,
        description=description,
        unit_price=unit_price,
        quantity=quantity,
        tax_rate=BillingSettings.load().goods_tax_rate,
    )
    _audit(
        "billing.line.added", by=by, obj=draft, patient=patient, kind="item", amount=str(line.total)
    )
    return line


@transaction.atomic
def remove_line(*, line: InvoiceLine, by, reason: str) -> None:
    """Take a line off a draft (with a reason, audited). A draft left empty goes too:
    it never had a number."""
    reason = reason.strip()
    if not reason:
        raise BillingError("Say why the line is removed.")
    invoice = _locked_invoice(line.invoice)
    if not invoice.is_draft:
        raise BillingError(f"{invoice.display_number} is issued: correct it with a credit note.")
    _audit(
        "billing.line.removed",
        by=by,
        obj=invoice,
        patient=invoice.patient,
        kind=line.kind,
        description=line.description,
        amount=str(line.total),
        reason=reason,
    )
    line.delete()
    if not invoice.lines.exists():
        invoice.delete()


# --- Issuing, voiding, credit notes -----------------------------------------------


def _issue_locked(invoice: Invoice, by, at=None) -> Invoice:
    lines = list(invoice.lines.all())
    if not lines:
        raise BillingError("An invoice needs at least one line before it is issued.")
    settings = BillingSettings.load()
    invoice.subtotal = sum((line.net for line in lines), ZERO)
    invoice.tax_total = sum((line.tax for line in lines), ZERO)
    invoice.total = invoice.subtotal + invoice.tax_total
    invoice.number = _next_number(NumberSeries.INVOICE)
    invoice.prefix = settings.invoice_prefix
    invoice.tax_note = settings.tax_note
    invoice.status = Invoice.Status.ISSUED
    invoice.issued_at = at or timezone.now()
    invoice.issued_by = by if by is not None and by.is_authenticated else None
    invoice.save(
        update_fields=[
            "subtotal", "tax_total", "total", "number", "prefix", "tax_note",
            "status", "issued_at", "issued_by",
        ]
    )  # fmt: skip
    _audit(
        "billing.invoice.issued",
        by=by,
        obj=invoice,
        patient=invoice.patient,
        number=invoice.display_number,
        total=str(invoice.total),
    )
    return invoice


@transaction.atomic
def issue_invoice(*, invoice: Invoice, by, at=None) -> Invoice:
    """Give a draft the next number and freeze it (``at``: when, for imports and
    the demo; now by default)."""
    current = _locked_invoice(invoice)
    if not current.is_draft:
        raise BillingError(f"{current.display_number} is already issued.")
    return _issue_locked(current, by, at)


@transaction.atomic
def void_invoice(*, invoice: Invoice, by, reason: str) -> Invoice:
    """A mistaken invoice is voided with a reason and keeps its number. Money
    paid on it must be refunded first (or it would vanish from the books)."""
    reason = reason.strip()
    if not reason:
        raise BillingError("Say why the invoice is voided.")
    current = _locked_invoice(invoice)
    if not current.is_issued:
        raise BillingError(
            "Only an issued invoice can be voided"
            + (" (this one is already void)." if current.is_void else " (this one is a draft).")
        )
    if amounts(current).paid > 0:
        raise BillingError(f"{current.display_number} has payments: refund them before voiding it.")
    current.status = Invoice.Status.VOID
    current.voided_at = timezone.now()
    current.voided_by = by if by is not None and by.is_authenticated else None
    current.void_reason = reason
    current.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    _audit("billing.invoice.voided", by=by, obj=current, patient=current.patient, reason=reason)
    return current


@transaction.atomic
def issue_credit_note(*, invoice: Invoice, amount: Decimal, reason: str, by) -> CreditNote:
    """Correct an issued invoice: reduce what it asks for by ``amount``."""
    amount = check_amount(amount)
    reason = reason.strip()
    if not reason:
        raise BillingError("Say why the credit note is issued.")
    current = _locked_invoice(invoice)
    if not current.is_issued:
        raise BillingError("A credit note corrects an issued invoice (not a draft or a void one).")
    creditable = current.total - amounts(current).credited
    if amount > creditable:
        raise BillingError(
            f"At most {money(creditable)} of {current.display_number} can still be credited."
        )
    note = CreditNote.objects.create(
        invoice=current,
        prefix=BillingSettings.load().credit_note_prefix,
        number=_next_number(NumberSeries.CREDIT_NOTE),
        amount=amount,
        reason=reason,
        issued_at=timezone.now(),
        issued_by=by if by is not None and by.is_authenticated else None,
    )
    _audit(
        "billing.credit_note.issued",
        by=by,
        obj=note,
        patient=current.patient,
        invoice=current.display_number,
        amount=str(amount),
        reason=reason,
    )
    return note


# --- Payments and refunds ------------------------------------------------------


def _account(patient) -> PatientAccount:
    PatientAccount.objects.bulk_create([PatientAccount(patient=patient)], ignore_conflicts=True)
    return PatientAccount.objects.select_for_update().get(patient=patient)


def account_credit(patient) -> Decimal:
    return (
        PatientAccount.objects.filter(patient=patient).values_list("credit", flat=True).first()
        or ZERO
    )


@transaction.atomic
def take_payment(
    *,
    invoice: Invoice,
    method: str,
    amount: Decimal,
    by,
    reference: str = "",
    keep_excess_as_credit: bool = False,
    expected_balance: Decimal | None = None,
    at=None,
) -> Payment:
    """Record a payment. A draft is issued first. More than the balance is kept
    as account credit, only when the clerk confirmed it (money methods only)."""
    amount = check_amount(amount)
    if method not in Payment.Method.values or method == Payment.Method.PACKAGE:
        raise BillingError("Choose how the patient paid (a package is redeemed on its own).")
    current = _locked_invoice(invoice)
    if current.is_void:
        raise BillingError(f"{current.display_number} is void: it cannot be paid.")
    if current.is_draft:
        _issue_locked(current, by, at)
    balance = amounts(current).balance
    if expected_balance is not None and balance != expected_balance:
        raise BillingError(
            f"Someone else changed {current.display_number} meanwhile (a payment or credit "
            f"note): the balance is now {money(balance)}. Nothing was taken; check and try again."
        )
    if balance <= 0:
        raise BillingError(f"{current.display_number} is paid in full: nothing is owed.")
    applied, excess = min(amount, balance), max(amount - balance, ZERO)
    if excess and method not in Payment.TAKINGS_METHODS:
        raise BillingError(
            f"{money(amount)} is more than the balance of {money(balance)}; account credit "
            "pays at most the balance."
        )
    if excess and not keep_excess_as_credit:
        raise BillingError(
            f"{money(amount)} is more than the balance of {money(balance)}. To keep the "
            f"{money(excess)} over as account credit, tick the confirmation; or take "
            f"{money(balance)}."
        )
    if method == Payment.Method.ACCOUNT_CREDIT:
        account = _account(current.patient)
        if account.credit < applied:
            raise BillingError(
                f"The patient has {money(account.credit)} of account credit, less than "
                f"{money(applied)}."
            )
    payment = Payment.objects.create(
        invoice=current,
        method=method,
        amount=applied,
        credited=excess,
        reference=reference.strip()[:100],
        taken_at=at or timezone.now(),
        taken_by=by if by is not None and by.is_authenticated else None,
    )
    if method == Payment.Method.ACCOUNT_CREDIT:
        _move_credit(current.patient, -applied, CreditEntry.Kind.USED, payment)
    if excess:
        _move_credit(current.patient, excess, CreditEntry.Kind.OVERPAYMENT, payment)
    _audit(
        "billing.payment.taken",
        by=by,
        obj=payment,
        patient=current.patient,
        invoice=current.display_number,
        method=method,
        amount=str(applied),
        credited=str(excess),
    )
    return payment


def _move_credit(patient, amount: Decimal, kind: str, payment: Payment) -> None:
    account = _account(patient)
    PatientAccount.objects.filter(pk=account.pk).update(credit=F("credit") + amount)
    CreditEntry.objects.create(account=account, kind=kind, amount=amount, payment=payment)


@transaction.atomic
def refund_payment(*, payment: Payment, amount: Decimal, reason: str, by) -> Refund:
    """Give money back against a payment: never more than it paid, less what
    was refunded before."""
    amount = check_amount(amount, what="The refund")
    reason = reason.strip()
    if not reason:
        raise BillingError("Say why the money is refunded.")
    invoice = _locked_invoice(payment.invoice)  # serialises refunds of this invoice's payments
    if payment.method not in Payment.TAKINGS_METHODS:
        raise BillingError(
            f"A {payment.get_method_display().lower()} payment is not refunded in money: "
            "issue a credit note instead."
        )
    refunded = Payment.objects.with_refunded().get(pk=payment.pk).refunded_total
    refundable = payment.amount - refunded
    if amount > refundable:
        raise BillingError(
            f"At most {money(refundable)} of this payment can be refunded "
            f"(it paid {money(payment.amount)}"
            + (f", {money(refunded)} already refunded)." if refunded else ").")
        )
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=reason,
        refunded_at=timezone.now(),
        refunded_by=by if by is not None and by.is_authenticated else None,
    )
    _audit(
        "billing.payment.refunded",
        by=by,
        obj=refund,
        patient=invoice.patient,
        invoice=invoice.display_number,
        payment=str(payment.uuid),
        amount=str(amount),
        reason=reason,
    )
    return refund


# --- Packages ------------------------------------------------------------------


@transaction.atomic
def sell_package(
    *, patient, name: str, treatments: int, price: Decimal, expires_on: date, by
) -> Package:
    """Sell a prepaid course: it goes on the patient's draft invoice, to be paid."""
    name = name.strip()
    if not name:
        raise BillingError("Give the package a name.")
    if not 1 <= treatments <= 100:
        raise BillingError("A package holds between 1 and 100 treatments.")
    if price < 0 or price != price.quantize(CENT):
        raise BillingError("The price must be zero or more, with at most two decimal places.")
    if expires_on <= timezone.localdate():
        raise BillingError("The expiry date must be in the future.")
    package = Package.objects.create(
        patient=patient,
        name=name,
        treatments=treatments,
        price=price,
        expires_on=expires_on,
        sold_by=by if by is not None and by.is_authenticated else None,
    )
    draft = open_draft(patient=patient, by=by)
    _add_line(
        draft,
        kind=InvoiceLine.Kind.PACKAGE,
        description=f"{name}: {treatments} treatments, until {expires_on:%d %b %Y}",
        unit_price=price,
        tax_rate=BillingSettings.load().treatment_tax_rate,
        package=package,
    )
    _audit(
        "billing.package.sold",
        by=by,
        obj=package,
        patient=patient,
        treatments=treatments,
        price=str(price),
        expires_on=expires_on.isoformat(),
    )
    return package


@transaction.atomic
def redeem_package(*, invoice: Invoice, package: Package, appointment, by, at=None) -> Payment:
    """One treatment of a package pays for a visit on the invoice."""
    current = _locked_invoice(invoice)
    locked = Package.objects.select_for_update().get(pk=package.pk)
    if locked.patient_id != current.patient_id:
        raise BillingError("That package belongs to another patient.")
    if locked.remaining <= 0:
        raise BillingError(f"{locked.name} has no treatments left.")
    if locked.expires_on < timezone.localdate():
        raise BillingError(f"{locked.name} expired on {locked.expires_on:%d %b %Y}.")
    line = current.lines.filter(appointment=appointment, kind=InvoiceLine.Kind.VISIT).first()
    if line is None:
        raise BillingError("That visit is not on this invoice.")
    if Payment.objects.filter(package__isnull=False, appointment=appointment).exists():
        raise BillingError("A package has already paid for that visit.")
    if current.is_void:
        raise BillingError(f"{current.display_number} is void: it cannot be paid.")
    if current.is_draft:
        _issue_locked(current, by, at)
    balance = amounts(current).balance
    if balance <= 0:
        raise BillingError(f"{current.display_number} is paid in full: nothing is owed.")
    payment = Payment.objects.create(
        invoice=current,
        method=Payment.Method.PACKAGE,
        amount=min(line.total, balance),
        package=locked,
        appointment=appointment,
        taken_at=at or timezone.now(),
        taken_by=by if by is not None and by.is_authenticated else None,
    )
    Package.objects.filter(pk=locked.pk).update(used=F("used") + 1)
    _audit(
        "billing.package.redeemed",
        by=by,
        obj=locked,
        patient=current.patient,
        invoice=current.display_number,
        appointment=str(appointment.uuid),
        remaining=locked.remaining - 1,
    )
    return payment


# --- Fees from the appointment lifecycle -----------------------------------------


@transaction.atomic
def unbill_visit(*, appointment, by) -> None:
    """Take a visit off its draft invoice (its check-in was undone)."""
    line = (
        InvoiceLine.objects.filter(
            appointment=appointment,
            kind=InvoiceLine.Kind.VISIT,
            invoice__status=Invoice.Status.DRAFT,
        )
        .select_related("invoice")
        .first()
    )
    if line is not None:
        remove_line(line=line, by=by, reason="The appointment is no longer checked in.")


@transaction.atomic
def waive_fee(*, line: InvoiceLine, by, reason: str) -> CreditNote | None:
    """Front desk waives a late-cancellation or no-show fee, with a reason: off
    the draft, or credited in full once issued."""
    if line.kind not in (InvoiceLine.Kind.LATE_CANCELLATION, InvoiceLine.Kind.NO_SHOW):
        raise BillingError("Only a late-cancellation or no-show fee can be waived.")
    reason = reason.strip()
    if not reason:
        raise BillingError("Say why the fee is waived.")
    invoice = _locked_invoice(line.invoice)
    _audit(
        "billing.fee.waived",
        by=by,
        obj=invoice,
        patient=invoice.patient,
        kind=line.kind,
        amount=str(line.total),
        reason=reason,
    )
    if invoice.is_draft:
        remove_line(line=line, by=by, reason=f"Fee waived: {reason}")
        return None
    return issue_credit_note(
        invoice=invoice, amount=line.total, reason=f"Fee waived: {reason}", by=by
    )


def email_document(*, invoice, label: str, kind: str, filename: str, content: bytes, by):
    """Queue an invoice's document (invoice, receipt, superbill) to the patient
    by e-mail, audited; None when the patient has no address or wants no e-mail."""
    clinic = ClinicSettings.load()
    patient = invoice.patient
    with transaction.atomic():
        message = queue_document(
            patient=patient,
            subject=f"{label} {invoice.display_number} from {clinic.name}",
            body=(
                f"Dear {patient.preferred_name or patient.first_name},\n\n"
                f"As you asked, your {label.lower()} for {invoice.display_number} is "
                f"attached.\n\n{clinic.name}\n{clinic.phone}\n"
            ),
            filename=filename,
            content=content,
        )
        if message is not None:
            audit.services.record(
                "billing.document.emailed",
                actor=by,
                obj=invoice,
                patient=patient,
                data={"kind": kind, "message": str(message.uuid)},
            )
    return message
