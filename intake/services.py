"""Online intake, the one place for its rules.

* ``send_intake_link``: the front desk sends a patient a single-use, expiring
  link, through the notifications queue (e-mail now; ``choose_channel`` is the
  hook for a text-message channel).
* ``link_problem``: why a link no longer works (used, expired, not valid).
* ``submit_intake``: the patient's answers and their signed consent, in one
  transaction: all of it is stored, or nothing.
* ``review_flags``: the practitioner accepts or corrects, flag by flag, what
  the answers say; only this changes a clinical flag, and both the answer and
  the decision are kept. Audited, without clinical values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

import audit.services
from clinic.models import ClinicSettings
from intake.models import (
    BOOLEAN_FLAGS,
    FlagReview,
    IntakeAnswer,
    IntakeForm,
    IntakeQuestion,
    IntakeRequest,
)
from intake.tokens import intake_token
from notifications.kinds import queue_about
from notifications.models import OutboundMessage
from patients.consent import ConsentError, record_consent
from patients.models import Patient


class IntakeError(ValidationError):
    """A request the rules refuse; the message says why. Nothing is stored."""


# --- Sending the link -------------------------------------------------------------


def link_path(intake_request: IntakeRequest) -> str:
    return reverse(
        "intake:fill",
        kwargs={"uuid": intake_request.uuid, "token": intake_token.make_token(intake_request)},
    )


def build_link_email(message) -> EmailMessage:
    """The e-mail of a queued intake-link message (registered with the
    notifications queue in IntakeConfig.ready); the token is made now, so no
    secret is stored in the queue."""
    intake_request = IntakeRequest.objects.select_related("patient").get(uuid=message.subject_ref)
    patient = intake_request.patient
    clinic = ClinicSettings.load()
    context = {
        "greeting_name": (patient.preferred_name or patient.first_name).strip(),
        "link": settings.CLINIC_BASE_URL.rstrip("/") + link_path(intake_request),
        "days": settings.INTAKE_LINK_DAYS,
        "clinic": clinic,
    }
    return EmailMessage(
        subject=" ".join(render_to_string("intake/email/link_subject.txt", context).split()),
        body=render_to_string("intake/email/link_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        reply_to=[clinic.email] if clinic.email else None,
        headers={"Auto-Submitted": "auto-generated"},
    )


def link_message_outdated(message) -> str:
    """Why a queued intake link should no longer go out, or ''."""
    intake_request = IntakeRequest.objects.filter(uuid=message.subject_ref).first()
    if intake_request is None:
        return "the intake request is gone"
    if intake_request.is_completed:
        return "the intake was already filled in"
    if intake_request.is_expired():
        return "the link has expired"
    return ""


def choose_channel(patient: Patient) -> tuple[str, str]:
    """(channel, address) by the patient's preferences, or IntakeError. The
    text-message channel (issue 17, SMS part) adds "sms" here when the patient
    prefers texts, and the notifications queue sends it by that channel."""
    if patient.email and patient.allow_email:
        return "email", patient.email
    raise IntakeError(
        "This patient has no e-mail address we may use: add one (and tick “may e-mail”) "
        "to send the intake link, or go through the questions with them at the first visit."
    )


@transaction.atomic
def send_intake_link(*, patient: Patient, by) -> IntakeRequest:
    """Create an intake request and queue its link in the notifications queue,
    in one transaction; the message goes out after the commit (or by
    ``send_reminders``), once, and a failure is stored on the message."""
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if locked.is_archived:
        raise IntakeError("This record is archived: restore it before sending an intake link.")
    form = IntakeForm.objects.current().first()
    if form is None:
        raise IntakeError("No intake questions are set up yet: the clinic admin adds them.")
    channel, address = choose_channel(locked)
    now = timezone.now()
    intake_request = IntakeRequest.objects.create(
        patient=locked,
        form=form,
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=settings.INTAKE_LINK_DAYS),
        channel=channel,
        sent_to=address,
    )
    queue_about(
        kind=OutboundMessage.Kind.INTAKE_LINK,
        recipient=address,
        subject_ref=str(intake_request.uuid),
    )
    audit.services.record(
        "intake.link.queued",
        actor=by,
        obj=intake_request,
        patient=locked,
        data={"channel": channel, "form_version": form.version},
    )
    return intake_request


def link_status(intake_request: IntakeRequest) -> str:
    """What became of the link's message: queued, sent or failed."""
    status = (
        IntakeRequest.objects.with_message_status()
        .values_list("message_status", flat=True)
        .get(pk=intake_request.pk)
    )
    return status or "queued"


# --- The patient fills it in --------------------------------------------------------

USED = (
    "This intake form has already been filled in: thank you. If you need to change "
    "something, tell your practitioner at your visit or ask the clinic for a new link."
)
EXPIRED = (
    "This link has expired. Please contact the clinic and ask for a new intake link; "
    "nothing you may have started was stored."
)
NOT_VALID = (
    "This link is not valid. Check that you opened the whole link from the message, or "
    "ask the clinic for a new one."
)


def find_request(uuid) -> IntakeRequest | None:
    return (
        IntakeRequest.objects.select_related("patient", "form", "created_by")
        .filter(uuid=uuid)
        .first()
    )


def link_problem(intake_request: IntakeRequest | None, token: str) -> str | None:
    """Why this link cannot be used now (plain words), or None."""
    if intake_request is None:
        return NOT_VALID
    if intake_request.is_completed:
        return USED
    if intake_request.is_expired():
        return EXPIRED
    if not intake_token.check_token(intake_request, token):
        return NOT_VALID
    return None


def questions_of(intake_request: IntakeRequest) -> list[IntakeQuestion]:
    return list(intake_request.form.questions.all())


@transaction.atomic
def submit_intake(
    *, intake_request: IntakeRequest, token: str, answers: dict[str, str], consent: dict
) -> IntakeRequest:
    """Store every answer and record the consent, or nothing (IntakeError)."""
    locked = (
        IntakeRequest.objects.select_for_update(of=("self",))
        .select_related("patient", "form", "created_by")
        .get(pk=intake_request.pk)
    )
    problem = link_problem(locked, token)
    if problem:
        raise IntakeError(problem)
    questions = questions_of(locked)
    IntakeAnswer.objects.bulk_create(
        IntakeAnswer(request=locked, question=q, value=answers.get(q.key, "")) for q in questions
    )
    # The consent record of patients.consent: recorded through the link the
    # clinic sent (recorded_by: who sent it; the audit event below says how).
    try:
        signed = record_consent(patient=locked.patient, by=locked.created_by, data=consent)
    except ConsentError as error:
        raise IntakeError(error.messages) from None
    locked.completed_at, locked.consent_uuid = timezone.now(), signed.uuid
    locked.save(update_fields=["completed_at", "consent_uuid"])
    red_flags = sum(1 for q in questions if q.is_red_flag and answers.get(q.key) == "yes")
    audit.services.record(
        "intake.submitted",
        obj=locked,
        patient=locked.patient,
        actor_label="the patient, through the intake link",
        data={
            "form_version": locked.form.version,
            "answers": len(questions),
            "red_flags_answered_yes": red_flags,
            "consent": str(signed.uuid),
        },
    )
    return locked


# --- The practitioner reviews the flags -----------------------------------------------


@dataclass
class FlagRow:
    """One flag question beside the patient's flag now."""

    question: IntakeQuestion
    answer: str  # stored answer ("yes"/"no" or text)
    flag_now: bool | str
    review: FlagReview | None = None

    @property
    def flag(self) -> str:
        return self.question.flag

    @property
    def is_boolean(self) -> bool:
        return self.flag in BOOLEAN_FLAGS

    @property
    def answered_value(self) -> bool | str:
        return self.answer == "yes" if self.is_boolean else self.answer.strip()

    @property
    def answer_display(self) -> str:
        return self.question.display(self.answer)

    @property
    def flag_display(self) -> str:
        if self.is_boolean:
            return "Yes" if self.flag_now else "No"
        return self.flag_now or "—"

    @property
    def differs(self) -> bool:
        return self.answered_value != self.flag_now


def answers_of(intake_request: IntakeRequest) -> list[IntakeAnswer]:
    return list(intake_request.answers.select_related("question").order_by("question__position"))


def flag_rows(intake_request: IntakeRequest, answers: list[IntakeAnswer]) -> list[FlagRow]:
    patient = intake_request.patient
    reviews = {r.flag: r for r in intake_request.reviews.all()}
    return [
        FlagRow(
            question=a.question,
            answer=a.value,
            flag_now=getattr(patient, a.question.flag),
            review=reviews.get(a.question.flag),
        )
        for a in answers
        if a.question.flag
    ]


def _text(value: bool | str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


@transaction.atomic
def review_flags(*, intake_request: IntakeRequest, by, decisions: dict[str, dict]) -> list:
    """Record the practitioner's value for each flag question.

    ``decisions``: flag -> {"value": bool | str, "note": str}. A value other
    than the patient's answer is a correction and needs a note."""
    locked = IntakeRequest.objects.select_for_update(of=("self",)).get(pk=intake_request.pk)
    if not locked.is_completed:
        raise IntakeError("The patient has not filled in the intake yet.")
    if locked.reviewed_at is not None:
        raise IntakeError("These answers were already reviewed; change a flag on its own page.")
    patient = Patient.objects.select_for_update().get(pk=locked.patient_id)
    locked.patient = patient
    rows = flag_rows(locked, answers_of(locked))
    now, reviews, changed = timezone.now(), [], []
    for row in rows:
        decision = decisions.get(row.flag, {})
        value = decision.get("value", row.answered_value)
        value = bool(value) if row.is_boolean else " ".join(str(value).split())
        note = " ".join(str(decision.get("note", "")).split())
        corrected = value != row.answered_value
        if corrected and not note:
            raise IntakeError(
                f"“{row.question.text}”: you recorded something other than the patient's "
                "answer. Say why in the note."
            )
        reviews.append(
            FlagReview(
                request=locked,
                flag=row.flag,
                patient_answer=row.answer,
                flag_before=_text(row.flag_now),
                value_recorded=_text(value),
                decision=FlagReview.Decision.CORRECTED
                if corrected
                else FlagReview.Decision.ACCEPTED,
                note=note,
                reviewed_by=by,
                reviewed_at=now,
            )
        )
        if value != row.flag_now:
            setattr(patient, row.flag, value)
            changed.append(row.flag)
    if "is_pregnant" in changed and not patient.is_pregnant and patient.pregnancy_due_date:
        patient.pregnancy_due_date = None
        changed.append("pregnancy_due_date")
    FlagReview.objects.bulk_create(reviews)
    if changed:
        patient.clinical_flags_updated_at = now
        patient.version = F("version") + 1
        patient.save(update_fields=[*changed, "clinical_flags_updated_at", "version", "updated_at"])
        audit.services.record(
            "patients.clinical_flags.changed",
            actor=by,
            obj=patient,
            patient=patient,
            data={"changed_fields": changed, "from": "intake review"},
        )
    locked.reviewed_at, locked.reviewed_by = now, by
    locked.save(update_fields=["reviewed_at", "reviewed_by"])
    audit.services.record(
        "intake.flags.reviewed",
        actor=by,
        obj=locked,
        patient=patient,
        data={
            "decisions": {r.flag: r.decision for r in reviews},
            "changed_fields": changed,
        },
    )
    return reviews


def save_intake_form(*, intake_form: IntakeForm, changed: list[str], change: bool, by) -> None:
    """Save a version of the questions from the admin; one version is current."""
    with transaction.atomic():
        if intake_form.is_current:
            IntakeForm.objects.current().exclude(pk=intake_form.pk).update(is_current=False)
        intake_form.save()
        audit.services.record(
            "intake.form.changed" if change else "intake.form.added",
            actor=by,
            obj=intake_form,
            data={"version": intake_form.version, "changed_fields": list(changed)},
        )


@transaction.atomic
def copy_intake_form(*, source: IntakeForm, by) -> IntakeForm:
    """A new, not yet current version with the source's questions, to edit."""
    version = f"{source.version}-copy-{IntakeForm.objects.count() + 1}"
    copy = IntakeForm.objects.create(version=version[:20])
    questions = list(source.questions.all())
    for question in questions:
        question.pk, question.form = None, copy
    IntakeQuestion.objects.bulk_create(questions)
    audit.services.record(
        "intake.form.added",
        actor=by,
        obj=copy,
        data={"version": copy.version, "copied_from": source.version},
    )
    return copy


def record_answers_read(*, intake_request: IntakeRequest, by) -> None:
    """Answers are clinical: who read them is kept."""
    audit.services.record(
        "intake.answers.viewed", actor=by, obj=intake_request, patient=intake_request.patient
    )
