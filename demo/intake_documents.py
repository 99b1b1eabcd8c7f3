"""Online intake and documents in the demo (issue 17): two new patients whose
first visit is still to come filled in the intake and signed consent through
their link (their answers wait for the practitioner's review at that visit),
each with a GP referral letter attached; the portal patient has a scan report
shared with her. Running it again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Min
from django.utils import timezone

from accounts.models import User
from documents.models import Document
from documents.services import attach_document
from intake import services
from intake.defaults import QUESTIONS
from intake.models import IntakeForm, IntakeRequest
from intake.tokens import intake_token
from patients.models import Patient

INTAKE_PATIENTS = 2
ANSWERS = {
    "back_problem": "Low back pain on the left since lifting boxes in the spring; worse sitting.",
    "medicines": "Ibuprofen when it is bad; apixaban for my heart rhythm.",
    "blood_thinners": "yes",
    "other_treatment": "Physiotherapy every other week; stretches at home.",
    "had_acupuncture": "yes",
    "acupuncture_how": "Once, years ago, for my neck. It helped; I felt a bit dizzy after.",
    "needle_fear": "yes",
    "skin": "",
    "other_allergies": "Plasters",
    "device_details": "",
}


def pdf(title: str, lines: list[str]) -> bytes:
    """A small one-page PDF with a few lines of text (no library needed)."""
    text = " ".join(
        f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -18 Td" for line in [title, *lines]
    )
    stream = f"BT /F1 12 Tf 60 780 Td {text} ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _answers(patient: Patient) -> dict[str, str]:
    answers = {}
    for _section, key, _text, kind, _extra in QUESTIONS:
        default = {"yes_no": "no", "scale_0_10": "6", "choice": "2"}.get(kind, "")
        answers[key] = ANSWERS.get(key, default)
    answers |= {
        "phone": patient.phone,
        "address": f"{patient.address_line1}, {patient.city} {patient.postcode}",
        "emergency_contact": f"{patient.emergency_contact_name or 'My partner'}, "
        f"{patient.emergency_contact_phone or patient.phone}",
        "gp": patient.family_doctor_name or "Dr Patel, Clifton Surgery",
    }
    return answers


def _new_patients_to_come() -> list[Patient]:
    """Patients whose first appointment is still to come, with no consent yet."""
    now = timezone.now()
    return list(
        Patient.objects.active()
        .filter(email__gt="", allow_email=True, consents__isnull=True, user__isnull=True)
        .annotate(first=Min("appointments__start_at"))
        .filter(first__gt=now)
        .order_by("first", "id")[:INTAKE_PATIENTS]
    )


def seed_intake_and_documents(front_desk: User, practitioner: User, portal_patient) -> dict:
    created = {"intakes": 0, "documents": 0}
    form = IntakeForm.objects.current().first()  # version 1 comes with the migrations
    if form is None or IntakeRequest.objects.filter(completed_at__isnull=False).exists():
        return created  # no questions set up, or seeded before
    for patient in _new_patients_to_come():
        # Sent two days ago (no e-mail goes out from the demo).
        sent_at = timezone.now() - timedelta(days=2)
        sent = IntakeRequest.objects.create(
            patient=patient,
            form=form,
            created_by=front_desk,
            created_at=sent_at,
            expires_at=sent_at + timedelta(days=settings.INTAKE_LINK_DAYS),
            sent_to=patient.email,
        )
        name = f"{patient.first_name} {patient.last_name}"
        services.submit_intake(
            intake_request=sent,
            token=intake_token.make_token(sent),
            answers=_answers(patient),
            consent={
                "text_version": "1",
                "signature_method": "typed",
                "typed_name": name,
                "typed_name_confirmed": True,
            },
        )
        created["intakes"] += 1
        letter = pdf(
            "Referral for acupuncture",
            [f"Re: {name}, born {patient.date_of_birth:%d/%m/%Y}", "Chronic low back pain.",
             "Please assess and treat. Dr A. Patel, Clifton Surgery"],
        )  # fmt: skip
        attach_document(
            patient=patient,
            uploaded=ContentFile(letter, name="GP referral letter.pdf"),
            kind=Document.Kind.REFERRAL,
            document_date=timezone.localdate() - timedelta(days=10),
            by=front_desk,
            description="From the patient's GP",
        )
        created["documents"] += 1
    if portal_patient is not None and not portal_patient.documents.exists():
        report = pdf(
            "MRI lumbar spine: report",
            ["Mild disc bulge at L4/5 without nerve root compression.", "No sinister features."],
        )
        attach_document(
            patient=portal_patient,
            uploaded=ContentFile(report, name="MRI report.pdf"),
            kind=Document.Kind.IMAGING,
            document_date=timezone.localdate() - timedelta(days=40),
            by=practitioner,
            clinical=True,
            shared_with_patient=True,
            description="MRI, lumbar spine",
        )
        created["documents"] += 1
    return created
