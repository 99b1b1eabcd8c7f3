"""Queueing and delivering appointment messages (e-mail and text message).

A message is queued in the transaction of the change it announces; a trigger
on the table NOTIFYs ``manage.py deliver_messages`` when that transaction
commits, and the worker sends it. No web request waits for a mail server or an
SMS gateway. ``manage.py send_reminders`` (cron) sweeps up anything still queued.
Sending holds the message's row lock, taken with SKIP LOCKED, and only a row
still due is sent: however many workers and cron runs try at once, each message
goes out at most once. A failed send is stored with its error and tried again
automatically a few times (``RETRY_DELAYS``); then the front desk can retry it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

import audit.services
from accounts.roles import Capability
from clinic.models import ClinicSettings
from notifications import emails, kinds, sms
from notifications.models import OutboundMessage, TextOptOut
from patients.phones import E164_SQL, textable_number
from scheduling.models import Appointment

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000
# After the 1st, 2nd and 3rd failed attempt a message is tried again this much
# later by the worker or send_reminders; after the 4th it waits for a person.
RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))

Channel = OutboundMessage.Channel
Status = OutboundMessage.Status


class NotRetryable(Exception):
    """A message that may not be sent again (not failed, or out of date)."""


def address_for(patient, channel: str) -> str:
    """Where a message on ``channel`` goes for ``patient``: the e-mail address,
    or the mobile number in E.164; '' when there is none usable."""
    if channel == Channel.SMS:
        return textable_number(patient.phone)
    return patient.email


def wants(patient, kind: str, channel: str = Channel.EMAIL, opt_outs: dict | None = None) -> bool:
    """The patient's communication preferences (and, for texts, a STOP reply
    from their phone) decide whether a message goes. ``opt_outs`` memoises the
    opt-out look-ups of one page (number -> opted out)."""
    address = address_for(patient, channel)
    if not address or not _allowed(patient, kind, channel):
        return False
    return channel != Channel.SMS or not _opted_out(address, opt_outs)


def _opted_out(number: str, memo: dict | None) -> bool:
    if memo is not None and number in memo:
        return memo[number]
    opted_out = TextOptOut.objects.filter(number=number).exists()
    if memo is not None:
        memo[number] = opted_out
    return opted_out


def _allowed(patient, kind: str, channel: str) -> bool:
    """The patient's own preferences for ``kind`` on ``channel``."""
    allowed = patient.allow_sms if channel == Channel.SMS else patient.allow_email
    if kind == OutboundMessage.Kind.REMINDER:
        return allowed and patient.appointment_reminders
    return allowed


def queue_for(appointment, kind: str) -> list[OutboundMessage]:
    """Queue a message about ``appointment`` on each channel the patient wants,
    in the caller's transaction; the worker sends them once it commits. Empty
    when the patient wants none."""
    patient = appointment.patient
    return [
        OutboundMessage.objects.create(
            appointment=appointment,
            kind=kind,
            channel=channel,
            recipient=address_for(patient, channel),
            sequence=appointment.sequence,
            about_start_at=appointment.start_at if kind == OutboundMessage.Kind.REMINDER else None,
        )
        for channel in Channel.values
        if wants(patient, kind, channel)
    ]


def queue_document(
    *, patient, subject: str, body: str, filename: str, content: bytes
) -> OutboundMessage | None:
    """Queue an e-mail to ``patient`` with a document attached (an invoice, a
    receipt) in the caller's transaction; the worker sends it once that commits.
    None when the patient has no address or does not want e-mail."""
    if not wants(patient, OutboundMessage.Kind.DOCUMENT):
        return None
    return OutboundMessage.objects.create(
        patient=patient,
        kind=OutboundMessage.Kind.DOCUMENT,
        recipient=patient.email,
        subject=subject[:200],
        body=body,
        attachment=content,
        attachment_name=filename[:100],
    )


def outdated_reason(
    message: OutboundMessage, appointment, now: datetime | None = None, opt_outs=None
) -> str:
    """Why ``message`` should no longer go out, or '' if it still should."""
    now = now or timezone.now()
    if message.kind == OutboundMessage.Kind.DOCUMENT:
        return "" if wants(message.patient, message.kind) else "the patient no longer wants e-mails"
    if not wants(appointment.patient, message.kind, message.channel, opt_outs):
        if message.channel == Channel.SMS:
            return "the patient no longer wants text messages (or replied STOP)"
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


def due(now: datetime | None = None) -> Q:
    """Messages to send now: queued, or failed with an automatic retry due."""
    now = now or timezone.now()
    return Q(status=Status.QUEUED) | Q(status=Status.FAILED, next_attempt_at__lte=now)


def _lock(message_id: int, condition: Q) -> OutboundMessage | None:
    """The message, row-locked, if it meets ``condition`` and nobody else
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
        .filter(condition, pk=message_id)
        .first()
    )


def _describe(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return text[:MAX_ERROR_LENGTH]


OUTDATED = "outdated"


def _transmit(message: OutboundMessage, appointment, other=None) -> None:
    """Hand the message to the mail server or the SMS gateway; raises on failure.
    ``other`` is a kind another app registered (notifications.kinds): e-mail only."""
    if other is not None:
        other.build(message).send()
    elif message.kind == OutboundMessage.Kind.DOCUMENT:
        emails.build_document(message).send()
    elif message.channel == Channel.SMS:
        sms.send(message.recipient, sms.text_for(message, appointment))
    else:
        emails.build(message, appointment).send()


def _send(message: OutboundMessage) -> str:
    """Send a locked message and store what became of it. Returns its new
    status, or OUTDATED when it was not sent because it no longer applies
    (stored as failed, with the reason, and offered no Retry)."""
    appointment = message.appointment
    other = kinds.KINDS.get(message.kind)  # a kind another app registered
    reason = other.outdated(message) if other else outdated_reason(message, appointment)
    outcome = None
    message.next_attempt_at = None
    if reason:
        message.status = Status.FAILED
        message.last_error = f"Not sent: {reason}."
        outcome = OUTDATED
    else:
        message.attempts += 1
        try:
            _transmit(message, appointment, other)
        except sms.OptedOut as error:
            # The gateway knows of a STOP we had not heard of: remember it.
            opt_out, created = TextOptOut.objects.get_or_create(
                number=message.recipient, defaults={"keyword": "(from the gateway)"}
            )
            if created:
                audit.services.record(
                    "notifications.sms.opted_out",
                    obj=opt_out,
                    patient=appointment.patient,
                    data={"keyword": opt_out.keyword},
                    actor_label=message.recipient,
                )
            message.status = Status.FAILED
            message.last_error = f"Not sent: the number replied STOP ({error})."[:MAX_ERROR_LENGTH]
            outcome = OUTDATED
        except Exception as error:
            logger.warning("Message %s to %s failed: %s", message.uuid, message.recipient, error)
            message.status = Status.FAILED
            message.last_error = _describe(error)
            if message.attempts <= len(RETRY_DELAYS):
                message.next_attempt_at = timezone.now() + RETRY_DELAYS[message.attempts - 1]
        else:
            message.status = Status.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
    message.save(
        update_fields=[
            "recipient", "status", "attempts", "last_error", "sent_at", "next_attempt_at",
        ]
    )  # fmt: skip
    return outcome or message.status


def deliver(message_id: int) -> str | None:
    """Send one due message. Returns its new status (or OUTDATED), or None
    when it was not due any more or another process is sending it right now."""
    with transaction.atomic():
        message = _lock(message_id, due())
        if message is None:
            return None
        return _send(message)


def retry(message: OutboundMessage, by) -> OutboundMessage:
    """Queue a failed message again (to the patient's current address), on
    behalf of ``by``; the worker sends it. Raises NotRetryable when it may not
    be sent again."""
    with transaction.atomic():
        locked = _lock(message.pk, Q(status=Status.FAILED))
        if locked is None:
            raise NotRetryable(
                "Only a failed message can be sent again, and this one is not failed "
                "(or is being sent right now)."
            )
        if locked.appointment is None:  # a registered kind: its own app sends a new one
            raise NotRetryable("Not sent again: send a new one from the patient's page.")
        reason = outdated_reason(locked, locked.appointment)
        if reason:
            raise NotRetryable(f"Not sent again: {reason}.")
        patient = locked.appointment.patient
        audit.services.record(
            "notifications.message.retried",
            actor=by,
            obj=locked,
            patient=patient,
            data={
                "kind": locked.kind,
                "channel": locked.channel,
                "appointment": str(locked.appointment.uuid),
                "previous_error": locked.last_error,
                "attempts": locked.attempts,
            },
        )
        locked.recipient = address_for(patient, locked.channel)
        locked.status = Status.QUEUED
        locked.next_attempt_at = None
        locked.save(update_fields=["recipient", "status", "next_attempt_at"])
    return locked


def retry_allowed(message: OutboundMessage, appointment, user, opt_outs=None) -> bool:
    """Whether the appointment page offers ``user`` a Retry button for
    ``message``; pass one ``opt_outs`` dict for all of a page's messages."""
    return (
        message.status == Status.FAILED
        and user.is_authenticated
        and user.can(Capability.BOOK_APPOINTMENTS)
        and not outdated_reason(message, appointment, opt_outs=opt_outs)
    )


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue a reminder, on each channel the patient wants, for every booked
    appointment that starts within the clinic's reminder window and has none
    for its start time yet. Returns how many this call queued.

    Candidate appointments are row-locked with SKIP LOCKED, so concurrent runs
    split them between themselves; the unique index
    notifications_one_reminder_per_start (appointment, start time, channel)
    with ON CONFLICT DO NOTHING makes a second reminder for the same start
    impossible even so.
    """
    now = now or timezone.now()
    horizon = now + timedelta(hours=ClinicSettings.load().reminder_hours_before)

    def reminded(channel):
        return Exists(
            OutboundMessage.objects.filter(
                appointment=OuterRef("pk"),
                kind=OutboundMessage.Kind.REMINDER,
                about_start_at=OuterRef("start_at"),
                channel=channel,
            )
        )

    email_due = Q(patient__allow_email=True) & ~Q(patient__email="") & ~reminded(Channel.EMAIL)
    sms_due = Q(patient__allow_sms=True, patient__phone__regex=E164_SQL) & ~reminded(Channel.SMS)
    with transaction.atomic():
        due = list(
            Appointment.objects.filter(
                status=Appointment.Status.BOOKED,
                start_at__gt=now,
                start_at__lte=horizon,
                patient__appointment_reminders=True,
            )
            .filter(email_due | sms_due)
            .select_related("patient")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("start_at", "id")
        )
        numbers = {textable_number(a.patient.phone) for a in due} - {""}
        opted_out = set(
            TextOptOut.objects.filter(number__in=numbers).values_list("number", flat=True)
        )
        reminders = [
            OutboundMessage(
                appointment=appointment,
                kind=OutboundMessage.Kind.REMINDER,
                channel=channel,
                recipient=address,
                sequence=appointment.sequence,
                about_start_at=appointment.start_at,
            )
            for appointment in due
            for channel in Channel.values
            if (address := address_for(appointment.patient, channel))
            and address not in opted_out
            and _allowed(appointment.patient, OutboundMessage.Kind.REMINDER, channel)
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
    """Deliver up to ``limit`` due messages (queued, or failed with a retry
    due), oldest first; messages another process holds or has already sent
    are skipped."""
    result = SendResult()
    ids = list(
        OutboundMessage.objects.filter(due())
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
