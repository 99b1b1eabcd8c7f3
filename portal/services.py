"""What a patient does through the portal, and the rules the server enforces.

* ``invite_patient``: the front desk gives a patient a portal account and
  e-mails a single-use, expiring link where the patient sets a password.
* ``cancel_by_patient``: a patient cancels an appointment, only while the
  clinic's notice period allows it.
* ``book_online``: a patient books a free slot, within the clinic's online
  booking rules.

Every rule is checked here, on the server, whatever the page showed: a
forged request gets a ``BookingError`` (or ``InvitationError``) with a message
a person can act on, and nothing is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

import audit.services
from accounts.models import User
from accounts.roles import Role
from clinic.models import ClinicSettings
from patients.models import Patient
from portal.export import build_export
from portal.models import PreVisitQuestionnaire
from scheduling.availability import clinic_zone
from scheduling.models import Appointment, AppointmentType
from scheduling.services import (
    BookingError,
    book_appointment,
    cancel_appointment,
    cancel_deadline,
)
from scheduling.slots import Slot, find_slots
from sessions.models import TreatmentSession

if TYPE_CHECKING:
    from portal.record_forms import QuestionnaireForm

logger = logging.getLogger(__name__)

# --- Invitation ---------------------------------------------------------------


class InvitationError(Exception):
    """An invitation the clinic's data does not allow; ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvitationNotSent(InvitationError):
    """The account is ready but the e-mail could not be sent."""


def invitation_expires_in_days() -> int:
    return max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400))


def welcome_path(user: User) -> str:
    """The path of a fresh welcome link for ``user`` (valid until the password
    is set or PASSWORD_RESET_TIMEOUT passes)."""
    return reverse(
        "portal:welcome",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def has_started_using_portal(user: User | None) -> bool:
    """Whether the account has been taken up (a password set, or ever logged in)."""
    return user is not None and (user.has_usable_password() or user.last_login is not None)


def _account_for(patient: Patient) -> User:
    """Create the patient's portal account, or reuse the one not taken up yet.
    Call inside a transaction with the patient row locked."""
    if patient.is_archived:
        raise InvitationError("This patient's record is archived: restore it before inviting.")
    email = User.objects.normalize_email(patient.email.strip()).lower()
    if not email:
        raise InvitationError("This patient has no e-mail address: add one to their details first.")
    if not patient.allow_email:
        raise InvitationError(
            "This patient has asked not to be e-mailed. If they now agree, tick “may e-mail” "
            "in their details first."
        )
    user = patient.user
    if has_started_using_portal(user):
        raise InvitationError(
            f"{patient.display_name} already uses the portal with {user.email}. If they forgot "
            "their password, they can reset it from the log-in page."
        )
    clash = User.objects.filter(email__iexact=email)
    if user is not None:
        clash = clash.exclude(pk=user.pk)
    if clash.exists():
        raise InvitationError(
            f"The e-mail address {email} already belongs to another account. Each patient needs "
            "an e-mail address of their own: correct the patient's e-mail first."
        )
    full_name = f"{patient.preferred_name or patient.first_name} {patient.last_name}".strip()
    if user is None:
        user = User(email=email, full_name=full_name, role=Role.PATIENT)
    user.email, user.full_name, user.is_active = email, full_name, True
    # A new unusable password also invalidates any earlier invitation link.
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # the same address registered a moment ago
        raise InvitationError(
            f"The e-mail address {email} already belongs to another account."
        ) from error
    if patient.user_id != user.pk:
        patient.user = user
        patient.save(update_fields=["user", "updated_at"])
    return user


def _invitation_email(patient: Patient, user: User, link: str) -> EmailMessage:
    clinic = ClinicSettings.load()
    context = {
        "greeting_name": (patient.preferred_name or patient.first_name).strip(),
        "link": link,
        "days": invitation_expires_in_days(),
        "clinic": clinic,
    }
    subject = " ".join(render_to_string("portal/email/invitation_subject.txt", context).split())
    body = render_to_string("portal/email/invitation_body.txt", context)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        reply_to=[clinic.email] if clinic.email else None,
        headers={"Auto-Submitted": "auto-generated"},
    )


def invite_patient(*, patient: Patient, by, base_url: str) -> User:
    """Give ``patient`` a portal account (or reuse the one not taken up yet) and
    e-mail a link to ``base_url`` + the welcome page. Raises InvitationError
    when the patient cannot be invited, InvitationNotSent when the account is
    ready but the e-mail failed (inviting again sends a new link)."""
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        user = _account_for(locked)
    link = base_url.rstrip("/") + welcome_path(user)
    try:
        _invitation_email(locked, user, link).send()
    except Exception as error:
        logger.warning("Invitation to %s failed: %s", user.email, error)
        audit.services.record(
            "portal.invitation.failed",
            actor=by,
            obj=user,
            patient=locked,
            data={"email": user.email, "error": f"{type(error).__name__}: {error}"[:500]},
        )
        raise InvitationNotSent(
            f"The portal account for {user.email} is ready, but the invitation e-mail could "
            f"not be sent ({type(error).__name__}). Try again in a moment."
        ) from error
    audit.services.record(
        "portal.invitation.sent", actor=by, obj=user, patient=locked, data={"email": user.email}
    )
    return user


def record_password_set(user: User) -> None:
    """The invited patient chose a password (audited, tied to their record)."""
    patient = Patient.objects.filter(user=user).first()
    audit.services.record("portal.password.set", actor=user, obj=user, patient=patient)


# --- Cancelling ----------------------------------------------------------------


def patient_may_cancel(
    appointment: Appointment, clinic: ClinicSettings, now: datetime | None = None
) -> bool:
    now = now or timezone.now()
    return appointment.status == Appointment.Status.BOOKED and now <= cancel_deadline(
        appointment.start_at, clinic
    )


def too_late_to_cancel_message(clinic: ClinicSettings) -> str:
    phone = f" on {clinic.phone}" if clinic.phone else ""
    return (
        f"It is less than {clinic.late_cancellation_hours} hours before your appointment: "
        f"please call the clinic{phone} to cancel."
    )


@transaction.atomic
def cancel_by_patient(*, appointment: Appointment, by, reason: str) -> Appointment:
    """Cancel the patient's own appointment if the clinic's notice period allows."""
    current = (
        Appointment.objects.select_for_update().select_related("patient").get(pk=appointment.pk)
    )
    if by is None or current.patient.user_id != by.pk:
        raise BookingError("This is not your appointment.", code="not_yours")
    clinic = ClinicSettings.load()
    if current.status != Appointment.Status.BOOKED:
        raise BookingError(
            f"This appointment is {current.get_status_display().lower()} and cannot be "
            "cancelled online.",
            code="not_booked",
        )
    if not patient_may_cancel(current, clinic):
        raise BookingError(too_late_to_cancel_message(clinic), code="too_late")
    if not reason.strip():
        raise BookingError("Please tell us why you are cancelling.", code="no_reason")
    return cancel_appointment(
        appointment=current,
        by=by,
        cancelled_by=Appointment.CancelledBy.PATIENT,
        reason=reason,
    )


# --- Online booking ------------------------------------------------------------


@dataclass(frozen=True)
class OnlineRules:
    """The clinic's online booking rules, at one moment."""

    enabled: bool
    min_notice: timedelta
    max_days_ahead: int
    max_upcoming: int
    cancel_hours: int
    now: datetime

    @classmethod
    def load(cls, now: datetime | None = None, clinic: ClinicSettings | None = None):
        clinic = clinic or ClinicSettings.load()
        return cls(
            enabled=clinic.online_booking_enabled,
            min_notice=timedelta(hours=clinic.online_min_notice_hours),
            max_days_ahead=clinic.online_max_days_ahead,
            max_upcoming=clinic.online_max_upcoming,
            cancel_hours=clinic.late_cancellation_hours,
            now=now or timezone.now(),
        )

    @property
    def earliest_start(self) -> datetime:
        return self.now + self.min_notice

    @property
    def today(self) -> date:
        return self.now.astimezone(clinic_zone()).date()

    @property
    def first_day(self) -> date:
        return self.earliest_start.astimezone(clinic_zone()).date()

    @property
    def last_day(self) -> date:
        return self.today + timedelta(days=self.max_days_ahead)


def bookable_types():
    """Appointment types patients may book online."""
    return AppointmentType.objects.active().filter(bookable_online=True)


def upcoming_appointments(patient: Patient, now: datetime | None = None):
    return patient.appointments.active().filter(start_at__gt=now or timezone.now())


def search_slots(
    *,
    rules: OnlineRules,
    appointment_type: AppointmentType,
    practitioner,
    first_day: date,
    last_day: date,
    limit: int,
) -> list[Slot]:
    """Free slots a patient may book: the front desk's slot finder, within
    the clinic's notice and horizon."""
    first_day, last_day = max(first_day, rules.first_day), min(last_day, rules.last_day)
    if first_day > last_day:
        return []
    return find_slots(
        appointment_type=appointment_type,
        first_day=first_day,
        last_day=last_day,
        practitioner=practitioner,
        limit=limit,
        not_before=rules.earliest_start,
        licensed_only=True,
    )


def _room_free(room, start: datetime, end: datetime) -> bool:
    return (
        room is not None
        and room.is_active
        and not Appointment.objects.active().overlapping(start, end).filter(room=room).exists()
    )


def check_online_booking(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    practitioner,
    room,
    start_at: datetime,
    rules: OnlineRules | None = None,
) -> Slot:
    """Every rule of online booking; the slot to book (its room may differ from
    the one asked for when that one was taken meanwhile). Raises BookingError."""
    rules = rules or OnlineRules.load()
    if not rules.enabled:
        raise BookingError(
            "The clinic does not take bookings online at the moment: please call to book.",
            code="online_booking_off",
        )
    if patient.is_archived:
        raise BookingError(
            "Your record is closed for booking: please call the clinic.", code="archived"
        )
    if not (appointment_type.is_active and appointment_type.bookable_online):
        raise BookingError(
            f"“{appointment_type.name}” cannot be booked online: please call the clinic.",
            code="type_not_online",
        )
    if practitioner is None:
        raise BookingError("Choose a time from the list.", code="no_practitioner")
    if start_at.tzinfo is None:
        raise BookingError("That time is not valid: choose one from the list.", code="bad_time")
    if start_at < rules.earliest_start:
        hours = int(rules.min_notice.total_seconds() // 3600)
        raise BookingError(
            f"Online bookings need at least {hours} hours of notice: choose a later time, or "
            "call the clinic.",
            code="too_soon",
        )
    local_day = start_at.astimezone(clinic_zone()).date()
    if local_day > rules.last_day:
        raise BookingError(
            f"Online bookings can be made at most {rules.max_days_ahead} days ahead: choose an "
            "earlier date, or call the clinic.",
            code="too_far",
        )
    if upcoming_appointments(patient, rules.now).count() >= rules.max_upcoming:
        raise BookingError(
            f"You already have {rules.max_upcoming} upcoming appointment"
            f"{'s' if rules.max_upcoming != 1 else ''}, the most that can be booked online. "
            "Please call the clinic to book more.",
            code="too_many",
        )
    if not practitioner.licence_valid_on(local_day):
        raise BookingError(
            f"{practitioner} cannot be booked online for that day: please choose another "
            "practitioner, or call the clinic.",
            code="licence_expired",
        )
    found = find_slots(
        appointment_type=appointment_type,
        first_day=local_day,
        last_day=local_day,
        practitioner=practitioner,
        limit=1,
        not_before=start_at,
        licensed_only=True,
    )
    if not found or found[0].start != start_at:
        raise BookingError(
            "Sorry, that time is no longer free. Please choose another time.", code="slot_taken"
        )
    slot = found[0]
    blocked_until = start_at + appointment_type.duration + appointment_type.buffer
    if room is not None and room != slot.room and _room_free(room, start_at, blocked_until):
        slot = Slot(slot.start, slot.end, slot.practitioner, room)
    return slot


@transaction.atomic
def book_online(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    practitioner,
    room,
    start_at: datetime,
    by,
) -> Appointment:
    """Book a free slot for the patient, re-checking every online rule. The
    patient's row is locked, so two bookings at once cannot both pass the
    limit of upcoming appointments; PostgreSQL refuses a double booking."""
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    slot = check_online_booking(
        patient=locked,
        appointment_type=appointment_type,
        practitioner=practitioner,
        room=room,
        start_at=start_at,
    )
    try:
        return book_appointment(
            patient=locked,
            practitioner=slot.practitioner,
            room=slot.room,
            appointment_type=appointment_type,
            start_at=slot.start,
            by=by,
            booked_online=True,
        )
    except BookingError as error:
        if error.code == "double_booking":
            raise BookingError(
                "Sorry, someone booked that time a moment ago. Please choose another time.",
                code="slot_taken",
            ) from error
        raise


# --- The pre-visit questionnaire ---------------------------------------------------

# Until the appointment starts, as long as it is booked (or the patient has
# arrived) and the practitioner has not opened its record yet: the record
# takes the answers when it is opened, so later changes would be lost.
OPEN_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.ARRIVED)


def _has_record(appointment: Appointment) -> bool:
    # Read from select_related("treatment_session") when the caller selected it.
    try:
        appointment.treatment_session  # noqa: B018
    except TreatmentSession.DoesNotExist:
        return False
    return True


def questionnaire_open(appointment: Appointment) -> bool:
    """May the patient still fill in (or change) the questionnaire?"""
    return (
        appointment.status in OPEN_STATUSES
        and appointment.start_at > timezone.now()
        and not _has_record(appointment)
    )


class QuestionnaireClosed(Exception):
    message = (
        "This appointment has started or is no longer booked, so the questionnaire can no "
        "longer be changed. Your practitioner will ask you at the visit."
    )


@transaction.atomic
def save_questionnaire(
    *, appointment: Appointment, form: QuestionnaireForm, by
) -> PreVisitQuestionnaire:
    """Create or update the appointment's one questionnaire from a valid form,
    and write it to the audit trail (which fields, never the scores). The
    appointment row is locked, so two saves at once make one row."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not questionnaire_open(locked):
        raise QuestionnaireClosed
    values = {name: form.cleaned_data[name] for name in form.Meta.fields}
    questionnaire = PreVisitQuestionnaire.objects.filter(appointment=locked).first()
    if questionnaire is None:
        questionnaire = PreVisitQuestionnaire.objects.create(appointment=locked, **values)
        action = "portal.questionnaire.submitted"
    else:
        for name, value in values.items():
            setattr(questionnaire, name, value)
        questionnaire.save(update_fields=[*values, "submitted_at"])
        action = "portal.questionnaire.changed"
    audit.services.record(
        action,
        actor=by,
        obj=questionnaire,
        patient=appointment.patient,
        data={"appointment": str(locked.uuid), "changed_fields": form.changed_data},
    )
    return questionnaire


# --- The export of the whole record ------------------------------------------------


def export_record(*, patient: Patient, by, fmt: str) -> dict:
    """The patient's whole record as data; every export is audited."""
    data = build_export(patient, with_files=fmt == "json")
    audit.services.record(
        "portal.export.downloaded",
        actor=by,
        obj=patient,
        patient=patient,
        data={"format": fmt},
    )
    return data
