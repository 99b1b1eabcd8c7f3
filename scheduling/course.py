"""Course of care: N appointments at a regular interval, planned before booking.

``plan_course`` works out every date and checks each visit against the same
availability as "find a time" (one ``load_availability`` for the whole span,
plus one query for the patient's own bookings), so the number of queries does
not grow with the number of visits. Nothing is saved until ``book_course``,
which books the chosen visits in one transaction: all of them or none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import cycle

from django.db import models, transaction
from django.utils import timezone

from scheduling import services
from scheduling.availability import day_bounds, load_availability, local_datetime
from scheduling.intervals import overlaps
from scheduling.models import Appointment, AppointmentType, Room

MAX_VISITS = 24


class Pattern(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    TWICE_WEEKLY = "twice_weekly", "Twice weekly (3 then 4 days apart, e.g. Monday and Thursday)"
    EVERY_N_DAYS = "every_n_days", "Every N days"


def course_dates(first: date, count: int, pattern: str, every_days: int | None = None):
    """The dates of ``count`` visits from ``first`` on."""
    if pattern == Pattern.WEEKLY:
        gaps = cycle([7])
    elif pattern == Pattern.TWICE_WEEKLY:
        gaps = cycle([3, 4])
    elif pattern == Pattern.EVERY_N_DAYS and every_days and every_days > 0:
        gaps = cycle([every_days])
    else:
        raise ValueError(f"Unknown pattern {pattern!r} (every_days={every_days!r})")
    dates = [first]
    while len(dates) < count:
        dates.append(dates[-1] + timedelta(days=next(gaps)))
    return dates


@dataclass
class PlannedVisit:
    day: date
    start: datetime
    end: datetime
    room: Room | None
    problems: list[str] = field(default_factory=list)
    # Outside working hours, time off or a closure: bookable with a reason.
    outside_hours: bool = False
    # The patient has another appointment then: bookable when ticked on purpose.
    patient_overlap: bool = False
    # Practitioner or room taken, or in the past: cannot be booked at all.
    blocked: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def key(self) -> str:
        return self.day.isoformat()


def plan_course(
    *,
    patient,
    appointment_type: AppointmentType,
    practitioner,
    room: Room | None,
    first_date: date,
    start_time: time,
    count: int,
    pattern: str,
    every_days: int | None = None,
    now: datetime | None = None,
) -> list[PlannedVisit]:
    """Every planned visit with what stands in its way (six queries, whatever N)."""
    dates = course_dates(first_date, count, pattern, every_days)
    now = now or timezone.now()
    availability = load_availability([practitioner.id], dates[0], dates[-1])
    window_start, _ = day_bounds(dates[0])
    _, window_end = day_bounds(dates[-1])
    patient_busy = list(
        Appointment.objects.active()
        .filter(patient=patient)
        .overlapping(window_start, window_end)
        .values_list("start_at", "blocked_until")
    )
    duration = appointment_type.duration
    blocked_for = appointment_type.duration + appointment_type.buffer

    visits = []
    for day in dates:
        # In UTC, so that adding the duration counts real minutes.
        start = local_datetime(day, start_time).astimezone(UTC)
        end, blocked_until = start + duration, start + blocked_for
        visit = PlannedVisit(day=day, start=start, end=end, room=room)
        past, visit.outside_hours = services.when_problems(
            practitioner=practitioner,
            start_at=start,
            end_at=end,
            availability=availability,
            now=now,
        )
        if past:
            visit.problems.append("In the past")
            visit.blocked = True
        if day in availability.closed_days:
            visit.problems.append("The clinic is closed that day")
        elif visit.outside_hours:
            visit.problems.append(f"Outside {practitioner}'s working hours (or time off)")
        if not availability.practitioner_free(practitioner.id, start, blocked_until):
            visit.problems.append(f"{practitioner} already has an appointment then")
            visit.blocked = True
        if room is not None:
            if not availability.room_free(room.id, start, blocked_until):
                visit.problems.append(f"{room} is already taken then")
                visit.blocked = True
        else:
            visit.room = availability.free_room(start, blocked_until)
            if visit.room is None:
                visit.problems.append("No room is free then")
                visit.blocked = True
        if overlaps(patient_busy, start, end):
            visit.problems.append(f"{patient.display_name} already has an appointment then")
            visit.patient_overlap = True
        visits.append(visit)
    return visits


def book_course(
    visits: list[PlannedVisit],
    *,
    patient,
    appointment_type: AppointmentType,
    practitioner,
    by,
    outside_hours_reason: str = "",
    notes: str = "",
) -> list[Appointment]:
    """Book every visit or none: a BookingError (someone took one of the times
    since the plan was made, or one is outside working hours with no reason)
    rolls back the ones already booked. The practitioner's working time is
    loaded once for the whole span, not once per visit."""
    if not visits:
        return []
    availability = load_availability([practitioner.id], visits[0].day, visits[-1].day)
    with transaction.atomic():
        return [
            services.book_appointment(
                patient=patient,
                practitioner=practitioner,
                room=visit.room,
                appointment_type=appointment_type,
                start_at=visit.start,
                by=by,
                outside_hours_reason=outside_hours_reason if visit.outside_hours else "",
                notes=notes,
                availability=availability,
            )
            for visit in visits
        ]
