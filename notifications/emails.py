"""The e-mail for one OutboundMessage: plain text and simple HTML from
templates/notifications/email/, with the appointment as an invite.ics."""

from __future__ import annotations

from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEText
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.models import ClinicSettings
from notifications import ics
from notifications.models import OutboundMessage


def local_when(moment) -> str:
    """'Monday 7 January 2030 at 10:00', in the clinic's time zone."""
    local = timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE))
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


def method_for(kind: str) -> str:
    return ics.CANCEL if kind == OutboundMessage.Kind.CANCELLATION else ics.REQUEST


def build(message: OutboundMessage, appointment, clinic: ClinicSettings | None = None):
    """An EmailMultiAlternatives for ``message`` about ``appointment``; not sent."""
    clinic = clinic or ClinicSettings.load()
    patient = appointment.patient
    context = {
        "kind": message.kind,
        "greeting_name": (patient.preferred_name or patient.first_name).strip(),
        "when": local_when(appointment.start_at),
        "duration_minutes": appointment.duration_minutes,
        "appointment_type": appointment.appointment_type.name,
        "practitioner": str(appointment.practitioner),
        "room": appointment.room.name,
        "clinic": clinic,
        "address_lines": [line.strip() for line in clinic.address.splitlines() if line.strip()],
    }
    subject = " ".join(render_to_string("notifications/email/subject.txt", context).split())
    text = render_to_string("notifications/email/body.txt", context)
    html = render_to_string("notifications/email/body.html", context)
    reply_to = ics.clinic_email(clinic)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        reply_to=[reply_to]
        if reply_to and reply_to != parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        else None,
        headers={"Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(html, "text/html")
    method = method_for(message.kind)
    invite = ics.invitation(
        appointment,
        method=method,
        sequence=message.sequence,
        recipient=message.recipient,
        clinic=clinic,
    )
    email.attach(calendar_part(invite, method))
    return email


def build_document(message: OutboundMessage, clinic: ClinicSettings | None = None):
    """A patient's requested document: the message's own text and attachment."""
    clinic = clinic or ClinicSettings.load()
    reply_to = ics.clinic_email(clinic)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        reply_to=[reply_to]
        if reply_to and reply_to != parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        else None,
        headers={"Auto-Submitted": "auto-generated"},
    )
    email.attach(message.attachment_name, bytes(message.attachment), "application/pdf")
    return email


def calendar_part(invite: bytes, method: str) -> SafeMIMEText:
    """invite.ics as 'text/calendar; method=...; charset=utf-8' (EmailMessage.attach
    with a mimetype string would repeat the charset parameter)."""
    part = SafeMIMEText(invite.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part
