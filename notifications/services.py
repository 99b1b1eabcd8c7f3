"""Queueing and delivering appointment messages."""

from __future__ import annotations

from django.db import transaction

from notifications.models import OutboundMessage


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
    transaction.on_commit(lambda: deliver(message.pk))
    return message


def deliver(message_id: int) -> None:
    """Send one queued message (filled in by the notifications work)."""
