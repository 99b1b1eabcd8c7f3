"""The clinic's typical course for a cause, shown to a patient beside their
own progress chart (portal). Only where at least ``MIN_COURSES`` courses stand
behind the figure, and worded as what happened to others, never a promise."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from reports.models import CourseSummary
from sessions.models import PainCause

MIN_COURSES = 20
AT_VISIT = 6
CAUSE_WORDS = {
    PainCause.MUSCLE_STRAIN: "back pain from a muscle strain",
    PainCause.HERNIATED_DISC: "disc-related back pain",
    PainCause.ARTHRITIS: "back pain from arthritis",
    PainCause.OTHER: "back pain from other causes",
}


@dataclass(frozen=True)
class Typical:
    cause_words: str
    courses: int  # courses that reached the visit with room to improve
    percent: int
    visit: int = AT_VISIT


def typical_course(cause: str) -> Typical | None:
    """Of the clinic's courses for ``cause`` that reached visit 6 with room to
    improve, the share improved meaningfully by then (the course summary,
    reports.summary; one query, none without a cause); None under MIN_COURSES."""
    if cause not in CAUSE_WORDS:
        return None
    by_visit = f"improved_by_{AT_VISIT}"  # None: fewer visits, or no room to improve by then
    counts = CourseSummary.objects.filter(
        cause=cause, sessions__gte=AT_VISIT, **{f"{by_visit}__isnull": False}
    ).aggregate(n=Count("id"), improved=Count("id", filter=Q(**{by_visit: True})))
    if counts["n"] < MIN_COURSES:
        return None
    return Typical(CAUSE_WORDS[cause], counts["n"], round(100 * counts["improved"] / counts["n"]))
