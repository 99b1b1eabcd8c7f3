"""What the outcome pages show, built from a fixed number of queries.

A practitioner sees the clinic's figures de-identified (groups of courses,
small cells suppressed) and their own patients' courses by name; a clinical
lead (``Practitioner.is_clinical_lead``, given by the clinic admin) also sees
the figures by practitioner and may filter by practitioner.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from patients.models import Patient
from practitioners.models import Practitioner
from reports import queries
from reports.charts import BarChart, StepChart, share_bars, step_curve
from reports.forms import OutcomeFilterForm
from reports.models import OutcomeRefresh
from reports.outcomes import (
    Course,
    Summary,
    apply_filters,
    breakdown,
    build_courses,
    drop_out,
    improvement_curve,
    responders_by_visit,
    safety_from_counts,
    summarise,
    top_point_sets,
)
from reports.research import K, SmallGroup, research_rows, too_small_groups
from reports.summary import last_refresh, stored_courses, total_safety
from reports.tables import (
    SUPPRESSED,
    Table,
    n_text,
    percent_text,
    summary_table,
)
from sessions.models import PainCause

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


def _decision(course: Course) -> str:
    if not course.decidable():
        return "Too low to measure a change"
    return "Improved" if course.improved() else "Not improved"


def build_outcome_report(
    user, params, *, today: datetime.date | None = None, full: bool = False
) -> OutcomeReport:
    """Everything the outcomes page and its CSV exports show, from the course
    summary (reports.summary): a handful of queries. ``full``: every one of
    the practitioner's own courses (the CSV), not only the most recent."""
    today = today or timezone.localdate()
    lead = is_clinical_lead(user)
    practitioner = own_practitioner(user)
    courses = stored_courses()
    names = {}
    if lead:
        names = {p.id: str(p) for p in Practitioner.objects.with_user().order_by("user__full_name")}
    protocols = sorted({c.protocol for c in courses if c.protocol})
    form = OutcomeFilterForm(
        params or None, protocols=protocols, practitioners=list(names.items()) if lead else None
    )
    form.is_valid()
    chosen = apply_filters(courses, form.filters())

    headline = summarise("All courses", chosen)
    curve = improvement_curve(chosen)
    by_visit = responders_by_visit(chosen)
    report = OutcomeReport(
        form=form,
        headline=headline,
        median=curve.median,
        curve_n=curve.n,
        by_visit_chart=share_bars(
            "Courses improved meaningfully by visit",
            [(f"Visit {v}", share) for v, share in by_visit],
        ),
        curve_chart=step_curve(
            "Cumulative share of courses improved meaningfully, by session (Kaplan–Meier)", curve
        ),
        refreshed=last_refresh(),
        is_lead=lead,
        own=practitioner is not None,
    )
    t = report.tables
    t["summary"] = summary_table("summary", "All chosen courses", [headline])
    t["by_visit"] = Table.of(
        "by_visit",
        "Improved by visit",
        ("Visit", "Improved", "Courses with that many visits and room to improve"),
        [(f"Visit {v}", percent_text(s), n_text(s.n)) for v, s in by_visit],
    )
    t["curve"] = Table.of(
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
    t["cause"] = summary_table(
        "cause", "By cause", breakdown(chosen, lambda c: c.cause, CAUSE_LABELS)
    )
    t["severity"] = summary_table(
        "severity", "By baseline severity (ODI band)", breakdown(chosen, lambda c: c.baseline_band)
    )
    t["protocol"] = summary_table(
        "protocol",
        "By protocol applied",
        breakdown(chosen, lambda c: c.protocol, {"": "No protocol applied"}),
    )
    t["point_sets"] = summary_table(
        "point_sets", "The point sets used most (by courses)", top_point_sets(chosen)
    )
    if lead:
        t["practitioner"] = summary_table(
            "practitioner",
            "By practitioner (first session of the course)",
            breakdown(
                chosen, lambda c: str(c.practitioner_id), {str(k): v for k, v in names.items()}
            ),
        )
    dropped = drop_out(chosen, today, queries.booked_patient_ids())
    t["dropout"] = Table.of(
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
    )
    counts = total_safety(chosen)
    figures = safety_from_counts(counts, **queries.SAFETY_LABELS)
    safety_rows = [
        *[("Adverse event: " + r.label, r) for r in figures.adverse_by_type],
        *[("Adverse events, " + r.label.lower(), r) for r in figures.adverse_by_severity],
        ("Needle-count incidents", figures.needle_incidents),
        *[("Override: " + r.label, r) for r in figures.overrides_by_kind],
        ("Red-flag referrals", figures.red_flag_referrals),
    ]
    t["safety"] = Table.of(
        "safety",
        "Safety",
        ("Measure", "Count", "Per 1,000 sessions", "Signed sessions"),
        [
            (label, r.count, "" if r.per_1000 is None else r.per_1000, r.sessions)
            for label, r in safety_rows
        ],
    )
    if practitioner is not None:
        mine = [c for c in reversed(chosen) if practitioner.id in c.practitioner_ids]
        shown = mine if full else mine[:MY_COURSES_SHOWN]
        # Always one query (an empty id list would skip it): the patients this
        # practitioner has signed for.
        patients = {
            p.id: p
            for p in Patient.objects.filter(
                treatment_sessions__practitioner=practitioner,
                treatment_sessions__signed_at__isnull=False,
            ).distinct()
        }
        t["my_courses"] = Table.of(
            "my_courses",
            "Your patients' courses",
            ("Patient", "Course started", "Sessions", "Cause", "NPRS", "ODI %", "Decision"),
            [
                (
                    patients[c.patient_id].display_name if c.patient_id in patients else "",
                    c.start.isoformat(),
                    c.count,
                    CAUSE_LABELS.get(c.cause, "Not recorded"),
                    c.nprs_text,
                    c.odi_text,
                    _decision(c),
                )
                for c in shown
            ],
            note=(
                f"the {MY_COURSES_SHOWN} most recent of {len(mine)}: the CSV has them all"
                if len(shown) < len(mine)
                else ""
            ),
        )
    return report


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
