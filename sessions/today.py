"""A practitioner's day: today's appointments, each with its record (if one is
open), and the records opened without an appointment. One selector, read by the
practitioner's home page (clinic.home) and the Today page (sessions.views.record),
in two queries however many appointments there are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from scheduling.models import Appointment
from sessions.models import TreatmentSession


@dataclass(frozen=True)
class PractitionerDay:
    day: date
    # (appointment, its treatment record or None), in time order.
    rows: list[tuple[Appointment, TreatmentSession | None]] = field(default_factory=list)
    walk_ins: list[TreatmentSession] = field(default_factory=list)


def practitioner_day(practitioner, day: date) -> PractitionerDay:
    """The practitioner's appointments on ``day`` and their records; empty
    without a practitioner profile."""
    if practitioner is None:
        return PractitionerDay(day=day)
    appointments = (
        Appointment.objects.filter(practitioner=practitioner, start_at__date=day)
        .select_related("patient", "appointment_type", "room", "treatment_session")
        .order_by("start_at")
    )
    walk_ins = TreatmentSession.objects.filter(
        practitioner=practitioner, session_date=day, appointment__isnull=True
    ).select_related("patient")
    return PractitionerDay(
        day=day,
        rows=[(a, getattr(a, "treatment_session", None)) for a in appointments],
        walk_ins=list(walk_ins),
    )
