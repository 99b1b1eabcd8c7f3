"""Queueing and delivering appointment messages.

A message is queued in the transaction of the change it announces and sent
once that transaction commits (or later by ``manage.py send_reminders``, which
also sweeps up anything still queued). Sending holds the message's row lock,
taken with SKIP LOCKED, and only a row still ``queued`` is sent: however many
web processes and cron runs try at once, each message goes out at most once.
A failed send is stored with its error, never raised into the web request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.roles import Capability
from audit.services import record
from clinic.models import ClinicSettings
from notifications import emails
from notifications.models import OutboundMessage
from scheduling.models import Appointment

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


class NotRetryable(Exception):
    """A message that may not be sent again (not failed, or out of date)."""


def wants(patient, kind: str) -> bool:
    """The patient's communication preferences decide whether a message goes."""
    if not (patient.email and patient.allow_email):
        return False
    if kind == OutboundMessage.Kind.REMINDER:
        return patient.appointment_reminders
    return True


def queue_for(appointment, kind: str) -> OutboundMessage | None:
    """Queue a message about ``appointment`` in the caller's transaction and
    deliver it once that transaction commits. None when the patient does not
    want messages of this kind."""
    patient = appointment.patient
    if not wants(patient, kind):
        return None
    message = OutboundMessage.objects.create(
        appointment=appointment,
        kind=kind,
        recipient=patient.email,
        sequence=appointment.sequence,
        about_start_at=appointment.start_at if kind == OutboundMessage.Kind.REMINDER else None,
    )
    # robust: whatever goes wrong after the commit, the booking stands and the
    # page answers; deliver() itself stores a failed send on the message.
    transaction.on_commit(lambda: deliver(message.pk), robust=True)
    return message


def queue_document(
    *, patient, subject: str, body: str, filename: str, content: bytes
) -> OutboundMessage | None:
    """Queue an e-mail to ``patient`` with a document attached (an invoice, a
    receipt), sent after the caller's transaction commits. None when the patient
    has no address or does not want e-mail."""
    if not wants(patient, OutboundMessage.Kind.DOCUMENT):
        return None
    message = OutboundMessage.objects.create(
        patient=patient,
        kind=OutboundMessage.Kind.DOCUMENT,
        recipient=patient.email,
        subject=subject[:200],
        body=body,
        attachment=content,
        attachment_name=filename[:100],
    )
    transaction.on_commit(lambda: deliver(message.pk), robust=True)
    return message


def outdated_reason(message: OutboundMessage, appointment, now: datetime | None = None) -> str:
    """Why ``message`` should no longer go out, or '' if it still should."""
    now = now or timezone.now()
    if message.kind == OutboundMessage.Kind.DOCUMENT:
        return "" if wants(message.patient, message.kind) else "the patient no longer wants e-mails"
    if not wants(appointment.patient, message.kind):
        return "the patient no longer wants these e-mails"
    if appointment.start_at <= now:
        return "the appointment time has passed"
    if message.kind == OutboundMessage.Kind.REMINDER:
        if appointment.status != Appointment.Status.BOOKED:
            return "the appointment is no longer booked"
        if appointment.start_at != message.about_start_at:
            return "the appointment has moved (the new time gets its own reminder)"
    elif message.sequence != appointment.sequence:
        return "the appointment changed again and a newer message replaces this one"
    return ""


def _lock(message_id: int, statuses) -> OutboundMessage | None:
    """The message, row-locked, if it is in one of ``statuses`` and nobody else
    holds it; None otherwise. Call inside a transaction."""
    return (
        OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "patient",
            "appointment__patient",
            "appointment__practitioner__user",
            "appointment__room",
            "appointment__appointment_type",
        )
        .filter(pk=message_id, status__in=statuses)
        .first()
    )


def _describe(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return text[:MAX_ERROR_LENGTH]


OUTDATED = "outdated"


def _send(message: OutboundMessage) -> str:
    """Send a locked message and store what became of it. Returns its new
    status, or OUTDATED when it was not sent because it no longer applies
    (stored as failed, with the reason, and offered no Retry)."""
    appointment = message.appointment
    reason = outdated_reason(message, appointment)
    outcome = None
    if reason:
        message.status = OutboundMessage.Status.FAILED
        message.last_error = f"Not sent: {reason}."
        outcome = OUTDATED
    else:
        message.attempts += 1
        try:
            if message.kind == OutboundMessage.Kind.DOCUMENT:
                emails.build_document(message).send()
            else:
                emails.build(message, appointment).send()
        except Exception as error:
            logger.warning("Message %s to %s failed: %s", message.uuid, message.recipient, error)
            message.status = OutboundMessage.Status.FAILED
            message.last_error = _describe(error)
        else:
            message.status = OutboundMessage.Status.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
    message.save(update_fields=["recipient", "status", "attempts", "last_error", "sent_at"])
    return outcome or message.status


def deliver(message_id: int) -> str | None:
    """Send one queued message. Returns its new status (or OUTDATED), or None
    when it was not queued any more or another process is sending it right now."""
    with transaction.atomic():
        message = _lock(message_id, [OutboundMessage.Status.QUEUED])
        if message is None:
            return None
        return _send(message)


def retry(message: OutboundMessage, by) -> OutboundMessage:
    """Send a failed message again (to the patient's current address), on
    behalf of ``by``. Raises NotRetryable when it may not be sent again."""
    with transaction.atomic():
        locked = _lock(message.pk, [OutboundMessage.Status.FAILED])
        if locked is None:
            raise NotRetryable(
                "Only a failed message can be sent again, and this one is not failed "
                "(or is being sent right now)."
            )
        reason = outdated_reason(locked, locked.appointment)
        if reason:
            raise NotRetryable(f"Not sent again: {reason}.")
        patient = locked.appointment.patient
        record(
            "notifications.message.retried",
            actor=by,
            obj=locked,
            patient=patient,
            data={
                "kind": locked.kind,
                "appointment": str(locked.appointment.uuid),
                "previous_error": locked.last_error,
                "attempts": locked.attempts,
            },
        )
        locked.recipient = patient.email
        _send(locked)
    return locked


def retry_allowed(message: OutboundMessage, appointment, user) -> bool:
    """Whether the appointment page offers ``user`` a Retry button for ``message``."""
    return (
        message.status == OutboundMessage.Status.FAILED
        and user.is_authenticated
        and user.can(Capability.BOOK_APPOINTMENTS)
        and not outdated_reason(message, appointment)
    )


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue a reminder for every booked appointment that starts within the
    clinic's reminder window and has none for its start time yet. Returns how
    many this call queued.

    Candidate appointments are row-locked with SKIP LOCKED, so concurrent runs
    split them between themselves; the unique index
    notifications_one_reminder_per_start with ON CONFLICT DO NOTHING makes a
    second reminder for the same start impossible even so.
    """
    now = now or timezone.now()
    horizon = now + timedelta(hours=ClinicSettings.load().reminder_hours_before)
    existing = OutboundMessage.objects.filter(
        appointment=OuterRef("pk"),
        kind=OutboundMessage.Kind.REMINDER,
        about_start_at=OuterRef("start_at"),
    )
    with transaction.atomic():
        due = list(
            Appointment.objects.filter(
                status=Appointment.Status.BOOKED,
                start_at__gt=now,
                start_at__lte=horizon,
                patient__allow_email=True,
                patient__appointment_reminders=True,
            )
            .exclude(patient__email="")
            .filter(~Exists(existing))
            .select_related("patient")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("start_at", "id")
        )
        reminders = [
            OutboundMessage(
                appointment=appointment,
                kind=OutboundMessage.Kind.REMINDER,
                recipient=appointment.patient.email,
                sequence=appointment.sequence,
                about_start_at=appointment.start_at,
            )
            for appointment in due
            if wants(appointment.patient, OutboundMessage.Kind.REMINDER)
        ]
        if not reminders:
            return 0
        OutboundMessage.objects.bulk_create(reminders, ignore_conflicts=True)
        # The UUIDs were made here: those found are the rows this call inserted.
        return OutboundMessage.objects.filter(uuid__in=[r.uuid for r in reminders]).count()


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    outdated: int = 0  # no longer applied: stored as failed with the reason, not an error
    skipped: int = 0  # sent or being sent by another process


def send_queued(limit: int = 500) -> SendResult:
    """Deliver up to ``limit`` queued messages, oldest first; messages another
    process holds or has already sent are skipped."""
    result = SendResult()
    ids = list(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in ids:
        status = deliver(message_id)
        if status == OutboundMessage.Status.SENT:
            result.sent += 1
        elif status == OutboundMessage.Status.FAILED:
            result.failed += 1
        elif status == OUTDATED:
            result.outdated += 1
        else:
            result.skipped += 1
    return result
