"""A patient's progress over a course of care: has the patient improved?

Scoring itself lives in ``sessions.outcomes``; this module lines the scores up
over time and decides, for the practitioner's clinical page and the patient's
portal alike. Only signed sessions count: a draft may still change.

The rules (DOMAIN.md, "Outcome measures" and "Has the patient improved?"):

* The current course of care: the app has no course model for records, so a
  course starts at the first signed session after a gap of more than
  ``COURSE_GAP_DAYS`` (90) days since the one before; the chart, the table and
  the decision cover that course only (earlier courses stay in the timeline).
* Baseline of a measure (NPRS "now", a complete ODI, RMDQ): the first session
  of the current course that scored it. Latest: the last one that did.
* A measure is improved when its LATEST score is at least its minimal
  important change (MIC, absolute points: NPRS 2, ODI 10, RMDQ 3) below its
  baseline. A change reached at an earlier session and lost since does not
  count (it is shown as information, as is the percentage change).
* A measure whose baseline leaves no room for its MIC (NPRS below 2, ODI below
  10 %, RMDQ below 3) is left out of the decision and shown as "too low to
  measure a change".
* Review prompt: when the course has had ``ClinicSettings.review_after_sessions``
  signed sessions (all of them, scored or not, from the course's first) and no
  measure with room to improve is improved. With no measure with room, no
  prompt (the page says why). A setting of 0 turns it off.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Count, QuerySet

from sessions.models import Acupoint, NeedlePlacement, TreatmentSession
from sessions.outcomes import (
    MEASURES,
    NPRS,
    ODI,
    ODI_SECTIONS,
    RMDQ,
    Measure,
    Score,
    odi,
    one_decimal,
    percent_change,
)

# A course of care starts after more than this many days without a signed session.
COURSE_GAP_DAYS = 90


def _join(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


@dataclass(frozen=True)
class Measurement:
    """The scores of one signed session."""

    session_uuid: uuid.UUID | None
    date: datetime.date
    nprs: int | None = None
    odi: Score | None = None  # percent; None when unanswered or incomplete
    odi_band: str | None = None
    odi_answered: int = 0
    rmdq: int | None = None
    # Set by assess(): the measures whose course baseline this session is, and
    # those whose minimal important change it reached against that baseline.
    baseline_of: tuple[Measure, ...] = ()
    reached: tuple[Measure, ...] = ()

    def score(self, measure: Measure) -> Score | None:
        return getattr(self, measure.key)

    @property
    def has_score(self) -> bool:
        return any(self.score(m) is not None for m in MEASURES)

    @property
    def odi_incomplete(self) -> bool:
        return self.odi is None and self.odi_answered > 0

    @property
    def in_table(self) -> bool:
        """Shown in the trend table: any score, or an ODI too incomplete to score."""
        return self.has_score or self.odi_incomplete

    @property
    def nprs_mic(self) -> bool:
        return NPRS in self.reached

    @property
    def odi_mic(self) -> bool:
        return ODI in self.reached

    @property
    def rmdq_mic(self) -> bool:
        return RMDQ in self.reached

    @property
    def reached_names(self) -> str:
        """'NPRS and RMDQ': for the practitioner's table."""
        return _join([m.name for m in self.reached]) if self.reached else ""

    @property
    def reached_in_words(self) -> str:
        """'pain and daily life': for the patient's table."""
        return _join([m.patient_name for m in self.reached]) if self.reached else ""


def measurement_of(session: TreatmentSession) -> Measurement:
    result = session.odi_result
    return Measurement(
        session_uuid=session.uuid,
        date=session.session_date,
        nprs=session.nprs_now,
        odi=result.percent,
        odi_band=result.band,
        odi_answered=result.answered,
        rmdq=session.rmdq_score,
    )


def signed_measurements(sessions: Iterable[TreatmentSession]) -> list[Measurement]:
    """The signed sessions among ``sessions`` as measurements, oldest first."""
    signed = [s for s in sessions if s.is_signed]
    signed.sort(key=lambda s: (s.session_date, s.created_at))
    return [measurement_of(s) for s in signed]


SCORED_FIELDS = ("uuid", "session_date", "nprs_now", "rmdq_score", *(n for n, _ in ODI_SECTIONS))


def scores_of(sessions: QuerySet[TreatmentSession]) -> list[Measurement]:
    """The signed sessions of ``sessions`` as measurements, oldest first, read
    as plain rows: the chart covers the whole history in one query without
    building the sessions a paged timeline does not show."""
    rows = sessions.signed().order_by("session_date", "created_at", "id").values(*SCORED_FIELDS)
    measurements = []
    for row in rows:
        result = odi([row[name] for name, _ in ODI_SECTIONS])
        measurements.append(
            Measurement(
                session_uuid=row["uuid"],
                date=row["session_date"],
                nprs=row["nprs_now"],
                odi=result.percent,
                odi_band=result.band,
                odi_answered=result.answered,
                rmdq=row["rmdq_score"],
            )
        )
    return measurements


def course_start(measurements: list[Measurement], *, gap_days: int = COURSE_GAP_DAYS) -> int:
    """The index of the current course's first session in ``measurements``
    (oldest first): the last one that follows a gap of more than ``gap_days``."""
    start = 0
    for i in range(1, len(measurements)):
        if (measurements[i].date - measurements[i - 1].date).days > gap_days:
            start = i
    return start


def _text(value: Score) -> str:
    return str(value).replace("-", "−")  # a minus sign, not a hyphen


@dataclass(frozen=True)
class MeasureProgress:
    """One measure over the current course: baseline, latest, and the decision."""

    measure: Measure
    baseline: Measurement | None
    latest: Measurement | None
    reached_earlier: bool  # reached at a session before the latest, lost since

    @property
    def baseline_score(self) -> Score | None:
        return None if self.baseline is None else self.baseline.score(self.measure)

    @property
    def latest_score(self) -> Score | None:
        return None if self.latest is None else self.latest.score(self.measure)

    @property
    def has_room(self) -> bool:
        return self.measure.has_room(self.baseline_score)

    @property
    def target(self) -> Score | None:
        target = self.measure.target(self.baseline_score)
        return one_decimal(Decimal(target)) if target is not None else None

    @property
    def has_later(self) -> bool:
        return self.latest is not None and self.latest is not self.baseline

    @property
    def change(self) -> Score | None:
        if not self.has_later:
            return None
        return one_decimal(Decimal(self.latest_score - self.baseline_score))

    @property
    def change_text(self) -> str:
        """'−2', '+1', '0', '−10.4 points' (the ODI's are percentage points)."""
        change = self.change
        if change is None:
            return ""
        text = _text(change) if change <= 0 else f"+{change}"
        return f"{text} points" if self.measure.unit else text

    @property
    def percent_change_text(self) -> str:
        """'−50 %' (information only), '' when there is none."""
        if not self.has_later:
            return ""
        percent = percent_change(self.baseline_score, self.latest_score)
        if percent is None:
            return ""
        return f"{_text(percent) if percent <= 0 else f'+{percent}'} %"

    @property
    def improved(self) -> bool:
        return (
            self.has_room
            and self.has_later
            and self.measure.improved(self.baseline_score, self.latest_score)
        )

    @property
    def status(self) -> str:
        """none | too_low | first_only | improved | not_improved"""
        if self.baseline is None:
            return "none"
        if not self.has_room:
            return "too_low"
        if not self.has_later:
            return "first_only"
        return "improved" if self.improved else "not_improved"


@dataclass(frozen=True)
class Progress:
    measurements: tuple[Measurement, ...]  # the current course's signed sessions, oldest first
    earlier_sessions: int  # signed sessions of earlier courses
    nprs: MeasureProgress
    odi: MeasureProgress
    rmdq: MeasureProgress
    review_after: int
    course_gap_days: int = COURSE_GAP_DAYS

    @property
    def measures(self) -> tuple[MeasureProgress, ...]:
        return (self.nprs, self.odi, self.rmdq)

    @property
    def patient_measures(self) -> tuple[MeasureProgress, ...]:
        """What the patient's summary lists: NPRS and ODI, RMDQ when scored."""
        return tuple(m for m in self.measures if m.baseline or not m.measure.optional)

    @property
    def course_start(self) -> datetime.date | None:
        return self.measurements[0].date if self.measurements else None

    @property
    def sessions_in_course(self) -> int:
        return len(self.measurements)

    @property
    def scored(self) -> list[Measurement]:
        return [m for m in self.measurements if m.in_table]

    @property
    def baseline(self) -> Measurement | None:
        """The course's first scored session."""
        return next((m for m in self.measurements if m.has_score), None)

    @property
    def series(self) -> list[tuple[datetime.date, int | None, Score | None, int | None]]:
        """(date, NPRS, ODI %, RMDQ) per scored session of the course, for the chart."""
        return [(m.date, m.nprs, m.odi, m.rmdq) for m in self.scored]

    @property
    def deciding(self) -> tuple[MeasureProgress, ...]:
        """The measures with room for their minimal important change."""
        return tuple(m for m in self.measures if m.has_room)

    @property
    def too_low(self) -> tuple[MeasureProgress, ...]:
        return tuple(m for m in self.measures if m.status == "too_low")

    @property
    def too_low_names(self) -> str:
        return _join([m.measure.name for m in self.too_low]) if self.too_low else ""

    @property
    def no_room(self) -> bool:
        """Scores, but none with room for a change: nothing to decide on."""
        return self.baseline is not None and not self.deciding

    @property
    def improved(self) -> bool:
        return any(m.improved for m in self.deciding)

    @property
    def review_due(self) -> bool:
        return (
            self.review_after > 0
            and self.sessions_in_course >= self.review_after
            and bool(self.deciding)
            and not self.improved
        )


def _first(measurements, measure):
    return next((m for m in measurements if m.score(measure) is not None), None)


def _last(measurements, measure):
    return _first(list(reversed(measurements)), measure)


def assess(
    measurements: Iterable[Measurement],
    *,
    review_after: int,
    course_gap_days: int = COURSE_GAP_DAYS,
) -> Progress:
    """The current course of ``measurements`` (every signed session, oldest
    first): baselines, latest scores, the decision and the review prompt."""
    measurements = list(measurements)
    start = course_start(measurements, gap_days=course_gap_days)
    course = measurements[start:]
    baselines = {m.key: _first(course, m) for m in MEASURES}

    def reached(session: Measurement) -> tuple[Measure, ...]:
        found = []
        for measure in MEASURES:
            base, score = baselines[measure.key], session.score(measure)
            if (
                base is not None
                and session is not base
                and score is not None
                and measure.has_room(base.score(measure))
                and measure.improved(base.score(measure), score)
            ):
                found.append(measure)
        return tuple(found)

    marked = [
        replace(
            m,
            baseline_of=tuple(x for x in MEASURES if baselines[x.key] is m),
            reached=reached(m),
        )
        for m in course
    ]

    def progress_of(measure: Measure) -> MeasureProgress:
        latest = _last(marked, measure)
        return MeasureProgress(
            measure=measure,
            baseline=_first(marked, measure),
            latest=latest,
            reached_earlier=any(measure in m.reached for m in marked if m is not latest),
        )

    return Progress(
        measurements=tuple(marked),
        earlier_sessions=start,
        nprs=progress_of(NPRS),
        odi=progress_of(ODI),
        rmdq=progress_of(RMDQ),
        review_after=review_after,
        course_gap_days=course_gap_days,
    )


@dataclass(frozen=True)
class PointUse:
    code: str
    pinyin: str
    kind: str
    sessions: int

    @property
    def label(self) -> str:
        if self.kind == Acupoint.Kind.ASHI:
            return "Ashi points"
        return f"{self.code} {self.pinyin}"


def points_used_most(patient, *, limit: int = 10) -> list[PointUse]:
    """The acupoints of the patient's signed sessions, by the number of
    sessions that used them (one aggregate query)."""
    rows = (
        NeedlePlacement.objects.filter(session__patient=patient, session__signed_at__isnull=False)
        # The code and name as signed (the catalogue may have changed since).
        .values("signed_point_code", "signed_point_name", "acupoint__kind", "acupoint__sort_order")
        .annotate(sessions=Count("session", distinct=True))
        .order_by("-sessions", "acupoint__sort_order")[:limit]
    )
    return [
        PointUse(
            code=row["signed_point_code"],
            pinyin=row["signed_point_name"],
            kind=row["acupoint__kind"],
            sessions=row["sessions"],
        )
        for row in rows
    ]
