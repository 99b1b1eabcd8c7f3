"""What the practice-reports page shows (front desk and clinic admin; no
clinical data), from a number of queries that does not grow with the range
or the data: it depends only on whether its days are stored
(reports.practice_sums), live, or both."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial

from django import forms
from django.db import connection
from django.utils import timezone

from patients.models import Patient
from practitioners.models import Practitioner
from reports.models import PracticeRefresh
from reports.practice import (
    MONTH,
    WEEK,
    NewPatientFigures,
    WaitlistRow,
    period_label,
    period_of,
    periods_between,
    utilisation_of,
    waitlist_fill,
)
from reports.practice_sums import period_bounds, report_sums
from reports.tables import Table
from scheduling.availability import clinic_zone, day_bounds, load_availability
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


# A practice table with no rows says so in its own terms (Table's default speaks of courses).
_table = partial(Table.of, empty="Nothing in this range.")


def _pct(rate) -> str:
    return "" if rate.percent is None else f"{rate.percent} %"


@dataclass
class PracticeReport:
    form: PracticeFilterForm
    period: str
    start: datetime.date
    end: datetime.date
    tables: dict[str, Table] = field(default_factory=dict)
    refreshed: PracticeRefresh | None = None  # days to its settled_through are from the summary

    @property
    def from_summary(self) -> bool:
        return bool(self.refreshed and self.refreshed.settled_through >= self.start)


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


# New patients registered in a window by period and referral source, and the
# days from registration to their first appointment not cancelled (local
# dates), summed per period: reports.practice.new_patients in SQL, so that two
# years' 17,000 registrations at full scale stay in the database. The first
# appointment is one index probe (sched_appt_patient_start_idx) per patient.
NEW_PATIENT_SUMS = """
WITH newcomer AS (
    SELECT width_bucket(p.created_at, %(buckets)s::timestamptz[]) AS bucket,
           p.referral_source AS source,
           (
               SELECT (a.start_at AT TIME ZONE %(zone)s)::date
               FROM scheduling_appointment a
               WHERE a.patient_id = p.id AND a.status <> %(cancelled)s
               ORDER BY a.start_at
               LIMIT 1
           ) - (p.created_at AT TIME ZONE %(zone)s)::date AS wait
    FROM patients_patient p
    WHERE p.created_at >= %(window_start)s AND p.created_at < %(window_end)s
)
SELECT bucket, source, grouping(source) = 1 AS whole_period, count(*) AS patients,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY wait) FILTER (WHERE wait >= 0) AS median,
       sum(wait) FILTER (WHERE wait >= 0) AS total,
       count(wait) FILTER (WHERE wait >= 0) AS waited
FROM newcomer
GROUP BY GROUPING SETS ((bucket, source), (bucket))
"""


def _new_patient_figures(window_start, window_end, starts) -> dict:
    """reports.practice.new_patients of the patients registered in the
    window, by the periods beginning at ``starts`` (one query)."""
    params = {
        "buckets": period_bounds(starts, window_start, window_end),
        "window_start": window_start,
        "window_end": window_end,
        "zone": clinic_zone().key,  # the zone day_bounds works in
        "cancelled": Appointment.Status.CANCELLED.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(NEW_PATIENT_SUMS, params)
        rows = cursor.fetchall()
    by_source = defaultdict(dict)
    for bucket, source, whole, patients, *_ in rows:
        if not whole:
            by_source[bucket][source] = patients
    figures = {}
    for bucket, _, whole, patients, median, total, waited in rows:
        if whole:
            figures[starts[bucket - 1]] = NewPatientFigures(
                count=patients,
                by_source=by_source[bucket],
                # statistics.median's: the middle wait of an odd count, else a mean of two.
                days_median=None if not waited else int(median) if waited % 2 else median,
                days_mean=round(total / waited, 1) if waited else None,
                days_n=waited,
            )
    return figures


def build_practice_report(params, *, now: datetime.datetime | None = None) -> PracticeReport:
    now = now or timezone.now()
    today = timezone.localdate(now)
    form = PracticeFilterForm(params or None, today=today)
    period, first, last = form.range()
    window_start, _ = day_bounds(first)
    _, window_end = day_bounds(last)
    report = PracticeReport(form, period, first, last)
    starts = periods_between(first, last, period)
    labels = {s: period_label(s, period) for s in starts}

    practitioners = {p.id: str(p) for p in Practitioner.objects.with_user()}
    rooms = {r.id: r.name for r in Room.objects.all()}
    availability = load_availability(list(practitioners), first, last, bookings=False)
    working, open_minutes = _working_minutes(availability, practitioners)

    sums, report.refreshed = report_sums(first, last, period, now)
    booked, room_booked, counts = sums.booked, sums.room_booked, sums.counts
    t = report.tables
    by_practitioner = utilisation_of(booked, working, period)
    t["utilisation_practitioner"] = _table(
        "utilisation_practitioner",
        "Utilisation by practitioner (booked ÷ working minutes)",
        ("Period", "Practitioner", "Booked minutes", "Working minutes", "Utilisation"),
        [
            (labels[s], name, r.count, r.n, _pct(r))
            for s in starts
            for pid, name in practitioners.items()
            if (r := by_practitioner.get((pid, s))) and (r.n or r.count)
        ],
    )
    # Every room's capacity is the clinic's open time: summed by period once,
    # keyed by period start (a period's own period), not per room and day.
    open_by_period = Counter()
    for day, minutes in open_minutes.items():
        open_by_period[period_of(day, period)] += minutes
    room_capacity = {(rid, s): minutes for rid in rooms for s, minutes in open_by_period.items()}
    by_room = utilisation_of(room_booked, room_capacity, period)
    t["utilisation_room"] = _table(
        "utilisation_room",
        "Utilisation by room (booked ÷ the clinic's open minutes)",
        ("Period", "Room", "Booked minutes", "Open minutes", "Utilisation"),
        [
            (labels[s], name, r.count, r.n, _pct(r))
            for s in starts
            for rid, name in rooms.items()
            if (r := by_room.get((rid, s))) and (r.n or r.count)
        ],
    )
    figures = {start: c.figures for start, c in counts.items()}
    t["attendance"] = _table(
        "attendance",
        "No-shows, late cancellations and rebooking",
        (
            "Period", "Appointments due", "No-shows", "No-show rate", "All appointments",
            "Late cancellations", "Late-cancellation rate", "Completed visits",
            "Left with a next visit booked", "Rebooking rate",
        ),
        [
            (
                labels[s], f.no_show.n, f.no_show.count, _pct(f.no_show),
                f.late_cancellation.n, f.late_cancellation.count, _pct(f.late_cancellation),
                f.rebooking.n, f.rebooking.count, _pct(f.rebooking),
            )
            for s in starts
            if (f := figures.get(s))
        ],
    )  # fmt: skip

    newcomers = _new_patient_figures(window_start, window_end, starts)
    t["new_patients"] = _table(
        "new_patients",
        "New patients, where they came from, and days to their first appointment",
        (
            "Period", "New patients", *[label for _, label in SOURCES],
            "Days to first appointment (median)", "Days (mean)", "Patients with a first appointment",
        ),
        [
            (
                labels[s], f.count, *[f.by_source.get(key, 0) for key, _ in SOURCES],
                "" if f.days_median is None else f"{f.days_median:g}",  # 12, 16, 16.5
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
    t["waitlist"] = _table(
        "waitlist",
        "Waitlist fill rate (by the period entries were added)",
        ("Period", "Entries closed", "Booked from the waitlist", "Fill rate"),
        [(labels[s], r.n, r.count, _pct(r)) for s in starts if (r := fill.get(s))],
    )
    return report
