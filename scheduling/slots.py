"""Find a time: the earliest free slots for an appointment type.

The one slot finder of the app: the front desk's "find a time" and the
patients' online booking both use it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, takewhile
from operator import attrgetter

from django.utils import timezone

from clinic.models import ClinicSettings
from practitioners.models import Practitioner
from scheduling.availability import Availability, clinic_zone, day_bounds, load_availability
from scheduling.models import AppointmentType, Room

ONE_DAY = timedelta(days=1)
# How far the first rounds of a search reach, from its first day: see _windows.
WINDOWS = (timedelta(days=1), timedelta(days=2), timedelta(days=7))

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
    licensed_only: bool = False,
    room: Room | None = None,
    duration: timedelta | None = None,
    exclude_appointment_id: int | None = None,
) -> list[Slot]:
    """The earliest ``limit`` slots, in time order, that respect working hours,
    exceptions, closures, the type's buffer, existing appointments and a free room.

    Each practitioner's slots come from a lazy generator in time order; merging
    them and stopping at ``limit`` means a search over forty practitioners and
    four weeks looks at about ``limit`` slots, not every free one.

    ``licensed_only`` (online booking) keeps each practitioner's slots to the
    days their licence is valid; front desk sees every slot and is warned.

    Moving an appointment asks for times in its own ``room``, of its own
    ``duration`` (it may have been resized), with the appointment itself
    (``exclude_appointment_id``) out of the way."""
    step = timedelta(minutes=ClinicSettings.load().slot_minutes)
    not_before = not_before or timezone.now()
    if practitioner is not None:
        # The one chosen must offer the type too (as BookingForm insists).
        listed = set(appointment_type.practitioners.values_list("id", flat=True))
        offers = practitioner.is_active and (not listed or practitioner.id in listed)
        candidates = [practitioner] if offers else []
    else:
        candidates = list(practitioners_offering(appointment_type))
    if licensed_only:
        candidates = [c for c in candidates if c.licence_valid_on(first_day)]
    if not candidates:
        return []
    found: list[Slot] = []
    for window_first, window_last in _windows(first_day, last_day):
        # One day more is loaded than searched, for a booking just after
        # midnight that a late slot's buffer would run into.
        availability = load_availability(
            [p.id for p in candidates],
            window_first,
            min(window_last + ONE_DAY, last_day),
            exclude_appointment_id=exclude_appointment_id,
        )
        window_start, _ = day_bounds(window_first)
        _, window_end = day_bounds(window_last)
        search = _Search(
            availability=availability,
            step=step,
            duration=duration or appointment_type.duration,
            blocked=(duration or appointment_type.duration) + appointment_type.buffer,
            room=room,
            not_before=max(not_before, window_start),
            parts=[DAY_PARTS[name] for name in (day_parts or []) if name in DAY_PARTS],
        )
        # Candidates come ordered by name, and merge() is stable: ties go by name.
        in_time_order = heapq.merge(
            *(
                _while_licensed(search.slots_of(candidate), candidate)
                if licensed_only
                else search.slots_of(candidate)
                for candidate in candidates
            ),
            key=attrgetter("start"),
        )
        in_window = takewhile(lambda slot, end=window_end: slot.start < end, in_time_order)
        found += islice(in_window, limit - len(found))
        if len(found) >= limit:
            break
    return found


def _while_licensed(slots: Iterator[Slot], practitioner: Practitioner) -> Iterator[Slot]:
    """A practitioner's slots, in time order, up to the last day of their licence."""
    return takewhile(lambda slot: practitioner.licence_valid_on(slot.local_start.date()), slots)


def _windows(first_day: date, last_day: date) -> list[tuple[date, date]]:
    """The first day, the next, the rest of the first week, then the rest: most
    searches are over within a day (or the next, when the desk searches late in
    the afternoon), and a day of a clinic group's bookings costs a twenty-eighth
    of four weeks' to load. (So a search makes one to four rounds of queries,
    never more.)"""
    windows, start = [], first_day
    for length in WINDOWS:
        end = first_day + length - ONE_DAY
        if end >= last_day:
            break
        windows.append((start, end))
        start = end + ONE_DAY
    windows.append((start, last_day))
    return windows


@dataclass(frozen=True)
class _Search:
    availability: Availability
    step: timedelta
    duration: timedelta
    blocked: timedelta
    not_before: datetime
    parts: list[tuple[time, time]]
    room: Room | None = None  # only this room, else the first free one

    def slots_of(self, candidate: Practitioner) -> Iterator[Slot]:
        """The candidate's bookable slots, earliest first, made only when asked for."""
        availability, zone = self.availability, clinic_zone()
        for gap_start, gap_end in availability.free_time(candidate.id):
            if gap_end <= self.not_before:
                continue
            # Step in UTC: minutes added to a local time are wall-clock minutes, which
            # skip or repeat an hour across the night the clocks change.
            start = align_up(max(gap_start, self.not_before).astimezone(UTC), self.step)
            while start + self.duration <= gap_end:
                blocked_until = start + self.blocked
                if (
                    not self.parts or self._in_parts(start.astimezone(zone).time())
                ) and availability.practitioner_free(candidate.id, start, blocked_until):
                    room = self._room(start, blocked_until)
                    if room is not None:
                        yield Slot(start, start + self.duration, candidate, room)
                start += self.step

    def _room(self, start: datetime, end: datetime) -> Room | None:
        if self.room is None:
            return self.availability.free_room(start, end)
        return self.room if self.availability.room_free(self.room.id, start, end) else None

    def _in_parts(self, local: time) -> bool:
        return any(low <= local < high for low, high in self.parts)


def free_times_for_move(appointment, *, limit: int = 6, days: int = 28) -> list[Slot]:
    """The next free times for an appointment being moved: same practitioner,
    room and length, from now on (the move form offers them as one-click choices)."""
    today = timezone.localdate()
    return find_slots(
        appointment_type=appointment.appointment_type,
        first_day=today,
        last_day=today + timedelta(days=days),
        practitioner=appointment.practitioner,
        room=appointment.room,
        duration=appointment.end_at - appointment.start_at,
        exclude_appointment_id=appointment.pk,
        limit=limit,
    )
