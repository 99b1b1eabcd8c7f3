"""What the outcome pages show, built from a fixed number of queries.

A practitioner sees the clinic's figures de-identified (groups of courses,
small cells suppressed) and their own patients' courses by name; a clinical
lead (``Practitioner.is_clinical_lead``, given by the clinic admin) also sees
the figures by practitioner and may filter by practitioner.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from practitioners.models import Practitioner
from reports import figures, queries
from reports.charts import BarChart, StepChart, share_bars, step_curve
from reports.forms import OutcomeFilterForm
from reports.models import CourseSummary, OutcomeRefresh
from reports.outcomes import Summary, build_courses, safety_from_counts
from reports.research import K, SmallGroup, research_rows, too_small_groups
from reports.summary import last_refresh
from reports.tables import (
    SUPPRESSED,
    Table,
    n_text,
    percent_text,
    summary_table,
)
from sessions.models import PainCause
from sessions.outcomes import ODI_BANDS

CAUSE_LABELS = dict(PainCause.choices)
MY_COURSES_SHOWN = 100


def own_practitioner(user) -> Practitioner | None:
    return getattr(user, "practitioner", None)


def is_clinical_lead(user) -> bool:
    practitioner = own_practitioner(user)
    return bool(practitioner and practitioner.is_clinical_lead and practitioner.is_active)


@dataclass
class OutcomeReport:
    form: OutcomeFilterForm
    headline: Summary
    median: int | None
    curve_n: int
    by_visit_chart: BarChart
    curve_chart: StepChart
    tables: dict[str, Table] = field(default_factory=dict)
    refreshed: OutcomeRefresh | None = None
    is_lead: bool = False
    own: bool = False  # the user has a practitioner profile (their patients' table)
    older: str = ""  # the query string of the next page of their patients' courses


def _decision(course: CourseSummary) -> str:
    if course.sessions < 2:  # the baseline is the latest score
        return "One session: no change to measure yet"
    if not course.decidable:
        return "Too low to measure a change"
    return "Improved" if course.improved else "Not improved"


def _before(value: str):
    """The ``before`` parameter of the practitioner's list: "2026-03-02.123"
    (start, patient id) of the last course shown; None when absent or odd."""
    day, _, patient = (value or "").partition(".")
    try:
        return datetime.date.fromisoformat(day), int(patient)
    except ValueError:
        return None


@dataclass
class _Choice:
    """Who asks, and the courses their filters choose."""

    form: OutcomeFilterForm
    chosen: object  # a CourseSummary queryset
    lead: bool
    practitioner: Practitioner | None
    names: dict[int, str]
    refreshed: OutcomeRefresh | None


def _choose(user, params) -> _Choice:
    lead = is_clinical_lead(user)
    refreshed = last_refresh()
    names = {}
    if lead:
        names = {p.id: str(p) for p in Practitioner.objects.with_user().order_by("user__full_name")}
    form = OutcomeFilterForm(
        params or None,
        protocols=refreshed.protocols if refreshed else (),
        practitioners=list(names.items()) if lead else None,
    )
    form.is_valid()
    return _Choice(
        form, figures.chosen(form.filters()), lead, own_practitioner(user), names, refreshed
    )


_BAND_ORDER = {label: rank for rank, (_, label) in enumerate(ODI_BANDS)}


def _band_rank(summary: Summary) -> int:
    """Bands from least to most disability, "Not recorded" last (not A to Z)."""
    return _BAND_ORDER.get(summary.label, len(_BAND_ORDER))


SUMMARY_TABLES = ("summary", "by_visit", "cause", "severity", "protocol", "point_sets")


def _summary_tables(found: figures.Summaries) -> dict[str, Table]:
    headline = found.all
    return {
        "summary": summary_table("summary", "All chosen courses", [headline]),
        "by_visit": Table.of(
            "by_visit",
            "Improved by visit",
            ("Visit", "Improved", "Courses with that many visits and room to improve"),
            [(f"Visit {v}", percent_text(s), n_text(s.n)) for v, s in headline.by_visit],
        ),
        "cause": summary_table("cause", "By cause", found.breakdown("cause", CAUSE_LABELS)),
        "severity": summary_table(
            "severity",
            "By baseline severity (ODI band)",
            sorted(found.breakdown("band"), key=_band_rank),
        ),
        "protocol": summary_table(
            "protocol",
            "By protocol applied",
            found.breakdown("protocol", {"": "No protocol applied"}),
        ),
        "point_sets": summary_table(
            "point_sets", "The point sets used most (by courses)", found.top_point_sets()
        ),
    }


def _curve_table(curve) -> Table:
    return Table.of(
        "curve",
        "Cumulative improvement by session (Kaplan–Meier)",
        (
            "Session",
            "At risk",
            "Improved at this session",
            "Stopped without improving",
            "Cumulative improved",
        ),
        [
            (s.time, s.at_risk, s.events, s.censored, f"{round(100 * s.cumulative)} %")
            for s in curve.steps
        ],
        note=(
            f"{curve.n} courses with room to improve. Sessions with fewer than 5 courses at risk are not shown."
            if curve.shown
            else f"{SUPPRESSED} courses with room to improve: no curve is shown."
        ),
    )


def _practitioner_table(c: _Choice) -> Table:
    return summary_table(
        "practitioner",
        "By practitioner (first session of the course)",
        # A query of its own: in the cells of the other summaries it would
        # multiply them by the number of practitioners (100,000 on the scale data).
        figures.summaries(c.chosen, by=("practitioner",)).breakdown(
            "practitioner", {str(k): v for k, v in c.names.items()}
        ),
    )


def _totals(c: _Choice, today, now) -> figures.Totals:
    return figures.totals(
        c.chosen,
        today=today,
        now=now,
        practitioner_id=c.practitioner.id if c.practitioner else None,
    )


def _totals_tables(totals: figures.Totals) -> dict[str, Table]:
    dropped = totals.drop_out
    safety = safety_from_counts(totals.safety, **queries.SAFETY_LABELS)
    safety_rows = [
        *[("Adverse event: " + r.label, r) for r in safety.adverse_by_type],
        *[("Adverse events, " + r.label.lower(), r) for r in safety.adverse_by_severity],
        ("Needle-count incidents", safety.needle_incidents),
        *[("Override: " + r.label, r) for r in safety.overrides_by_kind],
        ("Red-flag referrals", safety.red_flag_referrals),
    ]
    return {
        "dropout": Table.of(
            "dropout",
            "Drop-out",
            ("Ended courses", "Ended after 1–2 visits without discharge", "Share"),
            [
                (
                    n_text(dropped.n),
                    dropped.dropped if dropped.share.shown else SUPPRESSED,
                    percent_text(dropped.share),
                )
            ],
        ),
        "safety": Table.of(
            "safety",
            "Safety",
            ("Measure", "Count", "Per 1,000 sessions", "Signed sessions"),
            [
                (label, r.count, "" if r.per_1000 is None else r.per_1000, r.sessions)
                for label, r in safety_rows
            ],
        ),
    }


def build_outcome_report(user, params, *, today: datetime.date | None = None) -> OutcomeReport:
    """Everything the outcomes page shows, aggregated in SQL over the course
    summary (reports.figures): a fixed handful of queries whatever the number
    of courses."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    c = _choose(user, params)
    found = figures.summaries(c.chosen, by=("cause", "band", "protocol", "point_set"))
    curve = figures.curve(c.chosen)
    totals = _totals(c, today, now)
    report = OutcomeReport(
        form=c.form,
        headline=found.all,
        median=curve.median,
        curve_n=curve.n,
        by_visit_chart=share_bars(
            "Courses improved meaningfully by visit",
            [(f"Visit {v}", share) for v, share in found.all.by_visit],
        ),
        curve_chart=step_curve(
            "Cumulative share of courses improved meaningfully, by session (Kaplan–Meier)", curve
        ),
        refreshed=c.refreshed,
        is_lead=c.lead,
        own=c.practitioner is not None,
    )
    t = report.tables
    t |= _summary_tables(found)
    t["curve"] = _curve_table(curve)
    if c.lead:
        t["practitioner"] = _practitioner_table(c)
    t |= _totals_tables(totals)
    if c.practitioner is not None:
        t["my_courses"], report.older = _my_courses(c, totals.mine, params, full=False)
    return report


def build_outcome_table(
    user, params, key: str, *, today: datetime.date | None = None
) -> Table | None:
    """One table of the outcomes page for its CSV export, with only the
    queries it needs (the practitioner's own courses: all of them); None when
    there is no such table for this user."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    c = _choose(user, params)
    if key in SUMMARY_TABLES:
        found = figures.summaries(c.chosen, by=("cause", "band", "protocol", "point_set"))
        return _summary_tables(found)[key]
    if key == "curve":
        return _curve_table(figures.curve(c.chosen))
    if key == "practitioner" and c.lead:
        return _practitioner_table(c)
    if key in ("dropout", "safety"):
        return _totals_tables(_totals(c, today, now))[key]
    if key == "my_courses" and c.practitioner is not None:
        return _my_courses(c, 0, params, full=True)[0]  # all of them: no count needed
    return None


def _my_courses(c: _Choice, total: int, params, *, full: bool) -> tuple[Table, str]:
    """The practitioner's own patients' courses by name, most recent first: a
    page of MY_COURSES_SHOWN (one query) and the query string of the next
    page ("" for none) or, for the CSV, all of them."""
    mine = (
        c.chosen.filter(practitioner_ids__contains=[c.practitioner.id])
        .select_related("patient")
        .order_by("-start", "-patient_id")
    )
    before = None if full else _before((params or {}).get("before", ""))
    if before:
        day, patient = before
        mine = mine.filter(Q(start__lt=day) | Q(start=day, patient_id__lt=patient))
    shown = list(mine if full else mine[: MY_COURSES_SHOWN + 1])
    older = ""
    if not full and len(shown) > MY_COURSES_SHOWN:
        shown = shown[:MY_COURSES_SHOWN]
        query = QueryDict(mutable=True)
        for key, value in (params or {}).items():
            if key != "before":
                query[key] = value
        query["before"] = f"{shown[-1].start.isoformat()}.{shown[-1].patient_id}"
        older = query.urlencode()
    note = ""
    if older or before:
        which = "older than the previous page" if before else "the most recent"
        note = f"{len(shown)} of your {total} courses, {which}: the CSV has them all"
    table = Table.of(
        "my_courses",
        "Your patients' courses",
        ("Patient", "Course started", "Sessions", "Cause", "NPRS", "ODI %", "Decision"),
        [
            (
                course.patient.display_name,
                course.start.isoformat(),
                course.sessions,
                CAUSE_LABELS.get(course.cause, "Not recorded"),
                course.nprs_text,
                course.odi_text,
                _decision(course),
            )
            for course in shown
        ],
        note=note,
    )
    return table, older


@dataclass
class ResearchExport:
    rows: list[dict] = field(default_factory=list)
    patients: int = 0
    refusal: str = ""
    small_groups: list[SmallGroup] = field(default_factory=list)


def build_research_export(key: str) -> ResearchExport:
    """The export's rows, or why it is refused (three queries)."""
    if not key:
        return ResearchExport(
            refusal="The research export key (RESEARCH_EXPORT_KEY) is not set on the server: "
            "ask whoever runs the clinic's server to set it."
        )
    courses = build_courses(queries.session_rows())
    rows = research_rows(courses, queries.patient_facts(), key)
    small = too_small_groups(rows)
    patients = len({r["pseudonymous_id"] for r in rows})
    if small:
        return ResearchExport(
            patients=patients,
            small_groups=small,
            refusal=(
                f"Not exported: {len(small)} combination(s) of age band, sex and cause are held by "
                f"fewer than {K} patients, so their rows could identify someone. Nothing was exported."
            ),
        )
    if not rows:
        return ResearchExport(refusal="There are no signed courses of care to export.")
    return ResearchExport(rows=rows, patients=patients)
