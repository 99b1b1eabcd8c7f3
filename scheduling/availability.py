"""When practitioners and rooms are free, computed from a fixed set of queries.

Everything is loaded for a date range up front (working hours, exceptions,
closures, active appointments) and then worked out in Python, so the number
of queries does not grow with the number of days, practitioners or bookings.
Local clock times (working hours, "morning") are turned into aware datetimes
in the clinic's zone day by day, which keeps daylight-saving days right:
09:00–17:00 is eight hours of work on the day the clocks change, too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings

from scheduling.intervals import Interval, Timeline, merge, subtract
from scheduling.models import (
    Appointment,
    AvailabilityException,
    ClinicClosure,
    Room,
    WorkingHours,
)


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_datetime(day: date, clock: time) -> datetime:
    """An aware datetime for a wall-clock time on a day in the clinic's zone."""
    zone = clinic_zone()
    # Round-trip through UTC so that a time in a spring-forward gap is normalised.
    naive = datetime.combine(day, clock)
    return naive.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).astimezone(zone)


def day_bounds(day: date) -> Interval:
    return local_datetime(day, time.min), local_datetime(day + timedelta(days=1), time.min)


def days(first: date, last: date):
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


@dataclass
class Availability:
    """Working time and bookings of some practitioners and rooms over some days.

    ``working`` holds each practitioner's working time as sorted intervals;
    bookings are ``Timeline``s, so that each question below is a bisection.
    """

    first_day: date
    last_day: date
    working: dict[int, list[Interval]] = field(default_factory=dict)  # practitioner id
    busy: dict[int, Timeline] = field(default_factory=lambda: defaultdict(Timeline))
    room_busy: dict[int, Timeline] = field(default_factory=lambda: defaultdict(Timeline))
    rooms: list[Room] = field(default_factory=list)
    closed_days: set[date] = field(default_factory=set)
    _working_lines: dict[int, Timeline] = field(default_factory=dict, repr=False)

    def is_working(self, practitioner_id: int, start: datetime, end: datetime) -> bool:
        line = self._working_lines.get(practitioner_id)
        if line is None:
            line = Timeline(self.working.get(practitioner_id, []))
            self._working_lines[practitioner_id] = line
        return line.covers(start, end)

    def practitioner_free(self, practitioner_id: int, start: datetime, end: datetime) -> bool:
        return not self.busy[practitioner_id].overlaps(start, end)

    def room_free(self, room_id: int, start: datetime, end: datetime) -> bool:
        return not self.room_busy[room_id].overlaps(start, end)

    def free_room(self, start: datetime, end: datetime) -> Room | None:
        for room in self.rooms:
            if self.room_free(room.id, start, end):
                return room
        return None

    def free_time(self, practitioner_id: int) -> list[Interval]:
        """Working time with no booking in it: the bookable gaps."""
        return subtract(self.working.get(practitioner_id, []), self.busy[practitioner_id])


def load_availability(
    practitioner_ids: list[int],
    first_day: date,
    last_day: date,
    *,
    exclude_appointment_id: int | None = None,
    bookings: bool = True,
) -> Availability:
    """Five queries, whatever the range: hours, exceptions, closures, rooms,
    appointments. ``exclude_appointment_id`` leaves out the one being moved;
    ``bookings=False`` loads working time only (no busy time, one query fewer:
    the practice reports count bookings in SQL)."""
    window_start, _ = day_bounds(first_day)
    _, window_end = day_bounds(last_day)
    availability = Availability(first_day, last_day)

    availability.closed_days = {
        day
        for closure in ClinicClosure.objects.filter(
            start_date__lte=last_day, end_date__gte=first_day
        )
        for day in days(max(closure.start_date, first_day), min(closure.end_date, last_day))
    }

    weekly = defaultdict(list)
    for hours in WorkingHours.objects.filter(practitioner_id__in=practitioner_ids):
        weekly[(hours.practitioner_id, hours.weekday)].append(hours)

    exceptions = defaultdict(lambda: {"time_off": [], "extra_hours": []})
    for exc in AvailabilityException.objects.filter(
        practitioner_id__in=practitioner_ids, start_at__lt=window_end, end_at__gt=window_start
    ):
        exceptions[exc.practitioner_id][exc.kind].append((exc.start_at, exc.end_at))

    # Most practitioners keep the same few clock times: convert each (day,
    # clock) once, not once per practitioner (a month for forty is 10,000 calls).
    at = cache(local_datetime)
    open_days = [day for day in days(first_day, last_day) if day not in availability.closed_days]
    closed = [day_bounds(day) for day in availability.closed_days]
    for practitioner_id in practitioner_ids:
        intervals: list[Interval] = []
        for day in open_days:
            for hours in weekly[(practitioner_id, day.weekday())]:
                intervals.append((at(day, hours.start_time), at(day, hours.end_time)))
        intervals += exceptions[practitioner_id]["extra_hours"]
        availability.working[practitioner_id] = subtract(
            merge(intervals), exceptions[practitioner_id]["time_off"] + closed
        )

    availability.rooms = list(Room.objects.filter(is_active=True).order_by("name"))

    if not bookings:
        return availability
    booked = Appointment.objects.active().overlapping(window_start, window_end)
    if exclude_appointment_id is not None:
        booked = booked.exclude(pk=exclude_appointment_id)
    busy, room_busy = defaultdict(list), defaultdict(list)
    for practitioner_id, room_id, start, blocked_until in booked.order_by().values_list(
        "practitioner_id", "room_id", "start_at", "blocked_until"
    ):
        busy[practitioner_id].append((start, blocked_until))
        room_busy[room_id].append((start, blocked_until))
    availability.busy.update((key, Timeline(spans)) for key, spans in busy.items())
    availability.room_busy.update((key, Timeline(spans)) for key, spans in room_busy.items())
    return availability
