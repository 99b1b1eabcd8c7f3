"""The outcome figures in SQL over the course summary (reports.models.CourseSummary).

The pages used to load every course and work each figure out in Python with
the pure functions of ``reports.outcomes``; on a large clinic (hundreds of
thousands of courses) that took seconds. Here each figure is aggregated by
PostgreSQL, and Python only finishes the few numbers that come back, with the
same definitions (the tests check these against the pure functions on the same
courses):

* ``summaries``: one query (one pass over the chosen courses) for every
  summary of the page: the courses are first counted per cell (cause, baseline
  band, protocol, practitioner, point set), then the cells are added up per
  GROUPING SET. Means and standard deviations come from counts, sums and sums
  of squares of whole numbers (NPRS points, ODI tenths of a percent), so that
  adding cells up is exact; the 95 % interval is ``stats.mean_ci_of``.
* ``curve``: events and censored courses by session number (one query), which
  ``stats.kaplan_meier_counts`` multiplies out.
* ``totals``: drop-out and the safety counts (one query).

Raw SQL because the ORM has no GROUPING SETS; the chosen courses are still an
ORM queryset (``chosen``), embedded as a subquery, and every value is a query
parameter.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from reports.models import CourseSummary
from reports.outcomes import (
    CURVE_SESSIONS,
    ENDED_AFTER_DAYS,
    RESPONDER_VISITS,
    Change,
    Curve,
    DropOut,
    Filters,
    Share,
    Summary,
    curve_of,
)
from reports.stats import kaplan_meier_counts, mean_ci_of, mean_sd_of_sums
from reports.summary import SAFETY_KEYS
from scheduling.models import Appointment
from sessions.outcomes import NPRS, ODI

# The dimensions the page breaks the figures down by, as the summary's columns.
BY = {
    "cause": "cause",
    "band": "baseline_band",
    "protocol": "protocol",
    "practitioner": "practitioner_id",
    "point_set": "point_set",
}
ODI_TENTHS = 10  # ODI % have one decimal: its changes are summed as whole tenths


def chosen(f: Filters) -> QuerySet:
    """The courses the filters choose (``reports.outcomes.apply_filters``)."""
    courses = CourseSummary.objects.all()
    if f.cause:
        courses = courses.filter(cause=f.cause)
    if f.band:
        courses = courses.filter(baseline_band=f.band)
    if f.protocol:
        courses = courses.filter(protocol=f.protocol)
    if f.start is not None:
        courses = courses.filter(start__gte=f.start)
    if f.end is not None:
        courses = courses.filter(start__lte=f.end)
    if f.practitioner_id is not None:
        courses = courses.filter(practitioner_id=f.practitioner_id)
    return courses.order_by()


def _subquery(courses: QuerySet, *columns: str) -> tuple[str, tuple]:
    sql, params = courses.values(*columns).query.sql_with_params()
    return sql, tuple(params)


def _fetch(sql: str, params) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- Summaries -----------------------------------------------------------------

_ODI = f"round(odi_change * {ODI_TENTHS})"
# (name, per cell, added up over cells): counts, and sums of whole numbers.
_MEASURES = [
    ("n", "count(*)"),
    ("decidable", "count(*) FILTER (WHERE decidable)"),
    ("improved", "count(*) FILTER (WHERE improved)"),
    *[
        item
        for v in RESPONDER_VISITS
        for item in (
            (f"by_{v}_n", f"count(improved_by_{v})"),
            (f"by_{v}", f"count(*) FILTER (WHERE improved_by_{v})"),
        )
    ],
    ("nprs_n", "count(nprs_change)"),
    ("nprs_sum", "sum(nprs_change)"),
    ("nprs_squares", "sum(nprs_change * nprs_change)"),
    ("odi_n", "count(odi_change)"),
    ("odi_sum", f"sum({_ODI})"),
    ("odi_squares", f"sum({_ODI} * {_ODI})"),
]


def _change(measure, n: int, total, squares, scale: int = 1) -> Change:
    mean, sd = mean_sd_of_sums(n, round(total or 0), round(squares or 0))
    if mean is not None:
        mean, sd = mean / scale, None if sd is None else sd / scale
    return Change(measure, mean_ci_of(n, mean, sd), n)


def summary_from(label: str, row: dict) -> Summary:
    """A ``reports.outcomes.Summary`` from one row of sums."""
    n = int(row["n"] or 0)
    return Summary(
        label=label,
        n=n,
        responders=Share(int(row["improved"] or 0), int(row["decidable"] or 0)),
        by_visit=[
            (v, Share(int(row[f"by_{v}"] or 0), int(row[f"by_{v}_n"] or 0)))
            for v in RESPONDER_VISITS
        ],
        nprs=_change(NPRS, int(row["nprs_n"] or 0), row["nprs_sum"], row["nprs_squares"]),
        odi=_change(
            ODI, int(row["odi_n"] or 0), row["odi_sum"], row["odi_squares"], scale=ODI_TENTHS
        ),
    )


@dataclass
class Summaries:
    """Every summary of the chosen courses: ``all`` and, per dimension of
    ``BY``, its value → the row of sums (a point set as its label)."""

    all: Summary
    by: dict[str, dict]

    def breakdown(self, by: str, labels: dict[str, str] | None = None) -> list[Summary]:
        """``reports.outcomes.breakdown``: one summary per value, ordered by label."""
        labels = labels or {}
        return sorted(
            (
                summary_from(labels.get(str(k), str(k)) or "Not recorded", row)
                for k, row in self.by.get(by, {}).items()
            ),
            key=lambda s: s.label,
        )

    def top_point_sets(self, limit: int = 5) -> list[Summary]:
        """``reports.outcomes.top_point_sets``: the sets of most courses."""
        ranked = sorted(
            ((k, row) for k, row in self.by.get("point_set", {}).items() if k),
            key=lambda item: (-item[1]["n"], item[0]),
        )[:limit]
        return [summary_from(points, row) for points, row in ranked]


def summaries(courses: QuerySet, *, by: tuple[str, ...] = tuple(BY)) -> Summaries:
    """The summary of all ``courses`` and of each value of each dimension in
    ``by`` (keys of ``BY``): one query."""
    columns = [BY[name] for name in by]
    source, params = _subquery(
        courses,
        *columns,
        *["decidable", "improved", *[f"improved_by_{v}" for v in RESPONDER_VISITS]],
        "nprs_change",
        "odi_change",
    )
    cells = ", ".join(f"{expression} AS {name}" for name, expression in _MEASURES)
    sums = ", ".join(f"sum({name}) AS {name}" for name, _ in _MEASURES)
    whens = " ".join(
        f"WHEN GROUPING({c}) = 0 THEN '{name}'" for name, c in zip(by, columns, strict=True)
    )
    which = f"CASE {whens} ELSE 'all' END" if columns else "'all'"
    sets = ", ".join(["()", *[f"({c})" for c in columns]])
    sql = (
        f"WITH cells AS (SELECT {', '.join([*columns, cells])} "  # noqa: S608 (constant names, the ORM's SQL; values are parameters)
        f"FROM ({source}) chosen GROUP BY {', '.join(columns) or '()'}) "
        f"SELECT {which} AS grouping, {', '.join([*columns, sums])} "
        f"FROM cells GROUP BY GROUPING SETS ({sets})"
    )
    found: dict[str, dict] = {name: {} for name in by}
    everything = {"n": 0}
    for row in _fetch(sql, params):
        name = row.pop("grouping")
        if name == "all":
            everything = row
        else:
            found[name][row[BY[name]]] = row
    return Summaries(summary_from("All courses", everything), found)


# --- The cumulative curve --------------------------------------------------------


def curve(courses: QuerySet, *, until: int = CURVE_SESSIONS) -> Curve:
    """``reports.outcomes.improvement_curve``: courses with room to improve,
    by the session they improved at, or stopped at without it (one query)."""
    source, params = _subquery(courses.filter(decidable=True), "first_improved_at", "sessions")
    sql = (
        "SELECT coalesce(first_improved_at, sessions) AS at, "  # noqa: S608 (constant names, the ORM's SQL; values are parameters)
        "first_improved_at IS NOT NULL AS reached, count(*) AS n "
        f"FROM ({source}) chosen GROUP BY 1, 2"
    )
    events, censored = Counter(), Counter()
    for at, reached, n in _fetch_rows(sql, params):
        (events if reached else censored)[at] += n
    n = sum(events.values()) + sum(censored.values())
    return curve_of(kaplan_meier_counts(events, censored, n, until=until), n)


def _fetch_rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Drop-out, safety, and the practitioner's own courses ---------------------------


@dataclass(frozen=True)
class Totals:
    drop_out: DropOut
    safety: Counter  # by SAFETY_KEYS
    mine: int  # courses the practitioner treated in (0 without one)


def totals(
    courses: QuerySet,
    *,
    today: datetime.date,
    now: datetime.datetime,
    practitioner_id: int | None = None,
) -> Totals:
    """``reports.outcomes.drop_out`` (a course has ended when nothing is booked
    for the patient from ``now`` and its last session is more than
    ENDED_AFTER_DAYS before ``today``), the safety counts added up, and how many
    of the courses ``practitioner_id`` treated in (one query)."""
    source, params = _subquery(
        courses, "patient_id", "end", "sessions", "discharged", "practitioner_ids"
    )
    with_events, event_params = _subquery(courses.filter(safety_events__gt=0), "safety")
    booked, booked_params = _subquery(
        Appointment.objects.filter(status=Appointment.Status.BOOKED, start_at__gte=now)
        .order_by()
        .distinct(),
        "patient_id",
    )
    # Every count but the sessions' only over the courses with a safety event
    # (array elements are slow to read on every row).
    safety = ", ".join(f"sum(safety[{i}]) AS s{i}" for i in range(2, len(SAFETY_KEYS) + 1))
    sql = (
        "SELECT count(*) FILTER (WHERE ended) AS ended, "  # noqa: S608 (constant names, the ORM's SQL; values are parameters)
        "count(*) FILTER (WHERE ended AND sessions <= 2 AND NOT discharged) AS dropped, "
        "count(*) FILTER (WHERE %s = ANY(practitioner_ids)) AS mine, "
        "sum(sessions) AS s1 FROM ("
        'SELECT chosen.*, chosen."end" < %s AND booked.patient_id IS NULL AS ended '
        f"FROM ({source}) chosen LEFT JOIN ({booked}) booked "
        "ON booked.patient_id = chosen.patient_id) courses"
    )
    events_sql = f"SELECT {safety} FROM ({with_events}) courses"  # noqa: S608 (as above)
    cutoff = today - datetime.timedelta(days=ENDED_AFTER_DAYS)
    [row] = _fetch(
        f"SELECT * FROM ({sql}) totals, ({events_sql}) events",  # noqa: S608 (as above)
        (practitioner_id, cutoff, *params, *booked_params, *event_params),
    )
    counts = Counter({key: int(row[f"s{i}"] or 0) for i, key in enumerate(SAFETY_KEYS, 1)})
    return Totals(DropOut(row["dropped"], row["ended"]), counts, row["mine"])
