"""The clinic's typical course for a cause, shown to a patient beside their
own progress chart (portal). Only where at least ``MIN_COURSES`` courses stand
behind the figure, and worded as what happened to others, never a promise."""

from __future__ import annotations

from dataclasses import dataclass

from reports import queries
from reports.outcomes import build_courses, responders
from sessions.models import PainCause, TreatmentSession

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
    improve, the share improved meaningfully by then; None under MIN_COURSES
    (two queries, or none without a cause)."""
    if cause not in CAUSE_WORDS:
        return None
    patients = TreatmentSession.objects.signed().filter(pain_cause=cause).values("patient_id")
    courses = [
        c
        for c in build_courses(queries.session_rows(patient_ids=patients, with_protocols=False))
        if c.cause == cause
    ]
    share = responders(courses, AT_VISIT)
    if share.n < MIN_COURSES:
        return None
    return Typical(CAUSE_WORDS[cause], share.n, round(100 * share.count / share.n))
