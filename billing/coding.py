"""Diagnosis and procedure codes of a treatment record (DOMAIN.md, Billing and
insurance): suggested from the recorded cause, picked by the treating
practitioner, CPT units derived from retention and stimulation and confirmed.

A signed record's codes are not part of the signed snapshot: they are added
after it as append-only codings (the newest counts), as an addendum is, so the
practitioner can code a record after signing without changing what was signed.
"""

from __future__ import annotations

import math

from django.db import transaction

import audit.services
from billing.models import BillingSettings, DiagnosisCode, SessionCoding
from billing.services import BillingError

# CPT (US): initial 15 minutes, and each additional 15 minutes with re-insertion.
CPT = {
    "97810": "Acupuncture without electrical stimulation, initial 15 minutes",
    "97811": "Acupuncture without electrical stimulation, each additional 15 minutes",
    "97813": "Acupuncture with electrical stimulation, initial 15 minutes",
    "97814": "Acupuncture with electrical stimulation, each additional 15 minutes",
}


def codes_for(settings: BillingSettings):
    return DiagnosisCode.objects.filter(system=settings.code_system, is_active=True)


def suggested(codes, pain_cause: str) -> list[str]:
    """Codes whose 'suggested for' lists the record's cause (DOMAIN.md's mapping)."""
    cause = pain_cause or "other"
    return [c.code for c in codes if cause in [s.strip() for s in c.suggested_for.split(",")]]


def derived_cpt(session) -> list[tuple[str, int]]:
    """A suggestion the practitioner confirms: one initial code (with electrical
    stimulation if any needle had it), and one further unit per started 15
    minutes of retention beyond the first. Face-to-face time is what counts, not
    retention alone, hence the confirmation."""
    electro = any(p.stimulation == "electro" for p in session.placements.all())
    initial, further = ("97813", "97814") if electro else ("97810", "97811")
    minutes = session.retention_minutes or 15
    extra = max(0, math.ceil((minutes - 15) / 15))
    return [(initial, 1)] + ([(further, extra)] if extra else [])


def current_coding(session) -> SessionCoding | None:
    return session.codings.order_by("-coded_at", "-id").first()


@transaction.atomic
def record_coding(*, session, codes: list[str], cpt: list[tuple[str, int]], by) -> SessionCoding:
    """The treating practitioner's codes for the record, as a new coding row."""
    settings = BillingSettings.load()
    known = {c.code: c for c in codes_for(settings)}
    picked = [known[code] for code in codes if code in known]
    if not picked:
        raise BillingError("Pick at least one diagnosis code from the clinic's list.")
    if not settings.prints_cpt:
        cpt = []
    for code, units in cpt:
        if code not in CPT or not 1 <= units <= 8:
            raise BillingError("Each procedure code needs between 1 and 8 units.")
    if sum(1 for code, _ in cpt if code in ("97810", "97813")) > 1:
        raise BillingError("Only one initial code (97810 or 97813) per visit.")
    coding = SessionCoding.objects.create(
        session=session,
        system=settings.code_system,
        diagnosis_codes=[c.code for c in picked],
        diagnosis_descriptions=[c.description for c in picked],
        procedure_codes=[[code, units] for code, units in cpt],
        coded_by=by,
    )
    audit.services.record(
        "billing.coding.recorded",
        actor=by,
        obj=session,
        patient=session.patient,
        data={"codes": coding.diagnosis_codes, "procedures": coding.procedure_codes},
    )
    return coding
