"""The course summary table (reports.models.CourseSummary): filled from the
signed records by ``refresh``, one row per course with its decisions as plain
columns (reports.outcomes.Decisions), which the outcome pages aggregate in SQL
(reports.figures)."""

from __future__ import annotations

import time
from collections import Counter

from django.db import connection, transaction
from django.utils import timezone

from reports import queries
from reports.models import CourseSummary, OutcomeRefresh
from reports.outcomes import (
    RESPONDER_VISITS,
    Course,
    build_courses,
    index_safety,
    safety_counts,
    safety_keys,
)
from sessions.outcomes import NPRS, ODI

SAFETY_KEYS = safety_keys(queries.SAFETY_LABELS)
LOCK = 160_016  # pg advisory lock: one refresh at a time (issue 16)


def _score_text(course: Course, measure) -> str:
    base, latest = course.baseline(measure), course.latest(measure)
    if base is None:
        return ""
    return f"{base} → {latest}" if latest is not None else f"{base} (first only)"


def summary_of(course: Course, safety: Counter) -> CourseSummary:
    return CourseSummary(
        patient_id=course.patient_id,
        number=course.number,
        practitioner_id=course.practitioner_id,
        start=course.start,
        end=course.end,
        sessions=course.count,
        cause=course.cause,
        baseline_band=course.baseline_band,
        protocol=course.protocol[:100],
        decidable=course.decidable(),
        improved=course.improved(),
        first_improved_at=course.improved_at,
        **{f"improved_by_{v}": course.improved_by(v) for v in RESPONDER_VISITS},
        nprs_change=course.change(NPRS),
        odi_change=course.change(ODI),
        discharged=course.discharged,
        point_set=", ".join(course.point_set),
        practitioner_ids=sorted(course.practitioner_ids),
        nprs_text=_score_text(course, NPRS),
        odi_text=_score_text(course, ODI),
        safety=[safety[key] for key in SAFETY_KEYS],
        safety_events=sum(safety[key] for key in SAFETY_KEYS if key != "sessions"),
    )


def refresh() -> OutcomeRefresh | None:
    """Work every course out again and replace the table in one transaction
    (readers keep the old rows until it commits). None when another refresh
    holds the lock (cron-safe)."""
    started = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
            if not cursor.fetchone()[0]:
                return None
        courses = build_courses(queries.session_rows())
        indexed = index_safety(queries.safety_rows())
        CourseSummary.objects.all().delete()
        CourseSummary.objects.bulk_create(
            (summary_of(c, safety_counts([s.id for s in c.sessions], indexed)) for c in courses),
            batch_size=2000,
        )
        with connection.cursor() as cursor:  # the pages' plans want fresh statistics
            cursor.execute(f"ANALYZE {CourseSummary._meta.db_table}")
        return OutcomeRefresh.objects.create(
            refreshed_at=timezone.now(),
            courses=len(courses),
            protocols=sorted({c.protocol[:100] for c in courses if c.protocol}),
            seconds=round(time.monotonic() - started, 1),
        )


def last_refresh() -> OutcomeRefresh | None:
    return OutcomeRefresh.objects.order_by("-refreshed_at").first()
