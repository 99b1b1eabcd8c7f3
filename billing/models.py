"""Fees, invoices, credit notes, payments, refunds, account credit and packages.

The rules that must hold whatever code writes are in PostgreSQL: CHECKs on
every amount, gapless numbering through a locked counter row (NumberSeries),
and triggers (migration 0002) that keep an issued invoice, its lines, credit
notes, payments and refunds from ever changing or being deleted; only the void
fields of an issued invoice may be set, once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from billing.money import ZERO, money_field


class BillingSettings(models.Model):
    """The clinic's billing rules, edited by the clinic admin. One row (id = 1)."""

    class Currency(models.TextChoices):
        GBP = "GBP", "Pound sterling (£)"
        EUR = "EUR", "Euro (€)"
        USD = "USD", "US dollar ($)"
        AUD = "AUD", "Australian dollar (A$)"
        CAD = "CAD", "Canadian dollar (C$)"
        NZD = "NZD", "New Zealand dollar (NZ$)"

    class Country(models.TextChoices):
        GB = "GB", "United Kingdom"
        IE = "IE", "Ireland"
        US = "US", "United States"
        AU = "AU", "Australia"
        CA = "CA", "Canada"
        NZ = "NZ", "New Zealand"
        OTHER = "XX", "Other"

    class InvoiceAt(models.TextChoices):
        COMPLETION = "completion", "When the appointment is completed"
        CHECK_IN = "check_in", "When the patient is checked in (arrived)"

    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.GBP)
    country = models.CharField(
        max_length=2,
        choices=Country.choices,
        default=Country.GB,
        help_text="Decides the diagnosis codes (ICD-10-CM in the US, WHO ICD-10 elsewhere) "
        "and whether CPT procedure codes are printed on superbills (US only).",
    )
    treatment_tax_rate = models.DecimalField(
        "tax rate on treatments (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text="0 when treatment is exempt (acupuncture by a registered practitioner usually "
        "is); the clinic decides, the app never assumes.",
    )
    goods_tax_rate = models.DecimalField(
        "tax rate on other items (%)", max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    tax_name = models.CharField(max_length=20, default="VAT")
    tax_note = models.CharField(
        max_length=200,
        blank=True,
        default="Treatment by a registered health professional: exempt from VAT.",
        help_text="Printed on invoices and receipts.",
    )
    tax_registration = models.CharField("tax registration number", max_length=40, blank=True)
    invoice_at = models.CharField(
        max_length=10, choices=InvoiceAt.choices, default=InvoiceAt.COMPLETION
    )
    late_cancellation_fee = money_field(
        default=ZERO, help_text="Charged for a late cancellation; 0 for none."
    )
    no_show_fee = money_field(default=ZERO, help_text="Charged for a no-show; 0 for none.")
    practitioners_see_own_revenue = models.BooleanField(
        default=False, help_text="Practitioners may see the revenue of their own appointments."
    )
    invoice_prefix = models.CharField(max_length=10, default="INV-")
    credit_note_prefix = models.CharField(max_length=10, default="CN-")

    class Meta:
        verbose_name = "billing settings"
        verbose_name_plural = "billing settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="billing_settings_single_row"),
            models.CheckConstraint(
                condition=Q(treatment_tax_rate__gte=0, treatment_tax_rate__lte=100)
                & Q(goods_tax_rate__gte=0, goods_tax_rate__lte=100),
                name="billing_settings_tax_rates",
            ),
            models.CheckConstraint(
                condition=Q(late_cancellation_fee__gte=0, no_show_fee__gte=0),
                name="billing_settings_fees_non_negative",
            ),
        ]

    def __str__(self):
        return "Billing settings"

    @classmethod
    def load(cls) -> BillingSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def uses_icd10_cm(self) -> bool:
        return self.country == self.Country.US

    @property
    def code_system(self) -> str:
        return DiagnosisCode.System.ICD10_CM if self.uses_icd10_cm else DiagnosisCode.System.ICD10

    @property
    def code_system_label(self) -> str:
        return DiagnosisCode.System(self.code_system).label

    @property
    def prints_cpt(self) -> bool:
        return self.country == self.Country.US


class NumberSeries(models.Model):
    """The next number of a series (invoices, credit notes). Issuing locks this
    row (SELECT … FOR UPDATE) in its own transaction, so numbers are handed out
    one at a time and a rolled-back issue gives its number back: no gaps, no
    duplicates (a PostgreSQL sequence would leave gaps)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    key = models.CharField(max_length=20, primary_key=True)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(next_number__gte=1), name="billing_series_positive")
        ]

    def __str__(self):
        return f"{self.key}: next {self.next_number}"


class Fee(models.Model):
    """The price of an appointment type, optionally for one practitioner (which
    wins over the type's general fee)."""

    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType", on_delete=models.PROTECT, related_name="fees"
    )
    practitioner = models.ForeignKey(
        "practitioners.Practitioner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fees",
        help_text="Leave empty for every practitioner.",
    )
    amount = money_field()

    class Meta:
        ordering = ["appointment_type", "practitioner"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment_type", "practitioner"],
                nulls_distinct=False,
                name="billing_one_fee_per_type_and_practitioner",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="billing_fee_non_negative"),
        ]

    def __str__(self):
        who = self.practitioner or "any practitioner"
        return f"{self.appointment_type.name}, {who}: {self.amount}"

    @classmethod
    def for_appointment(cls, appointment) -> Fee | None:
        """The practitioner's own fee for the type, else the type's general fee."""
        return (
            cls.objects.filter(appointment_type_id=appointment.appointment_type_id)
            .filter(Q(practitioner_id=appointment.practitioner_id) | Q(practitioner__isnull=True))
            .order_by(F("practitioner_id").asc(nulls_last=True))
            .first()
        )


def _sum(model, field: str, link: str, **filters):
    """A correlated SUM over ``model`` rows pointing at the outer row, 0 when none."""
    rows = (
        model.objects.filter(**{link: OuterRef("pk")}, **filters)
        .order_by()
        .values(link)
        .annotate(s=Sum(field))
        .values("s")
    )
    return Coalesce(Subquery(rows), Value(ZERO), output_field=models.DecimalField())


class InvoiceQuerySet(models.QuerySet):
    def with_amounts(self):
        """Credited, paid (net of refunds) and balance of each invoice, in the same query."""
        return self.annotate(
            credited=_sum(CreditNote, "amount", "invoice"),
            paid_gross=_sum(Payment, "amount", "invoice"),
            refunded=_sum(Refund, "amount", "payment__invoice"),
        ).annotate(
            paid=F("paid_gross") - F("refunded"),
            balance=models.Case(
                models.When(status="issued", then=F("total") - F("credited") - F("paid_gross") + F("refunded")),
                default=Value(ZERO),
                output_field=models.DecimalField(),
            ),
        )  # fmt: skip

    def with_lines_total(self):
        """What a draft adds up to so far (an issued invoice keeps its total)."""
        return self.annotate(lines_total=_sum(InvoiceLine, "total", "invoice"))

    def issued(self):
        return self.filter(status=Invoice.Status.ISSUED)

    def visible_to(self, user):
        from accounts.roles import Capability

        if user.can(Capability.BILL):
            return self
        if user.can(Capability.USE_PORTAL):
            return self.filter(patient__user=user).exclude(status=Invoice.Status.DRAFT)
        return self.none()


class Invoice(models.Model):
    """A bill to one patient, for one or several visits and other items.

    A draft collects lines; issuing gives it the next number of the series and
    freezes it (PostgreSQL refuses any later change but voiding). Corrections
    are credit notes; a mistaken invoice is voided with a reason and keeps its
    number."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        VOID = "void", "Void"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="invoices"
    )
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)
    prefix = models.CharField(max_length=10, blank=True)
    number = models.PositiveIntegerField(null=True, blank=True, unique=True)
    currency = models.CharField(max_length=3)
    subtotal = money_field(default=ZERO)
    tax_total = money_field(default=ZERO)
    total = money_field(default=ZERO)
    tax_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "issued", "void"]), name="billing_invoice_status"
            ),
            models.CheckConstraint(
                condition=(Q(status="draft") & Q(number__isnull=True, issued_at__isnull=True))
                | (~Q(status="draft") & Q(number__isnull=False, issued_at__isnull=False)),
                name="billing_invoice_number_when_issued",
            ),
            models.CheckConstraint(
                condition=(Q(status="void") & Q(voided_at__isnull=False) & ~Q(void_reason=""))
                | (~Q(status="void") & Q(voided_at__isnull=True, void_reason="")),
                name="billing_invoice_void_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, tax_total__gte=0)
                & Q(total=F("subtotal") + F("tax_total")),
                name="billing_invoice_totals",
            ),
            # At most one open draft per patient: visits gather on it.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="draft"),
                name="billing_one_draft_per_patient",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "created_at"], name="billing_invoice_patient_idx"),
            models.Index(fields=["issued_at"], name="billing_invoice_issued_idx"),
        ]

    def __str__(self):
        return self.display_number

    @property
    def display_number(self) -> str:
        if self.number is None:
            return "Draft invoice"
        return f"{self.prefix}{self.number:06d}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def is_void(self) -> bool:
        return self.status == self.Status.VOID


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", "Treatment"
        LATE_CANCELLATION = "late_cancel", "Late cancellation fee"
        NO_SHOW = "no_show", "No-show fee"
        PACKAGE = "package", "Package of treatments"
        ITEM = "item", "Other item"

    APPOINTMENT_KINDS = (Kind.VISIT, Kind.LATE_CANCELLATION, Kind.NO_SHOW)

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    package = models.ForeignKey(
        "billing.Package", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=200)
    quantity = models.PositiveSmallIntegerField(default=1)
    unit_price = money_field()
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.00"))
    net = money_field()
    tax = money_field(default=ZERO)
    total = money_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, unit_price__gte=0, tax__gte=0)
                & Q(tax_rate__gte=0, tax_rate__lte=100),
                name="billing_line_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(net=F("quantity") * F("unit_price")) & Q(total=F("net") + F("tax")),
                name="billing_line_arithmetic",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["visit", "late_cancel", "no_show"])
                | Q(appointment__isnull=False),
                name="billing_line_appointment_kinds",
            ),
            models.CheckConstraint(
                condition=~Q(kind="package") | Q(package__isnull=False),
                name="billing_line_package_kind",
            ),
        ]

    def __str__(self):
        return self.description


class CreditNote(models.Model):
    """A correction of an issued invoice: reduces what it asks for. Numbered in
    its own gapless series; never changed or deleted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    prefix = models.CharField(max_length=10)
    number = models.PositiveIntegerField(unique=True)
    amount = money_field()
    reason = models.CharField(max_length=300)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["issued_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_credit_note_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="billing_credit_note_reason"),
        ]

    def __str__(self):
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.prefix}{self.number:06d}"


class PatientAccount(models.Model):
    """A patient's account credit (from overpayments), never below zero. Its row
    is locked whenever the credit is used or added to."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="billing_account"
    )
    credit = money_field(default=ZERO)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(credit__gte=0), name="billing_credit_non_negative")
        ]

    def __str__(self):
        return f"Account of {self.patient}"


class CreditEntry(models.Model):
    """One movement of account credit (append-only): why the credit changed."""

    class Kind(models.TextChoices):
        OVERPAYMENT = "overpayment", "Overpayment kept as credit"
        USED = "used", "Used to pay an invoice"

    account = models.ForeignKey(PatientAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = money_field(help_text="Positive adds credit, negative uses it.")
    payment = models.ForeignKey("billing.Payment", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="overpayment") & Q(amount__gt=0))
                | (Q(kind="used") & Q(amount__lt=0)),
                name="billing_credit_entry_sign",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


class PackageQuerySet(models.QuerySet):
    def usable_on(self, day):
        return self.filter(used__lt=F("treatments"), expires_on__gte=day)

    def visible_to(self, user):
        from accounts.roles import Capability

        if user.can(Capability.BILL):
            return self
        if user.can(Capability.USE_PORTAL):
            return self.filter(patient__user=user)
        return self.none()


class Package(models.Model):
    """A prepaid course of treatments, sold on an invoice, redeemed visit by visit."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="packages"
    )
    name = models.CharField(max_length=100)
    treatments = models.PositiveSmallIntegerField()
    used = models.PositiveSmallIntegerField(default=0)
    price = money_field()
    expires_on = models.DateField()
    sold_at = models.DateTimeField(auto_now_add=True)
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PackageQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(treatments__gte=1, treatments__lte=100), name="billing_package_size"
            ),
            models.CheckConstraint(
                condition=Q(used__lte=F("treatments")), name="billing_package_not_overused"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="billing_package_price"),
        ]

    def __str__(self):
        return f"{self.name} ({self.remaining} of {self.treatments} left)"

    @property
    def remaining(self) -> int:
        return self.treatments - self.used


class PaymentQuerySet(models.QuerySet):
    def with_refunded(self):
        return self.annotate(refunded_total=_sum(Refund, "amount", "payment"))


class Payment(models.Model):
    """Money (or credit) received against an issued invoice; never changed or
    deleted (refunds are rows of their own). ``amount`` is what it pays of the
    invoice; ``credited`` the overpayment kept as account credit."""

    class Method(models.TextChoices):
        CASH = "cash", "Cash"
        CARD = "card", "Card"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        INSURER = "insurer", "Insurer"
        PACKAGE = "package", "Package credit"
        ACCOUNT_CREDIT = "account_credit", "Account credit"

    # Methods that bring new money in (the others spend what was paid before).
    TAKINGS_METHODS = (Method.CASH, Method.CARD, Method.BANK_TRANSFER, Method.INSURER)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=16, choices=Method.choices)
    amount = money_field()
    credited = money_field(default=ZERO)
    reference = models.CharField(max_length=100, blank=True)
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The visit a package treatment was redeemed for.",
    )
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["taken_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, credited__gte=0), name="billing_payment_positive"
            ),
            models.CheckConstraint(
                condition=Q(method="package", package__isnull=False)
                | (~Q(method="package") & Q(package__isnull=True)),
                name="billing_payment_package_method",
            ),
            models.CheckConstraint(
                condition=Q(credited=0)
                | Q(method__in=["cash", "card", "bank_transfer", "insurer"]),
                name="billing_payment_credit_from_money",
            ),
            # A package pays for a visit once.
            models.UniqueConstraint(
                fields=["package", "appointment"],
                condition=Q(package__isnull=False),
                name="billing_one_redemption_per_visit",
            ),
        ]
        indexes = [
            models.Index(fields=["taken_at"], name="billing_payment_taken_idx"),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount}"

    @property
    def received(self) -> Decimal:
        return self.amount + self.credited


class Refund(models.Model):
    """Money given back against a payment (never more than it paid; the service
    checks under the invoice's row lock). Never changed or deleted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    reason = models.CharField(max_length=300)
    refunded_at = models.DateTimeField()
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["refunded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_refund_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="billing_refund_reason"),
        ]
        indexes = [models.Index(fields=["refunded_at"], name="billing_refund_at_idx")]

    def __str__(self):
        return f"Refund {self.amount}"


class DiagnosisCode(models.Model):
    """A diagnosis code the clinic's practitioners may pick (clinic-editable;
    seeded from DOMAIN.md), with the pain causes it is suggested for."""

    class System(models.TextChoices):
        ICD10 = "icd10", "WHO ICD-10"
        ICD10_CM = "icd10cm", "ICD-10-CM (US)"

    system = models.CharField(max_length=8, choices=System.choices)
    code = models.CharField(max_length=10)
    description = models.CharField(max_length=200)
    suggested_for = models.CharField(
        max_length=100,
        blank=True,
        help_text="Pain causes (comma-separated: muscle_strain, herniated_disc, arthritis, "
        "other) for which it is suggested.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["system", "code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="billing_unique_code"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"),
                name="billing_code_shape",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.description}"


class PractitionerRegistration(models.Model):
    """A practitioner's registration number for insurers (e.g. a US NPI or an
    insurer's provider number), printed on superbills beside the licence."""

    practitioner = models.OneToOneField(
        "practitioners.Practitioner", on_delete=models.PROTECT, related_name="billing_registration"
    )
    registration_number = models.CharField(max_length=50)

    def __str__(self):
        return f"{self.practitioner}: {self.registration_number}"


class SessionCodingQuerySet(models.QuerySet):
    def latest_per_session(self):
        return self.order_by("session_id", "-coded_at", "-id").distinct("session_id")


class SessionCoding(models.Model):
    """The diagnosis (and, in the US, procedure) codes of one treatment record,
    picked by its practitioner. Append-only, like an addendum: a correction is a
    newer row and the newest counts, so what a signed record was billed with is
    never rewritten. Codes are copied with their wording as picked."""

    session = models.ForeignKey(
        "treatment_sessions.TreatmentSession", on_delete=models.PROTECT, related_name="codings"
    )
    system = models.CharField(max_length=8, choices=DiagnosisCode.System.choices)
    diagnosis_codes = ArrayField(models.CharField(max_length=10))
    diagnosis_descriptions = ArrayField(models.CharField(max_length=200))
    # [["97810", 1], ["97811", 1]]: CPT code and units, confirmed by the practitioner.
    procedure_codes = models.JSONField(default=list, blank=True)
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    coded_at = models.DateTimeField(auto_now_add=True)

    objects = SessionCodingQuerySet.as_manager()

    class Meta:
        ordering = ["coded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(diagnosis_codes__len__gte=1), name="billing_coding_has_a_code"
            ),
        ]
        indexes = [models.Index(fields=["session", "coded_at"], name="billing_coding_session_idx")]

    def __str__(self):
        return ", ".join(self.diagnosis_codes)

    @property
    def diagnoses(self) -> list[tuple[str, str]]:
        return list(zip(self.diagnosis_codes, self.diagnosis_descriptions, strict=False))


class InvoiceBalance(models.Model):
    """What an issued invoice still asks for, kept by PostgreSQL (triggers of
    migration 0004 on issuing, voiding, credit notes, payments and refunds), so
    the outstanding-balances report reads only the open ones. The one writer is
    the database; the app only reads it."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, primary_key=True, related_name="open_balance"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    balance = money_field()

    class Meta:
        managed = True
        indexes = [
            models.Index(
                fields=["issued_at"],
                include=["balance", "patient"],
                condition=~Q(balance=0),
                name="billing_open_balance_idx",
            )
        ]

    def __str__(self):
        return f"{self.invoice_id}: {self.balance}"
