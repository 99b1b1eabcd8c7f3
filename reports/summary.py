"""The course summary table (reports.models.CourseSummary): filled from the
signed records by ``refresh``, read back as ``StoredCourse``s, which answer
the figures' questions (reports.outcomes.Decisions) like a course worked out
from its sessions."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from reports import queries
from reports.models import CourseSummary, OutcomeRefresh
from reports.outcomes import (
    Course,
    Decisions,
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
        practitioner_ids=sorted(course.practitioner_ids),
        start=course.start,
        end=course.end,
        sessions=course.count,
        cause=course.cause,
        protocol=course.protocol[:100],
        point_set=list(course.point_set),
        baseline_band=course.baseline_band,
        nprs_change=course.change(NPRS),
        odi_change=course.change(ODI),
        nprs_text=_score_text(course, NPRS),
        odi_text=_score_text(course, ODI),
        decidable_upto=[d for d, _ in course._decisions],
        improved_upto=[i for _, i in course._decisions],
        discharged=course.discharged,
        safety=[safety[key] for key in SAFETY_KEYS],
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
        return OutcomeRefresh.objects.create(
            refreshed_at=timezone.now(),
            courses=len(courses),
            seconds=round(time.monotonic() - started, 1),
        )


@dataclass
class StoredCourse(Decisions):
    patient_id: int
    number: int
    practitioner_id: int
    practitioner_ids: set[int]
    start: object
    end: object
    count: int
    cause: str
    protocol: str
    point_set: tuple[str, ...]
    baseline_band: str
    changes: dict[str, float | None]
    nprs_text: str
    odi_text: str
    _decisions: tuple[tuple[bool, bool], ...]
    discharged: bool
    safety: tuple[int, ...] = ()  # in the order of SAFETY_KEYS

    def change(self, measure):
        return self.changes.get(measure.key)


FIELDS = (
    "patient_id", "number", "practitioner_id", "practitioner_ids", "start", "end", "sessions",
    "cause", "protocol", "point_set", "baseline_band", "nprs_change", "odi_change", "nprs_text",
    "odi_text", "decidable_upto", "improved_upto", "discharged", "safety",
)  # fmt: skip


def stored_courses() -> list[StoredCourse]:
    """Every course of the summary table, oldest first (one query)."""
    courses = [
        StoredCourse(
            patient_id=r[0], number=r[1], practitioner_id=r[2], practitioner_ids=set(r[3]),
            start=r[4], end=r[5], count=r[6], cause=r[7], protocol=r[8], point_set=tuple(r[9]),
            baseline_band=r[10], changes={"nprs": r[11], "odi": r[12]}, nprs_text=r[13],
            odi_text=r[14], _decisions=tuple(zip(r[15], r[16], strict=True)), discharged=r[17],
            safety=tuple(r[18]),
        )
        for r in CourseSummary.objects.order_by("start", "patient_id").values_list(*FIELDS)
    ]  # fmt: skip
    for course in courses:  # the cached improved_at, from the stored decisions at once
        improved = [i for _, i in course._decisions]
        course.__dict__["improved_at"] = improved.index(True) + 1 if True in improved else None
    return courses


def total_safety(courses) -> Counter:
    """The safety counts of some stored courses, added up (zero without courses)."""
    totals = [sum(column) for column in zip(*(c.safety for c in courses), strict=True)]
    return Counter(dict(zip(SAFETY_KEYS, totals or [0] * len(SAFETY_KEYS), strict=True)))


def last_refresh() -> OutcomeRefresh | None:
    return OutcomeRefresh.objects.order_by("-refreshed_at").first()
