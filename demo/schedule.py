"""The demo clinic's rooms, appointment types, hours and a few weeks of bookings.

Appointments are laid out one after another per practitioner, each in that
practitioner's own room, so they never overlap and the database's exclusion
constraints accept them all in one bulk insert.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from clinic.models import ClinicSettings
from patients.models import Patient
from practitioners.models import Practitioner
from scheduling.availability import local_datetime
from scheduling.models import Appointment, AppointmentType, ClinicClosure, Room, WorkingHours

ROOMS = ("Room 1 (Willow)", "Room 2 (Cedar)", "Room 3 (Birch)")
TYPES = (
    # name, minutes, buffer, colour, bookable online
    ("Initial consultation", 60, 15, "#8e44ad", False),
    ("Follow-up treatment", 45, 15, "#2e86c1", True),
    ("Review and treatment", 30, 0, "#16a085", True),
)
# Weekly pattern: (weekday, start, end); a lunch break splits each day.
HOURS = [(day, time(9), time(12, 30)) for day in range(5)] + [
    (day, time(13, 30), time(17)) for day in range(5)
]
DAYS_BACK, DAYS_AHEAD = 21, 28
CANCEL_REASONS = ("Unwell", "Work commitment", "Childcare", "Car broke down", "Feeling better")


def seed_schedule(
    *,
    clinic_name: str,
    clinic_address: str,
    clinic_phone: str,
    today: date,
    now: datetime,
    rng: random.Random,
) -> dict[str, int]:
    clinic = ClinicSettings.load()
    clinic.name, clinic.address, clinic.phone = clinic_name, clinic_address, clinic_phone
    clinic.save(update_fields=["name", "address", "phone"])
    rooms = [Room.objects.get_or_create(name=name)[0] for name in ROOMS]
    types = [
        AppointmentType.objects.get_or_create(
            name=name,
            defaults={
                "duration_minutes": minutes,
                "buffer_after_minutes": buffer,
                "colour": colour,
                "bookable_online": online,
            },
        )[0]
        for name, minutes, buffer, colour, online in TYPES
    ]
    practitioners = list(
        Practitioner.objects.active().select_related("user").order_by("licence_number")
    )
    for practitioner in practitioners:
        if not WorkingHours.objects.filter(practitioner=practitioner).exists():
            WorkingHours.objects.bulk_create(
                WorkingHours(practitioner=practitioner, weekday=d, start_time=s, end_time=e)
                for d, s, e in HOURS
            )
    christmas = date(today.year, 12, 25)
    ClinicClosure.objects.get_or_create(
        start_date=christmas,
        end_date=christmas + timedelta(days=1),
        defaults={"reason": "Christmas"},
    )
    if Appointment.objects.filter(practitioner__in=practitioners).exists():
        return {"appointments": 0}

    patients = list(Patient.objects.active().order_by("patient_number"))
    featured = Patient.objects.filter(user__email="patient@example.com").first()
    appointments = []
    for offset in range(-DAYS_BACK, DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        if (
            day.weekday() >= 5
            or ClinicClosure.objects.filter(start_date__lte=day, end_date__gte=day).exists()
        ):
            continue
        for practitioner, room in zip(practitioners, rooms, strict=False):
            for _, start, end in (h for h in HOURS if h[0] == day.weekday()):
                appointments += _fill_session(
                    rng, day, start, end, practitioner, room, types, patients, now
                )
    # Her course is with the demo practitioner (practitioner@example.com), so the two
    # demo logins meet: the first by licence number is another practitioner.
    demo_practitioner = next(
        (p for p in practitioners if p.user.email == "practitioner@example.com"), practitioners[0]
    )
    if featured is not None:
        _give_featured_patient_a_course(appointments, featured, demo_practitioner, now)
    Appointment.objects.bulk_create(appointments)
    return {"appointments": len(appointments)}


def _fill_session(rng, day, start, end, practitioner, room, types, patients, now):
    cursor, session_end = local_datetime(day, start), local_datetime(day, end)
    booked = []
    while cursor < session_end:
        if rng.random() < 0.3:  # some free time stays bookable
            cursor += timedelta(minutes=45)
            continue
        kind = rng.choices(types, weights=(1, 5, 2))[0]
        finish = cursor + kind.duration
        if finish > session_end:
            break
        booked.append(
            _appointment(rng, practitioner, room, kind, cursor, rng.choice(patients), now)
        )
        cursor = finish + kind.buffer
    return booked


def _appointment(rng, practitioner, room, kind, start, patient, now):
    end = start + kind.duration
    appointment = Appointment(
        patient=patient,
        practitioner=practitioner,
        room=room,
        appointment_type=kind,
        start_at=start,
        end_at=end,
        blocked_until=end + kind.buffer,
    )
    roll = rng.random()
    if roll < 0.08:
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = start - timedelta(hours=rng.choice((2, 30, 72)))
        appointment.cancelled_by = rng.choice(Appointment.CancelledBy.values)
        appointment.cancellation_reason = rng.choice(CANCEL_REASONS)
        appointment.late_cancellation = start - appointment.cancelled_at < timedelta(hours=24)
    elif end < now:
        no_show = roll < 0.12
        appointment.status = Appointment.Status.NO_SHOW if no_show else Appointment.Status.COMPLETED
    return appointment


def _give_featured_patient_a_course(appointments, patient, practitioner, now):
    """patient@example.com: weekly follow-ups (Tuesdays) with the demo practitioner, past and future."""
    own = [a for a in appointments if a.practitioner_id == practitioner.id and a.is_active]
    weekly, last_week = [], None
    for appointment in own:
        week = appointment.start_at.isocalendar()[:2]
        if week != last_week and appointment.start_at.weekday() == 1:
            weekly.append(appointment)
            last_week = week
    for appointment in weekly:
        appointment.patient = patient
