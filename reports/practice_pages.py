"""What the practice-reports page shows (front desk and clinic admin; no
clinical data), from a fixed number of queries whatever the range."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django import forms
from django.db import connection, transaction
from django.db.models import (
    OuterRef,
    Subquery,
)
from django.utils import timezone

from patients.models import Patient
from practitioners.models import Practitioner
from reports.practice import (
    MONTH,
    WEEK,
    AttendanceCounts,
    NewPatient,
    WaitlistRow,
    new_patients,
    period_label,
    periods_between,
    utilisation_of,
    waitlist_fill,
)
from reports.tables import Table
from scheduling.availability import day_bounds, days, load_availability
from scheduling.intervals import merge
from scheduling.models import Appointment, Room, WaitlistEntry

MAX_DAYS = 731
EARLIEST = datetime.date(2000, 1, 1)
LATEST_AHEAD = 366
SOURCES = [("", "Not recorded"), *Patient.ReferralSource.choices]


class PracticeFilterForm(forms.Form):
    period = forms.ChoiceField(
        label="By", choices=[(MONTH, "Month"), (WEEK, "Week")], required=False
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            day = data.get(name)
            if day and not EARLIEST <= day <= self.today + datetime.timedelta(days=LATEST_AHEAD):
                self.add_error(name, "Choose a date from 2000 to a year from today.")
        if self.errors:
            return data
        start, end = data.get("start"), data.get("end") or self.today
        if start and end < start:
            self.add_error(
                "end" if data.get("end") else "start", "The end of the range is before its start."
            )
        elif start and (end - start).days > MAX_DAYS:
            self.add_error("end", "Choose at most two years at a time.")
        return data

    def range(self) -> tuple[str, datetime.date, datetime.date]:
        """The period and range asked for; the last six months (or twelve weeks) by default."""
        today = self.today
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = data.get("period") or MONTH
        end = data.get("end") or today
        default_start = (
            (end.replace(day=1) - datetime.timedelta(days=150)).replace(day=1)
            if period == MONTH
            else end - datetime.timedelta(weeks=11, days=end.weekday())
        )
        return period, data.get("start") or default_start, end


def _pct(rate) -> str:
    return "" if rate.percent is None else f"{rate.percent} %"


@dataclass
class PracticeReport:
    form: PracticeFilterForm
    period: str
    start: datetime.date
    end: datetime.date
    tables: dict[str, Table] = field(default_factory=dict)


def _working_minutes(availability, practitioner_ids):
    """(practitioner id, local day) → working minutes, and (day) → the
    clinic's open minutes (everyone's working time merged)."""
    zone = timezone.get_current_timezone()  # once, not per interval
    per_practitioner, everyone = Counter(), []
    for pid in practitioner_ids:
        for start, end in availability.working.get(pid, []):
            day = start.astimezone(zone).date()
            per_practitioner[(pid, day)] += int((end - start).total_seconds() // 60)
            everyone.append((start, end))
    open_minutes = Counter()
    for start, end in merge(everyone):
        open_minutes[start.astimezone(zone).date()] += int((end - start).total_seconds() // 60)
    return per_practitioner, open_minutes


# The attendance sums of the appointments starting in a window, grouped by
# period, practitioner and room. "Rebooked": a completed visit whose patient
# had an appointment starting later made by the end of the visit's local day
# (even if cancelled since). That is a window over each patient's appointments
# from the window's start on, latest first: the earliest-made of the groups of
# starts before this one (a frame whose head stays put, so PostgreSQL adds one
# row at a time rather than re-reading the rest of the patient for each row).
# Periods and local days come from their UTC bounds, worked out in Python
# (day_bounds, right on daylight-saving days) and found by width_bucket's
# binary search: no time-zone conversion per row. Raw SQL: Django cannot
# aggregate over a window function's result. Measured in docs/performance.md.
APPOINTMENT_SUMS = """
WITH seen AS (
    SELECT a.start_at, a.end_at, a.status, a.late_cancellation, a.practitioner_id, a.room_id,
           min(a.created_at) OVER (
               PARTITION BY a.patient_id ORDER BY a.start_at DESC
               GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS later_made
    FROM scheduling_appointment a
    WHERE a.start_at >= %(window_start)s
)
SELECT width_bucket(start_at, %(period_bounds)s::timestamptz[]) AS period,
       practitioner_id, room_id,
       sum(floor(extract(epoch FROM end_at - start_at) / 60))
           FILTER (WHERE status <> %(cancelled)s)::bigint AS booked,
       count(*) FILTER (WHERE status <> %(cancelled)s AND start_at <= %(now)s) AS due,
       count(*) FILTER (WHERE status = %(no_show)s AND start_at <= %(now)s) AS no_shows,
       count(*) AS all_,
       count(*) FILTER (WHERE status = %(cancelled)s AND late_cancellation) AS late_cancellations,
       count(*) FILTER (WHERE status = %(completed)s) AS completed,
       count(*) FILTER (
           WHERE status = %(completed)s
           AND later_made <= (%(day_bounds)s::timestamptz[])[
               width_bucket(start_at, %(day_bounds)s::timestamptz[]) + 1
           ]
       ) AS left_rebooked
FROM seen
WHERE start_at < %(window_end)s
GROUP BY 1, 2, 3
"""
# Its two sorts (by patient for the window, ~12 MB at full scale) and the
# grouping fit in memory with this, not in PostgreSQL's default 4 MB.
SUMS_WORK_MEM = "32MB"


def _appointment_sums(first: datetime.date, last: datetime.date, period: str, now):
    """Booked minutes by (practitioner, period) and by (room, period), and
    the attendance counts by period, of the appointments starting on the
    local days ``first`` to ``last``: one query (APPOINTMENT_SUMS), so that a
    clinic's hundred thousand appointments stay in the database."""
    starts = periods_between(first, last, period)
    day_starts = [day_bounds(day)[0] for day in days(first, last + datetime.timedelta(days=1))]
    window_start, window_end = day_starts[0], day_starts[-1]
    params = {
        "window_start": window_start,
        "window_end": window_end,
        "now": now,
        # The first period may begin before ``first`` (a week's Monday): its
        # rows still start on or after window_start, so bucket 1 is right.
        "period_bounds": [window_start, *(day_bounds(s)[0] for s in starts[1:]), window_end],
        "day_bounds": day_starts,
        "cancelled": Appointment.Status.CANCELLED.value,
        "no_show": Appointment.Status.NO_SHOW.value,
        "completed": Appointment.Status.COMPLETED.value,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{SUMS_WORK_MEM}'")
        cursor.execute(APPOINTMENT_SUMS, params)
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    booked, room_booked = Counter(), Counter()
    counts: dict[datetime.date, AttendanceCounts] = defaultdict(AttendanceCounts)
    for r in rows:
        start = starts[r["period"] - 1]
        if r["booked"] is not None:
            booked[(r["practitioner_id"], start)] += r["booked"]
            if r["room_id"] is not None:
                room_booked[(r["room_id"], start)] += r["booked"]
        counts[start] += AttendanceCounts(
            due=r["due"],
            no_shows=r["no_shows"],
            all=r["all_"],
            late_cancellations=r["late_cancellations"],
            completed=r["completed"],
            rebooked=r["left_rebooked"],
        )
    return booked, room_booked, counts


def build_practice_report(params, *, now: datetime.datetime | None = None) -> PracticeReport:
    now = now or timezone.now()
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    form = PracticeFilterForm(params or None, today=today)
    period, first, last = form.range()
    window_start, _ = day_bounds(first)
    _, window_end = day_bounds(last)
    report = PracticeReport(form, period, first, last)
    starts = periods_between(first, last, period)

    practitioners = {p.id: str(p) for p in Practitioner.objects.with_user()}
    rooms = {r.id: r.name for r in Room.objects.all()}
    availability = load_availability(list(practitioners), first, last, bookings=False)
    working, open_minutes = _working_minutes(availability, practitioners)

    booked, room_booked, counts = _appointment_sums(first, last, period, now)
    t = report.tables
    by_practitioner = utilisation_of(booked, working, period)
    t["utilisation_practitioner"] = Table.of(
        "utilisation_practitioner",
        "Utilisation by practitioner (booked ÷ working minutes)",
        ("Period", "Practitioner", "Booked minutes", "Working minutes", "Utilisation"),
        [
            (period_label(s, period), name, r.count, r.n, _pct(r))
            for s in starts
            for pid, name in practitioners.items()
            if (r := by_practitioner.get((pid, s))) and (r.n or r.count)
        ],
    )
    room_capacity = {(rid, day): minutes for rid in rooms for day, minutes in open_minutes.items()}
    by_room = utilisation_of(room_booked, room_capacity, period)
    t["utilisation_room"] = Table.of(
        "utilisation_room",
        "Utilisation by room (booked ÷ the clinic's open minutes)",
        ("Period", "Room", "Booked minutes", "Open minutes", "Utilisation"),
        [
            (period_label(s, period), name, r.count, r.n, _pct(r))
            for s in starts
            for rid, name in rooms.items()
            if (r := by_room.get((rid, s))) and (r.n or r.count)
        ],
    )
    figures = {start: c.figures for start, c in counts.items()}
    t["attendance"] = Table.of(
        "attendance",
        "No-shows, late cancellations and rebooking",
        (
            "Period", "Appointments due", "No-shows", "No-show rate", "All appointments",
            "Late cancellations", "Late-cancellation rate", "Completed visits",
            "Left with a next visit booked", "Rebooking rate",
        ),
        [
            (
                period_label(s, period), f.no_show.n, f.no_show.count, _pct(f.no_show),
                f.late_cancellation.n, f.late_cancellation.count, _pct(f.late_cancellation),
                f.rebooking.n, f.rebooking.count, _pct(f.rebooking),
            )
            for s in starts
            if (f := figures.get(s))
        ],
    )  # fmt: skip

    # The first appointment not cancelled of each new patient: one index probe
    # (sched_appt_patient_start_idx) per patient, not a join over every appointment.
    registered = Patient.objects.filter(
        created_at__gte=window_start, created_at__lt=window_end
    ).values_list(
        "created_at",
        "referral_source",
        Subquery(
            Appointment.objects.filter(patient=OuterRef("pk"))
            .exclude(status=Appointment.Status.CANCELLED)
            .order_by("start_at")
            .values("start_at")[:1]
        ),
    )
    newcomers = new_patients(
        [
            NewPatient(
                created.astimezone(zone).date(),
                source,
                first_visit.astimezone(zone).date() if first_visit else None,
            )
            for created, source, first_visit in registered
        ],
        period,
    )
    t["new_patients"] = Table.of(
        "new_patients",
        "New patients, where they came from, and days to their first appointment",
        (
            "Period", "New patients", *[label for _, label in SOURCES],
            "Days to first appointment (median)", "Days (mean)", "Patients with a first appointment",
        ),
        [
            (
                period_label(s, period), f.count, *[f.by_source.get(key, 0) for key, _ in SOURCES],
                "" if f.days_median is None else f.days_median,
                "" if f.days_mean is None else f.days_mean, f.days_n,
            )
            for s in starts
            if (f := newcomers.get(s))
        ],
    )  # fmt: skip

    entries = WaitlistEntry.objects.filter(
        created_at__gte=window_start, created_at__lt=window_end
    ).values_list("created_at", "status", "latest_date")
    fill = waitlist_fill(
        [WaitlistRow(timezone.localdate(c), status, latest) for c, status, latest in entries],
        today,
        period,
    )
    t["waitlist"] = Table.of(
        "waitlist",
        "Waitlist fill rate (by the period entries were added)",
        ("Period", "Entries closed", "Booked from the waitlist", "Fill rate"),
        [(period_label(s, period), r.n, r.count, _pct(r)) for s in starts if (r := fill.get(s))],
    )
    return report
