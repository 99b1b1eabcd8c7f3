"""iCalendar documents: the invitation attached to a patient's e-mail, and a
practitioner's private feed. Built with the ``icalendar`` library; neither
carries clinical details (no notes, no flags, no reason for a visit beyond the
appointment type's name).

The UID of an appointment's event never changes, so a calendar program that
received the confirmation updates the same entry on a change (higher SEQUENCE)
and removes it on a cancellation (METHOD:CANCEL).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from clinic.models import ClinicSettings

PRODID = "-//Back Pain Acupuncture Clinic//Appointments//EN"
DEFAULT_UID_DOMAIN = "clinic.local"

REQUEST = "REQUEST"
CANCEL = "CANCEL"


def uid_domain() -> str:
    """The clinic's host name for UIDs: CLINIC_UID_DOMAIN if set (recommended in
    production), else the first real host in ALLOWED_HOSTS (not an address,
    not localhost, not a wildcard), else clinic.local."""
    configured = getattr(settings, "CLINIC_UID_DOMAIN", "")
    if configured:
        return configured
    for host in settings.ALLOWED_HOSTS:
        host = host.strip().lstrip(".").strip("[]").lower()
        if not host or "*" in host or host == "localhost" or "." not in host:
            continue
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return host
    return DEFAULT_UID_DOMAIN


def appointment_uid(appointment) -> str:
    return f"{appointment.uuid}@{uid_domain()}"


def clinic_email(clinic: ClinicSettings) -> str:
    return clinic.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _calendar(method: str | None = None, name: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _event(appointment, *, sequence: int, stamp: datetime, cancelled: bool) -> Event:
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", sequence)
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _utc(appointment.start_at))
    event.add("dtend", _utc(appointment.end_at))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def invitation(
    appointment,
    *,
    method: str,
    sequence: int | None = None,
    recipient: str = "",
    clinic: ClinicSettings | None = None,
    now: datetime | None = None,
) -> bytes:
    """The VCALENDAR attached to a patient's e-mail (METHOD REQUEST or CANCEL)."""
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"Unexpected iTIP method {method!r}")
    clinic = clinic or ClinicSettings.load()
    calendar = _calendar(method)
    event = _event(
        appointment,
        sequence=appointment.sequence if sequence is None else sequence,
        stamp=now or timezone.now(),
        cancelled=method == CANCEL,
    )
    event.add("summary", f"Acupuncture: {appointment.appointment_type.name}")
    place = ", ".join(
        part
        for part in [clinic.name, *clinic.address.splitlines(), appointment.room.name]
        if part.strip()
    )
    event.add("location", place)
    details = [f"With {appointment.practitioner}."]
    if clinic.phone:
        details.append(f"To change or cancel, call {clinic.phone}.")
    event.add("description", " ".join(details))
    organizer = vCalAddress(f"mailto:{clinic_email(clinic)}")
    organizer.params["cn"] = vText(clinic.name)
    event.add("organizer", organizer)
    if recipient:
        attendee = vCalAddress(f"mailto:{recipient}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def initials(patient) -> str:
    """'A.B.': enough for the practitioner to recognise the patient, no more."""
    first = (patient.preferred_name or patient.first_name).strip()[:1]
    last = patient.last_name.strip()[:1]
    return "".join(f"{letter.upper()}." for letter in (first, last) if letter)


def feed(practitioner, appointments: Iterable, *, now: datetime | None = None) -> bytes:
    """A practitioner's appointments for a calendar subscription: type, patient
    initials and room only."""
    stamp = now or timezone.now()
    calendar = _calendar(name=f"Clinic: {practitioner}")
    calendar.add("x-published-ttl", "PT15M")
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    for appointment in appointments:
        event = _event(appointment, sequence=appointment.sequence, stamp=stamp, cancelled=False)
        event.add(
            "summary", f"{appointment.appointment_type.name} – {initials(appointment.patient)}"
        )
        event.add("location", appointment.room.name)
        calendar.add_component(event)
    return calendar.to_ical()
