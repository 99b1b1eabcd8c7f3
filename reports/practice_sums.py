"""The practice reports' appointment sums: booked minutes by practitioner and
by room, and the attendance counts (reports.practice.AttendanceCounts), by
period.

Two sources, one SQL (``APPOINTMENT_SUMS``):

* **live**: the appointments of a range of local days added up per request;
* **stored**: ``PracticeDay``, the same sums per local day, practitioner and
  room for every day before the last ``refresh`` (``manage.py
  refresh_practice``, from cron). A page over months reads a few thousand of
  these rows rather than sorting every appointment of the range by patient
  (two years at full scale: 0.7 s of SQL).

The page takes its settled days from the table and the rest live. A change
since the refresh to an appointment of a settled day (yesterday's visit marked
a no-show this morning) counts at the next refresh; the page says as of when.
So does a booking whose time has passed moved to a later day: until the next
refresh it counts on both (the table's old day, the live new one).
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import DateField, Min, Sum
from django.db.models.functions import Trunc
from django.utils import timezone

from reports.models import PracticeDay, PracticeRefresh
from reports.practice import WEEK, AttendanceCounts, periods_between
from scheduling.availability import day_bounds, days
from scheduling.models import Appointment

LOCK = 160_017  # pg advisory lock: one refresh at a time

# The sums of the appointments starting in a window, grouped by bucket (a
# period, or a day), practitioner and room. "Rebooked": a completed visit
# whose patient had an appointment starting later made by the end of the
# visit's local day (even if cancelled since). That is a window over each
# patient's appointments from the window's start on, latest first: the
# earliest-made of the groups of starts before this one (a frame whose head
# stays put, so PostgreSQL adds one row at a time rather than re-reading the
# rest of the patient for each row). Buckets and local days come from their
# UTC bounds, worked out in Python (day_bounds, right on daylight-saving days)
# and found by width_bucket's binary search: no time-zone conversion per row.
# Raw SQL: Django cannot aggregate over a window function's result.
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
SELECT width_bucket(start_at, %(buckets)s::timestamptz[]) AS bucket,
       practitioner_id, room_id,
       coalesce(sum(floor(extract(epoch FROM end_at - start_at) / 60))
           FILTER (WHERE status <> %(cancelled)s), 0)::bigint AS booked_minutes,
       count(*) FILTER (WHERE status <> %(cancelled)s AND start_at <= %(now)s) AS due,
       count(*) FILTER (WHERE status = %(no_show)s AND start_at <= %(now)s) AS no_shows,
       count(*) AS appointments,
       count(*) FILTER (WHERE status = %(cancelled)s AND late_cancellation) AS late_cancellations,
       count(*) FILTER (WHERE status = %(completed)s) AS completed,
       count(*) FILTER (
           WHERE status = %(completed)s
           AND later_made <= (%(day_bounds)s::timestamptz[])[
               width_bucket(start_at, %(day_bounds)s::timestamptz[]) + 1
           ]
       ) AS rebooked
FROM seen
WHERE start_at < %(window_end)s
GROUP BY 1, 2, 3
"""
# The stored days: bucket n is the nth day from ``first``.
REFRESH = f"""
INSERT INTO reports_practiceday (day, practitioner_id, room_id, booked_minutes,
    due, no_shows, appointments, late_cancellations, completed, rebooked)
SELECT %(first)s::date + (bucket - 1), practitioner_id, room_id, booked_minutes,
    due, no_shows, appointments, late_cancellations, completed, rebooked
FROM ({APPOINTMENT_SUMS}) AS sums
"""  # noqa: S608 (constants only)
COUNTS = ("due", "no_shows", "appointments", "late_cancellations", "completed", "rebooked")
ATTENDANCE_FIELDS = ("due", "no_shows", "all", "late_cancellations", "completed", "rebooked")
# A page's sorts (by patient for the window, ~12 MB for six months at full
# scale) and its grouping fit in memory with this, not in the default 4 MB.
SUMS_WORK_MEM = "32MB"
REFRESH_WORK_MEM = "128MB"


@dataclass
class Sums:
    """Booked minutes by (practitioner id, period start) and by (room id,
    period start); attendance counts by period start."""

    booked: Counter = field(default_factory=Counter)
    room_booked: Counter = field(default_factory=Counter)
    # Period start → the COUNTS so far: plain lists while rows are added (a
    # page over two years by week adds 4,000 rows), AttendanceCounts at the end.
    _totals: dict[datetime.date, list[int]] = field(default_factory=dict)

    def add(self, period: datetime.date, row: dict) -> None:
        if row["booked_minutes"]:  # not for cancellations alone: as the pure functions
            self.booked[(row["practitioner_id"], period)] += row["booked_minutes"]
            if row["room_id"] is not None:
                self.room_booked[(row["room_id"], period)] += row["booked_minutes"]
        totals = self._totals.setdefault(period, [0] * len(COUNTS))
        for i, name in enumerate(COUNTS):
            totals[i] += row[name]

    @property
    def counts(self) -> dict[datetime.date, AttendanceCounts]:
        return {
            period: AttendanceCounts(**dict(zip(ATTENDANCE_FIELDS, totals, strict=True)))
            for period, totals in self._totals.items()
        }


def period_bounds(starts, window_start, window_end) -> list[datetime.datetime]:
    """width_bucket's UTC bounds of the periods beginning at ``starts``, cut
    to the window. The first period may begin before the window (a week's
    Monday): its rows still start on or after window_start, so bucket 1 is it."""
    return [window_start, *(day_bounds(start)[0] for start in starts[1:]), window_end]


def _params(first: datetime.date, last: datetime.date, now: datetime.datetime, buckets=None):
    """The SQL's parameters for the local days ``first`` to ``last``, bucketed
    by day unless ``buckets`` (ascending UTC bounds) are given."""
    day_starts = [day_bounds(day)[0] for day in days(first, last + datetime.timedelta(days=1))]
    return {
        "window_start": day_starts[0],
        "window_end": day_starts[-1],
        "now": now,
        "buckets": buckets or day_starts,
        "day_bounds": day_starts,
        "cancelled": Appointment.Status.CANCELLED.value,
        "no_show": Appointment.Status.NO_SHOW.value,
        "completed": Appointment.Status.COMPLETED.value,
    }


def live_sums(first, last, period: str, now, into: Sums | None = None) -> Sums:
    """Add up the appointments of the local days ``first`` to ``last`` (one
    query), by ``period`` (WEEK or MONTH)."""
    sums = into or Sums()
    starts = periods_between(first, last, period)
    params = _params(first, last, now)
    params["buckets"] = period_bounds(starts, params["window_start"], params["window_end"])
    # SET LOCAL lasts to the end of the transaction: the page runs in none (no
    # ATOMIC_REQUESTS), so to the end of this block.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{SUMS_WORK_MEM}'")
        cursor.execute(APPOINTMENT_SUMS, params)
        columns = [column.name for column in cursor.description]
        for row in cursor.fetchall():
            found = dict(zip(columns, row, strict=True))
            sums.add(starts[found["bucket"] - 1], found)
    return sums


def stored_sums(first, last, period: str, into: Sums | None = None) -> Sums:
    """Add up the stored days ``first`` to ``last`` (one query), by ``period``."""
    sums = into or Sums()
    rows = (
        PracticeDay.objects.filter(day__gte=first, day__lte=last)
        .values(
            "practitioner_id",
            "room_id",
            period_start=Trunc("day", "week" if period == WEEK else "month", DateField()),
        )
        .annotate(
            booked_minutes_sum=Sum("booked_minutes"),
            **{f"{name}_sum": Sum(name) for name in COUNTS},
        )
        .order_by()
    )
    for row in rows:
        sums.add(row["period_start"], {k.removesuffix("_sum"): v for k, v in row.items()})
    return sums


def report_sums(first, last, period: str, now) -> tuple[Sums, PracticeRefresh | None]:
    """The sums of the local days ``first`` to ``last``: the days the last
    refresh settled from the table, the others live. Also that refresh."""
    refreshed = last_refresh()
    sums = Sums()
    live_first = first
    if refreshed and refreshed.settled_through >= first:
        stored_sums(first, min(last, refreshed.settled_through), period, into=sums)
        live_first = refreshed.settled_through + datetime.timedelta(days=1)
    if live_first <= last:
        live_sums(live_first, last, period, now, into=sums)
    return sums, refreshed


def refresh(now: datetime.datetime | None = None) -> PracticeRefresh | None:
    """Add up every day before today (the clinic's) again and replace the
    table in one transaction (pages keep the old rows until it commits). None
    when another refresh holds the lock (cron-safe). ``now`` (tests) defaults
    to the time the lock is taken: a run that waited to connect must not
    settle fewer days than one that committed before it."""
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
        if not cursor.fetchone()[0]:
            return None
        now = now or timezone.now()
        settled_through = timezone.localdate(now) - datetime.timedelta(days=1)
        # Every appointment ever is one sort by patient and one grouping: the
        # grouping spilled 52 MB to disk at full scale with the default 4 MB
        # (2.9 → 2.6 s with this; more did not help). One run at a time.
        cursor.execute(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'")
        PracticeDay.objects.all().delete()
        earliest = Appointment.objects.aggregate(first=Min("start_at"))["first"]
        first = timezone.localdate(earliest) if earliest else None
        rows = 0
        if first and first <= settled_through:
            cursor.execute(REFRESH, {**_params(first, settled_through, now), "first": first})
            rows = cursor.rowcount
        cursor.execute(f"ANALYZE {PracticeDay._meta.db_table}")
        # One row: the one that says which days the table holds.
        PracticeRefresh.objects.all().delete()
        return PracticeRefresh.objects.create(
            refreshed_at=now,
            settled_through=settled_through,
            rows=rows,
            seconds=round(time.monotonic() - started, 1),
        )


def last_refresh() -> PracticeRefresh | None:
    """The refresh whose days the table holds (refresh keeps only its own row)."""
    return PracticeRefresh.objects.order_by("-id").first()
