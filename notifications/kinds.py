"""Messages about something other than an appointment, sent through the same
queue (queued in the caller's transaction, delivered after commit or by
``send_reminders``, under a row lock, never twice, failures stored).

An app higher up (e.g. intake) registers its kind in its ``AppConfig.ready``:
how to build the e-mail for a message, and why it should no longer go out.
The notifications app never imports those apps; it only calls what they
registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import EmailMessage
from django.db import transaction

from notifications.models import OutboundMessage


@dataclass(frozen=True)
class MessageKind:
    build: Callable[[OutboundMessage], EmailMessage]
    # '' if the message should still go out, else why not (plain words).
    outdated: Callable[[OutboundMessage], str]


KINDS: dict[str, MessageKind] = {}


def register(kind: str, *, build, outdated) -> None:
    KINDS[kind] = MessageKind(build=build, outdated=outdated)


def queue_about(*, kind: str, recipient: str, subject_ref: str) -> OutboundMessage:
    """Queue a message of a registered kind in the caller's transaction; it is
    delivered once that transaction commits (or by send_reminders)."""
    from notifications.services import deliver

    if kind not in KINDS:
        raise LookupError(f"No message kind {kind!r} is registered.")
    message = OutboundMessage.objects.create(
        kind=kind, recipient=recipient, subject_ref=subject_ref
    )
    transaction.on_commit(lambda: deliver(message.pk), robust=True)
    return message
