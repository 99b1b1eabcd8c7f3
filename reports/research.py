"""The research export: one row per course of care, without names or dates.

* **Pseudonymous id**: HMAC-SHA256 of the patient's uuid under
  ``settings.RESEARCH_EXPORT_KEY`` (from the environment, never the
  database), so the same patient has the same id in every export made with
  that key, and nobody without the key can link it back. With the course's
  number, it identifies the row.
* **Quasi-identifiers** are coarsened: age band at the course's start, sex,
  cause. **k-anonymity**: when any (age band, sex, cause) combination is held
  by fewer than ``K`` patients, the whole export is refused, saying which
  combinations are too small (counts of patients only, no rows).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from reports.outcomes import Course
from sessions.outcomes import NPRS, ODI, RMDQ

K = 5
VISITS = 10
AGE_BANDS = (
    (18, "under 18"),
    (30, "18–29"),
    (40, "30–39"),
    (50, "40–49"),
    (60, "50–59"),
    (70, "60–69"),
)
MEASURES = (NPRS, ODI, RMDQ)


def age_band(born: datetime.date, on: datetime.date) -> str:
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next((label for upper, label in AGE_BANDS if age < upper), "70 and over")


def pseudonym(key: str, patient_uuid) -> str:
    return hmac.new(key.encode(), str(patient_uuid).encode(), hashlib.sha256).hexdigest()[:20]


@dataclass(frozen=True)
class PatientFacts:
    uuid: str
    date_of_birth: datetime.date
    sex: str


HEADERS = (
    "pseudonymous_id",
    "course",
    "age_band",
    "sex",
    "cause",
    "sessions",
    *[f"{m.key}_visit_{v}" for v in range(1, VISITS + 1) for m in MEASURES],
    "points_used",
)


def research_rows(
    courses: Sequence[Course], patients: dict[int, PatientFacts], key: str
) -> list[dict]:
    rows = []
    for course in courses:
        facts = patients[course.patient_id]
        row = {
            "pseudonymous_id": pseudonym(key, facts.uuid),
            "course": course.number,
            "age_band": age_band(facts.date_of_birth, course.start),
            "sex": facts.sex,
            "cause": course.cause or "not_recorded",
            "sessions": course.count,
            "points_used": " ".join(course.points_used),
        }
        for visit in range(1, VISITS + 1):
            session = course.sessions[visit - 1] if visit <= course.count else None
            for measure in MEASURES:
                score = session.score(measure) if session else None
                row[f"{measure.key}_visit_{visit}"] = "" if score is None else str(score)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class SmallGroup:
    age_band: str
    sex: str
    cause: str
    patients: int


def too_small_groups(rows: Sequence[dict]) -> list[SmallGroup]:
    """The (age band, sex, cause) combinations held by fewer than K patients."""
    patients = defaultdict(set)
    for row in rows:
        patients[(row["age_band"], row["sex"], row["cause"])].add(row["pseudonymous_id"])
    return sorted(
        SmallGroup(*combination, len(ids)) for combination, ids in patients.items() if len(ids) < K
    )
