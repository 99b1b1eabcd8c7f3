"""The patient's whole record as data: what the JSON download and the
printable page show (DOMAIN.md: patients may see and export their record).

``build_export(patient)`` is a pure function of the patient: it reads their
details, appointments (with pre-visit questionnaires) and signed treatment
sessions in a fixed number of queries however long the record is, and
returns plain values (text, numbers, booleans, dates and times in the clinic's
time zone, lists and dicts) that ``DjangoJSONEncoder`` writes out as they are.

Drafts never leave the clinic: a session is part of the record once signed.
The clinician's working notes are left out as on the history pages (see
``portal.history``): red flags, the TCM pattern, tongue and pulse,
contraindication notes and overridden safety warnings.
"""

from __future__ import annotations

import base64
import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from clinic.models import ClinicSettings
from documents.models import Document
from intake.models import IntakeAnswer
from patients.models import Consent, Patient
from portal.history import placement_words, session_story, with_story
from portal.models import PreVisitQuestionnaire
from scheduling.models import Appointment
from sessions.models import NeedlePlacement, TreatmentSession
from sessions.outcomes import ODI_SECTIONS, odi

FORMAT = "back-pain-clinic/patient-record"
FORMAT_VERSION = 1


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    return None if moment is None else timezone.localtime(moment)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _odi(sections: list[int | None]) -> dict[str, Any]:
    result = odi(sections)
    return {
        "sections": {
            label: score for (_, label), score in zip(ODI_SECTIONS, sections, strict=True)
        },
        "answered": result.answered,
        # A number in the JSON (44.4 or 40), not the text DjangoJSONEncoder makes of a Decimal.
        "percent": None if result.percent is None else _number(result.percent),
        "band": result.band,
    }


def _patient(patient: Patient) -> dict[str, Any]:
    return {
        "patient_number": patient.patient_number,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "preferred_name": patient.preferred_name,
        "date_of_birth": patient.date_of_birth,
        "sex": patient.get_sex_display(),
        "consent_to_treatment_date": patient.consent_to_treatment_date,
        "consent_text_version": patient.consent_text_version,
        "health_flags": patient.clinical_flags,
    }


def _contact(patient: Patient) -> dict[str, Any]:
    return {
        "phone": patient.phone,
        "email": patient.email,
        "address_line1": patient.address_line1,
        "address_line2": patient.address_line2,
        "city": patient.city,
        "postcode": patient.postcode,
        "emergency_contact": {
            "name": patient.emergency_contact_name,
            "relationship": patient.emergency_contact_relationship,
            "phone": patient.emergency_contact_phone,
        },
        "family_doctor": {
            "name": patient.family_doctor_name,
            "practice": patient.family_doctor_practice,
            "phone": patient.family_doctor_phone,
        },
        "preferences": {
            "preferred_contact": patient.get_preferred_contact_display(),
            "may_email": patient.allow_email,
            "may_send_text_messages": patient.allow_sms,
            "appointment_reminders": patient.appointment_reminders,
        },
    }


def _questionnaire(questionnaire: PreVisitQuestionnaire | None) -> dict[str, Any] | None:
    if questionnaire is None:
        return None
    return {
        "submitted_at": _local(questionnaire.submitted_at),
        "pain_now": questionnaire.nprs_now,
        "least_pain_last_24_hours": questionnaire.nprs_best,
        "worst_pain_last_24_hours": questionnaire.nprs_worst,
        "odi": _odi([getattr(questionnaire, name) for name, _ in ODI_SECTIONS]),
        "comments": questionnaire.comments,
    }


def _appointment(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.uuid,
        "start": _local(appointment.start_at),
        "end": _local(appointment.end_at),
        "type": appointment.appointment_type.name,
        "practitioner": appointment.practitioner.user.full_name,
        "room": appointment.room.name,
        "status": appointment.get_status_display(),
        "booked_online": appointment.booked_online,
        "cancelled_at": _local(appointment.cancelled_at),
        "cancelled_by": appointment.get_cancelled_by_display() if appointment.cancelled_by else "",
        "cancellation_reason": appointment.cancellation_reason,
        "late_cancellation": appointment.late_cancellation,
        # A reverse one-to-one: selected with the appointment, None when there is none.
        "questionnaire": _questionnaire(getattr(appointment, "questionnaire", None)),
    }


def _placement(placement: NeedlePlacement) -> dict[str, Any]:
    point = placement.acupoint
    return {
        "code": placement.point_code,
        "name": placement.point_name,
        "channel": point.channel_name,
        "kind": point.get_kind_display(),
        "ashi_location": placement.ashi_location,
        "side": placement.get_side_display(),
        "in_words": placement_words(placement),
        "needles": placement.needle_count,
        "needle": placement.needle_label,
        "depth_mm": None if placement.depth_mm is None else float(placement.depth_mm),
        "angle": placement.get_angle_display(),
        "stimulation": placement.get_stimulation_display(),
        "manual_method": placement.get_manual_method_display() if placement.manual_method else "",
        "electroacupuncture_hz": placement.ea_frequency,
        "electroacupuncture_minutes": placement.ea_minutes,
        "de_qi": placement.de_qi,
        "notes": placement.notes,
    }


def _session(session: TreatmentSession) -> dict[str, Any]:
    story = session_story(session)
    placements = list(session.placements.all())
    return {
        "id": session.uuid,
        "date": session.session_date,
        "practitioner": story.practitioner,
        "signed_at": _local(session.signed_at),
        "what_we_did": story.what_we_did,
        "scores": {
            "pain_now": session.nprs_now,
            "least_pain_last_24_hours": session.nprs_best,
            "worst_pain_last_24_hours": session.nprs_worst,
            "odi": _odi(session.odi_sections),
            "rmdq": session.rmdq_score,
        },
        "needling": {
            "points": [_placement(p) for p in placements],
            "needles_in_at": _local(session.needles_in_at),
            "needles_out_at": _local(session.needles_out_at),
            "retention_minutes": session.retention_minutes,
            "needles_inserted": sum(p.needle_count for p in placements),
            "needles_removed": session.needles_removed,
        },
        "reactions": [
            {"what": r.what, "severity": r.severity, "action_taken": r.action_taken}
            for r in story.reactions
        ],
        "follow_up": {
            "response": story.response,
            "response_notes": story.response_notes,
            "recommendations": story.recommendations,
            "recommendation_notes": story.recommendation_notes,
            "plan": story.plan,
            "next_visit_in_days": story.next_visit_in_days,
        },
        "addenda": [
            {"date": _local(a.date), "author": a.author, "reason": a.reason, "text": a.text}
            for a in story.addenda
        ],
    }


def _consent(consent: Consent) -> dict[str, Any]:
    """A consent given or withdrawn, with the wording agreed to and the signature."""
    text = consent.consent_text
    return {
        "when": _local(consent.given_at),
        "what": consent.get_kind_display(),
        "consent_text_version": text.version if text else "",
        "consent_text": text.text if text else "",
        "signed_by": consent.get_signer_display() if consent.signer else "",
        "guardian": {"name": consent.guardian_name, "relationship": consent.guardian_relationship}
        if consent.signer == Consent.Signer.GUARDIAN
        else None,
        "signature": consent.get_signature_method_display() if consent.signature_method else "",
        "typed_name": consent.typed_name,
        "signature_image": consent.signature_image,
        "note": consent.note,
    }


def _document(document: Document, *, with_files: bool) -> dict[str, Any]:
    """A document shared with the patient (or sent by them); in the JSON download
    with its file, base64-encoded, so that the export holds the whole record."""
    data = {
        "date": document.document_date,
        "kind": document.get_kind_display(),
        "description": document.description,
        "file_name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "sent_by_you": document.uploaded_by_patient,
    }
    if with_files:
        with document.file.open("rb") as handle:
            data["content_base64"] = base64.b64encode(handle.read()).decode("ascii")
    return data


def _intake_answers(patient: Patient) -> list[dict[str, Any]]:
    answers = (
        IntakeAnswer.objects.filter(request__patient=patient)
        .select_related("request", "question__form")
        .order_by("-request__completed_at", "question__position")
    )
    return [
        {
            "filled_in": _local(a.request.completed_at),
            "questions_version": a.question.form.version,
            "question": a.question.text,
            "answer": a.display,
        }
        for a in answers
    ]


def build_export(
    patient: Patient, *, now: datetime.datetime | None = None, with_files: bool = False
) -> dict[str, Any]:
    """The patient's whole record, newest appointments and sessions first.

    Queries: the clinic's settings (1), appointments with their type,
    practitioner, room and questionnaire (1), signed sessions with their
    practitioner (1), their placements, adverse events and addenda (3), the
    consents with the wording agreed to (1), the intake answers (1) and the
    documents the patient sees (1; with ``with_files``, their files are read
    from storage too).
    """
    clinic = ClinicSettings.load()
    appointments = (
        Appointment.objects.filter(patient=patient)
        .select_related("appointment_type", "practitioner__user", "room", "questionnaire")
        .order_by("-start_at")
    )
    sessions = with_story(TreatmentSession.objects.filter(patient=patient))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": _local(now or timezone.now()),
        "clinic": {
            "name": clinic.name,
            "address": clinic.address,
            "phone": clinic.phone,
            "email": clinic.email,
        },
        "patient": _patient(patient),
        "contact": _contact(patient),
        "appointments": [_appointment(a) for a in appointments],
        "sessions": [_session(s) for s in sessions],
        "consents": [
            _consent(c)
            for c in patient.consents.select_related("consent_text").order_by("-given_at", "-id")
        ],
        "intake_answers": _intake_answers(patient),
        "documents": [
            _document(d, with_files=with_files)
            for d in Document.objects.filter(
                patient=patient, shared_with_patient=True, filed_in_error_at__isnull=True
            )
        ],
    }
