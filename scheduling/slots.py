"""Find a time: the earliest free slots for an appointment type.

The one slot finder of the app: the front desk's "find a time" and the
patients' online booking both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from clinic.models import ClinicSettings
from practitioners.models import Practitioner
from scheduling.availability import clinic_zone, load_availability
from scheduling.models import AppointmentType, Room

# Parts of the day a patient may prefer, by local start time.
DAY_PARTS = {
    "morning": (time(0, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), time(23, 59, 59)),
}


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    practitioner: Practitioner
    room: Room

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(clinic_zone())


def align_up(moment: datetime, step: timedelta) -> datetime:
    """The first time at or after ``moment`` on the clinic's local slot grid
    (slot lengths divide an hour, so aligning within the local hour suffices)."""
    local = moment.astimezone(clinic_zone())
    past = timedelta(minutes=local.minute, seconds=local.second, microseconds=local.microsecond)
    remainder = past % step
    return moment + (step - remainder) if remainder else moment


def practitioners_offering(appointment_type: AppointmentType):
    """Active practitioners who offer the type (none listed means everyone)."""
    offering = Practitioner.objects.active().with_user().order_by("user__full_name")
    listed = list(appointment_type.practitioners.values_list("id", flat=True))
    return offering.filter(id__in=listed) if listed else offering


def find_slots(
    *,
    appointment_type: AppointmentType,
    first_day: date,
    last_day: date,
    practitioner: Practitioner | None = None,
    day_parts: list[str] | None = None,
    limit: int = 10,
    not_before: datetime | None = None,
) -> list[Slot]:
    """The earliest ``limit`` slots, in time order, that respect working hours,
    exceptions, closures, the type's buffer, existing appointments and a free room."""
    step = timedelta(minutes=ClinicSettings.load().slot_minutes)
    not_before = not_before or timezone.now()
    if practitioner is not None:
        # The one chosen must offer the type too (as BookingForm insists).
        listed = set(appointment_type.practitioners.values_list("id", flat=True))
        offers = practitioner.is_active and (not listed or practitioner.id in listed)
        candidates = [practitioner] if offers else []
    else:
        candidates = list(practitioners_offering(appointment_type))
    if not candidates:
        return []
    availability = load_availability([p.id for p in candidates], first_day, last_day)
    duration, blocked = (
        appointment_type.duration,
        appointment_type.duration + appointment_type.buffer,
    )
    parts = [DAY_PARTS[name] for name in (day_parts or []) if name in DAY_PARTS]
    zone = clinic_zone()

    found: list[Slot] = []
    for candidate in candidates:
        mine: list[Slot] = []
        for gap_start, gap_end in availability.free_time(candidate.id):
            # Step in UTC: minutes added to a local time are wall-clock minutes, which
            # skip or repeat an hour across the night the clocks change.
            start = align_up(gap_start.astimezone(UTC), step)
            while start + duration <= gap_end and len(mine) < limit:
                local = start.astimezone(zone).time()
                if (
                    start >= not_before
                    and (not parts or any(lo <= local < hi for lo, hi in parts))
                    and availability.practitioner_free(candidate.id, start, start + blocked)
                ):
                    room = availability.free_room(start, start + blocked)
                    if room is not None:
                        mine.append(Slot(start, start + duration, candidate, room))
                start += step
        found += mine
    found.sort(key=lambda slot: (slot.start, slot.practitioner.user.full_name))
    return found[:limit]
