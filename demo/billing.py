"""Issue 15: the demo clinic's billing. Fees per appointment type, a
cancellation policy, and the past weeks' visits invoiced and mostly paid (cash,
card, some by transfer or insurer, a few part-paid or owed), no-show fees (one
waived), codes on signed records, and the featured patient's course of six
treatments redeemed visit by visit. Once only: a second run finds invoices and
leaves them. Everything goes through billing.services, as the front desk would."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from billing import coding, services
from billing.models import BillingSettings, Fee, Invoice, InvoiceLine, PractitionerRegistration
from scheduling.models import Appointment, AppointmentType
from sessions.models import TreatmentSession

FEES = {
    "Initial consultation": Decimal("75.00"),
    "Follow-up treatment": Decimal("55.00"),
    "Review and treatment": Decimal("45.00"),
}
# The senior practitioner charges more for a follow-up.
SENIOR_FOLLOW_UP = ("practitioner@example.com", Decimal("60.00"))


PACKAGE_SOLD_WITHIN_DAYS = 28
# A month of billing (issue 15), not the months of history the outcome
# reports need: billing every past visit made seed_demo three times slower.
BILLED_DAYS = 35


def seed_billing(*, rng: random.Random, front_desk_email: str, featured_email: str) -> int:
    """Invoices issued; 0 when the demo already has billing."""
    if Invoice.objects.exists():
        return 0
    settings = BillingSettings.load()
    settings.late_cancellation_fee = Decimal("20.00")
    settings.no_show_fee = Decimal("30.00")
    settings.tax_note = "Acupuncture by a registered practitioner: exempt from VAT."
    settings.save()
    for name, amount in FEES.items():
        kind = AppointmentType.objects.get(name=name)
        Fee.objects.get_or_create(
            appointment_type=kind, practitioner=None, defaults={"amount": amount}
        )
    senior = User.objects.get(email=SENIOR_FOLLOW_UP[0]).practitioner
    Fee.objects.get_or_create(
        appointment_type=AppointmentType.objects.get(name="Follow-up treatment"),
        practitioner=senior,
        defaults={"amount": SENIOR_FOLLOW_UP[1]},
    )
    PractitionerRegistration.objects.get_or_create(
        practitioner=senior, defaults={"registration_number": "HCPC-AC-0193"}
    )
    desk = User.objects.get(email=front_desk_email)
    now = timezone.now()
    _code_signed_records(rng)
    package = None
    issued = 0
    past = (
        Appointment.objects.filter(
            start_at__lt=now, start_at__gte=now - timedelta(days=BILLED_DAYS)
        )
        .filter(
            Q(status__in=[Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW])
            | Q(status=Appointment.Status.CANCELLED, late_cancellation=True)
        )
        .select_related("patient__user", "practitioner", "appointment_type")
        .order_by("end_at", "id")  # invoices are issued as visits end: numbers follow dates
    )
    for appointment in past:
        when = appointment.end_at + timedelta(minutes=5)
        featured = (
            appointment.patient.user is not None
            and appointment.patient.user.email == featured_email
        )
        # Sold in her current weekly course (demo/history.py gives her an older
        # one too), so the demo shows treatments still left on it.
        if (
            package is None
            and featured
            and appointment.status == Appointment.Status.COMPLETED
            and now - appointment.start_at < timedelta(days=PACKAGE_SOLD_WITHIN_DAYS)
        ):
            package = _sell_package(desk, appointment.patient, when)
            issued += 1
        kind = {
            Appointment.Status.COMPLETED: InvoiceLine.Kind.VISIT,
            Appointment.Status.NO_SHOW: InvoiceLine.Kind.NO_SHOW,
            Appointment.Status.CANCELLED: InvoiceLine.Kind.LATE_CANCELLATION,
        }[appointment.status]
        line = services.bill_appointment(appointment=appointment, kind=kind, by=desk)
        if line is None:
            continue
        if kind != InvoiceLine.Kind.VISIT and rng.random() < 0.3:
            services.waive_fee(
                line=line, by=desk, reason="First missed visit: waived as a courtesy"
            )
            continue
        invoice = services.issue_invoice(invoice=line.invoice, by=desk, at=when)
        issued += 1
        if (
            package is not None
            and appointment.patient_id == package.patient_id
            and package.remaining
        ):
            services.redeem_package(
                invoice=invoice, package=package, appointment=appointment, by=desk, at=when
            )
            package.refresh_from_db()
            continue
        _pay(rng, invoice, desk, when, overdue=now - when > timedelta(days=14))
    return issued


def _pay(rng, invoice, desk, when, *, overdue: bool) -> None:
    """Most pay at the desk; some in part, by transfer later, via their insurer,
    or not yet (the older ones make the outstanding-balances report)."""
    roll = rng.random()
    total = invoice.total
    if roll < 0.08:
        return  # owed
    if roll < 0.16:
        services.take_payment(
            invoice=invoice,
            method="cash",
            amount=(total / 2).quantize(Decimal("0.01")),
            by=desk,
            at=when,
        )
        if not overdue:
            return
        rest = services.amounts(invoice).balance
        services.take_payment(
            invoice=invoice, method="card", amount=rest, by=desk, at=when + timedelta(days=7)
        )
        return
    if roll < 0.24:
        services.take_payment(
            invoice=invoice, method="bank_transfer", amount=total, by=desk, at=when + timedelta(days=2),
            reference="Faster payment",
        )  # fmt: skip
        return
    if roll < 0.30:
        services.take_payment(
            invoice=invoice, method="insurer", amount=total, by=desk, at=when + timedelta(days=10),
            reference=f"Claim {rng.randint(100000, 999999)}",
        )  # fmt: skip
        return
    method = "cash" if roll < 0.5 else "card"
    services.take_payment(invoice=invoice, method=method, amount=total, by=desk, at=when)


def _sell_package(desk, patient, when):
    """The featured patient bought a course of ten at her first visit of the
    demo's weeks; that visit and each since is paid from it."""
    package = services.sell_package(
        patient=patient,
        name="Course of 10 treatments",
        treatments=10,
        price=Decimal("500.00"),
        expires_on=timezone.localdate() + timedelta(days=150),
        by=desk,
    )
    draft = Invoice.objects.get(patient=patient, status=Invoice.Status.DRAFT)
    services.take_payment(invoice=draft, method="card", amount=Decimal("500.00"), by=desk, at=when)
    return package


def _code_signed_records(rng) -> None:
    """The practitioners coded their signed records: the suggestion from the
    recorded cause, sometimes with sciatica added."""
    settings = BillingSettings.load()
    available = list(coding.codes_for(settings))
    if not available:  # the clinic's code list is empty (a database emptied after migrating)
        return
    sciatica = "M54.4" if not settings.uses_icd10_cm else "M54.41"
    since = timezone.now() - timedelta(days=BILLED_DAYS)
    for session in TreatmentSession.objects.filter(
        signed_at__isnull=False, signed_at__gte=since
    ).select_related("practitioner__user", "patient"):
        codes = coding.suggested(available, session.pain_cause) or ["M54.5"]
        if rng.random() < 0.25:
            codes.append(sciatica)
        coding.record_coding(
            session=session,
            codes=codes,
            cpt=coding.derived_cpt(session),
            by=session.practitioner.user,
        )
