"""Practice reports: bookings, not clinical data, as pure functions over rows.

Periods are calendar months or ISO weeks (Monday first) of the clinic's local
dates. Each figure carries its denominator.

* **Utilisation**: minutes booked (appointments not cancelled, no-shows
  included: the time was held for them) ÷ working minutes (weekly hours and
  extra hours, less time off and closures), per practitioner. A room's
  working minutes are the clinic's open time: the union of everyone's.
* **No-show rate**: no-shows ÷ appointments due (not cancelled, started).
* **Late-cancellation rate**: late cancellations ÷ all appointments of the
  period (cancelled or not).
* **Rebooking rate**: completed visits after which the patient had a later
  appointment booked by the end of that day ÷ completed visits.
* **New patients**: registered in the period, by referral source.
* **Days to first appointment**: from registration to the first appointment
  not cancelled (median and mean, of new patients who have one).
* **Waitlist fill rate**: entries booked ÷ entries closed (booked, withdrawn,
  or past their latest date), by the period they were added in.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

WEEK, MONTH = "week", "month"


def period_of(day: datetime.date, period: str) -> datetime.date:
    """The first day of ``day``'s week (Monday) or month."""
    if period == WEEK:
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


def period_label(start: datetime.date, period: str) -> str:
    return f"Week of {start:%-d %b %Y}" if period == WEEK else f"{start:%B %Y}"


def periods_between(first: datetime.date, last: datetime.date, period: str) -> list[datetime.date]:
    found, day = [], period_of(first, period)
    while day <= last:
        found.append(day)
        day = (
            day + datetime.timedelta(days=7)
            if period == WEEK
            else (day + datetime.timedelta(days=32)).replace(day=1)
        )
    return found


@dataclass(frozen=True)
class Rate:
    count: int
    n: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.count / self.n, 1) if self.n else None


@dataclass(frozen=True)
class AppointmentRow:
    patient_id: int
    practitioner_id: int
    room_id: int | None
    day: datetime.date  # local date of the start
    minutes: int
    status: str
    late_cancellation: bool = False
    started: bool = True  # its start is in the past
    booked_by_day_end: bool = False  # a later appointment existed by the end of its day


CANCELLED, NO_SHOW, COMPLETED = "cancelled", "no_show", "completed"


def utilisation(
    appointments: Iterable[AppointmentRow],
    working: dict[tuple[int, datetime.date], int],
    key: str,
    period: str,
) -> dict[tuple[int, datetime.date], Rate]:
    """(practitioner or room id, period start) → booked ÷ working minutes.
    ``working``: (id, local day) → working minutes; ``key``: "practitioner_id"
    or "room_id"."""
    booked: Counter = Counter()
    for a in appointments:
        if a.status != CANCELLED and getattr(a, key) is not None:
            booked[(getattr(a, key), period_of(a.day, period))] += a.minutes
    return utilisation_of(booked, working, period)


def utilisation_of(
    booked: Counter, working: dict[tuple[int, datetime.date], int], period: str
) -> dict[tuple[int, datetime.date], Rate]:
    """``utilisation`` from the minutes booked (not cancelled) by (id, period
    start), as the page's SQL adds them up. ``working`` may be keyed by local
    day or already by period start (a period start is its own period)."""
    capacity: Counter = Counter()
    period_of_day = {day: period_of(day, period) for day in {day for _, day in working}}
    for (owner, day), minutes in working.items():
        capacity[(owner, period_of_day[day])] += minutes
    return {k: Rate(booked[k], capacity[k]) for k in set(booked) | set(capacity)}


@dataclass(frozen=True)
class AttendanceFigures:
    no_show: Rate
    late_cancellation: Rate
    rebooking: Rate


@dataclass(frozen=True)
class AttendanceCounts:
    """The counts behind ``AttendanceFigures``, as the page's SQL adds them up."""

    due: int = 0  # not cancelled, started
    no_shows: int = 0  # of those due
    all: int = 0
    late_cancellations: int = 0
    completed: int = 0
    rebooked: int = 0  # completed visits left with a next visit booked

    def __add__(self, other: AttendanceCounts) -> AttendanceCounts:
        return AttendanceCounts(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)
        )

    @property
    def figures(self) -> AttendanceFigures:
        return AttendanceFigures(
            no_show=Rate(self.no_shows, self.due),
            late_cancellation=Rate(self.late_cancellations, self.all),
            rebooking=Rate(self.rebooked, self.completed),
        )


def attendance(
    appointments: Iterable[AppointmentRow], period: str
) -> dict[datetime.date, AttendanceFigures]:
    counts: dict[datetime.date, AttendanceCounts] = defaultdict(AttendanceCounts)
    for a in appointments:
        due = a.status != CANCELLED and a.started
        counts[period_of(a.day, period)] += AttendanceCounts(
            due=due,
            no_shows=due and a.status == NO_SHOW,
            all=1,
            late_cancellations=a.status == CANCELLED and a.late_cancellation,
            completed=a.status == COMPLETED,
            rebooked=a.status == COMPLETED and a.booked_by_day_end,
        )
    return {start: c.figures for start, c in counts.items()}


def rebooked_visits(visits, appointments, day_end) -> set[int]:
    """The completed visits after which the patient left with a next visit
    booked: an appointment of theirs starting later that had been made by the
    end of the visit's local day (even if cancelled since).
    ``visits``: (id, patient id, start, local day); ``appointments``:
    (patient id, start, created); ``day_end(day)``: the end of a local day."""
    by_patient = defaultdict(list)
    for patient_id, start, created in appointments:
        by_patient[patient_id].append((start, created))
    return {
        visit_id
        for visit_id, patient_id, start, day in visits
        if any(s > start and c <= day_end(day) for s, c in by_patient[patient_id])
    }


@dataclass(frozen=True)
class NewPatient:
    registered: datetime.date
    referral_source: str
    first_appointment: datetime.date | None


@dataclass(frozen=True)
class NewPatientFigures:
    count: int
    by_source: dict[str, int]
    days_median: float | None
    days_mean: float | None
    days_n: int


def new_patients(
    patients: Iterable[NewPatient], period: str
) -> dict[datetime.date, NewPatientFigures]:
    groups: dict[datetime.date, list[NewPatient]] = defaultdict(list)
    for p in patients:
        groups[period_of(p.registered, period)].append(p)
    result = {}
    for start, group in groups.items():
        waits = [
            (p.first_appointment - p.registered).days
            for p in group
            if p.first_appointment is not None and p.first_appointment >= p.registered
        ]
        result[start] = NewPatientFigures(
            count=len(group),
            by_source=Counter(p.referral_source for p in group),
            days_median=statistics.median(waits) if waits else None,
            days_mean=round(statistics.fmean(waits), 1) if waits else None,
            days_n=len(waits),
        )
    return result


@dataclass(frozen=True)
class WaitlistRow:
    added: datetime.date
    status: str
    latest_date: datetime.date


def waitlist_fill(
    entries: Iterable[WaitlistRow], today: datetime.date, period: str
) -> dict[datetime.date, Rate]:
    booked: Counter = Counter()
    closed: Counter = Counter()
    for e in entries:
        start = period_of(e.added, period)
        if e.status == "booked":
            booked[start] += 1
            closed[start] += 1
        elif e.status == "withdrawn" or e.latest_date < today:
            closed[start] += 1
    return {k: Rate(booked[k], closed[k]) for k in closed}
