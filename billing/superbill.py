"""The insurance receipt ("superbill") of one invoice: the visits on it, each
with its practitioner (licence and registration as signed), the diagnosis and
procedure codes of its record, and what was paid. Read in a fixed number of
queries; front desk sees only these codes, never the record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from billing.models import BillingSettings, InvoiceLine, PractitionerRegistration, SessionCoding
from billing.money import ZERO
from sessions.models import TreatmentSession


@dataclass
class Provider:
    name: str
    licence_number: str
    licence_body: str
    registration: str


@dataclass
class Service:
    day: date
    description: str
    fee: Decimal
    paid: Decimal
    cpt: list = field(default_factory=list)


@dataclass
class Superbill:
    number: str
    currency: str
    patient: object
    code_system: str
    prints_cpt: bool
    tax_registration: str
    providers: list[Provider]
    diagnoses: list[tuple[str, str]]
    services: list[Service]
    total_paid: Decimal


def build(page) -> Superbill:
    """From an InvoicePage (billing.account.invoice_page): visits, their records'
    newest codings and the practitioners' registrations, three more queries."""
    invoice = page.invoice
    settings = BillingSettings.load()
    visit_lines = [line for line in page.lines if line.kind == InvoiceLine.Kind.VISIT]
    appointment_ids = [line.appointment_id for line in visit_lines]
    sessions = {
        s.appointment_id: s
        for s in TreatmentSession.objects.filter(
            appointment_id__in=appointment_ids
        ).prefetch_related(
            Prefetch(
                "codings",
                queryset=SessionCoding.objects.order_by("-coded_at", "-id"),
                to_attr="newest_codings",
            )
        )
    }
    practitioner_ids = {line.appointment.practitioner_id for line in visit_lines}
    registrations = dict(
        PractitionerRegistration.objects.filter(practitioner_id__in=practitioner_ids).values_list(
            "practitioner_id", "registration_number"
        )
    )
    share = invoice.paid / invoice.total if invoice.total else ZERO
    providers: dict[str, Provider] = {}
    diagnoses: dict[str, str] = {}
    services = []
    for line in visit_lines:
        session = sessions.get(line.appointment_id)
        coding = session.newest_codings[0] if session and session.newest_codings else None
        # The licence as the record was signed with it; else the practitioner's own.
        practitioner = line.appointment.practitioner
        signed = session is not None and session.signed_at is not None
        provider = Provider(
            name=session.signed_practitioner_name if signed else str(practitioner),
            licence_number=session.signed_licence_number if signed else practitioner.licence_number,
            licence_body=session.signed_licence_body
            if signed
            else practitioner.licence_issuing_body,
            registration=registrations.get(practitioner.id, ""),
        )
        providers.setdefault(provider.name + provider.licence_number, provider)
        if coding is not None:
            for code, description in coding.diagnoses:
                diagnoses.setdefault(code, description)
        services.append(
            Service(
                day=timezone.localdate(line.appointment.start_at),
                description=line.description.split(",")[0],
                fee=line.total,
                paid=(line.total * share).quantize(Decimal("0.01")),
                cpt=[tuple(c) for c in coding.procedure_codes] if coding else [],
            )
        )
    return Superbill(
        number=invoice.display_number,
        currency=invoice.currency,
        patient=invoice.patient,
        code_system=settings.code_system_label,
        prints_cpt=settings.prints_cpt,
        tax_registration=settings.tax_registration,
        providers=list(providers.values()),
        diagnoses=sorted(diagnoses.items()),
        services=services,
        total_paid=invoice.paid,
    )
