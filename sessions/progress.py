"""A patient's progress over a course of care: the pain (NPRS) and function
(ODI) trend, the minimal important change against the first score, and the
prompt to review the plan when a course goes on without reaching it.

Scoring itself lives in ``sessions.outcomes``; this module only lines the
scores up over time. Only signed sessions count: a draft may still change.

Definitions (DOMAIN.md, "Outcome measures"):

* Baseline of a measure: the first signed session that scored it (NPRS "now";
  a complete ODI). The course baseline is the first signed session with any
  score.
* Minimal important change (MIC): ``nprs_meaningful_improvement`` and
  ``odi_meaningful_improvement`` of a later session against that measure's
  baseline.
* Review prompt: when the course has had ``ClinicSettings.review_after_sessions``
  signed sessions counted from the course baseline (the baseline session
  included, sessions without scores included) and neither measure reached
  its MIC at any session after its baseline. A setting of 0 turns it off.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import Count

from sessions.models import Acupoint, NeedlePlacement, TreatmentSession
from sessions.outcomes import nprs_meaningful_improvement, odi_meaningful_improvement

NPRS_MAX = 10
ODI_MAX = 100


@dataclass(frozen=True)
class Measurement:
    """The scores of one signed session."""

    session_uuid: uuid.UUID | None
    date: datetime.date
    nprs: int | None = None
    odi: int | None = None  # percent; None when unanswered or incomplete
    odi_band: str | None = None
    odi_answered: int = 0
    # Set by assess(): this session reached the MIC against the baseline.
    nprs_mic: bool = False
    odi_mic: bool = False

    @property
    def has_score(self) -> bool:
        return self.nprs is not None or self.odi is not None

    @property
    def odi_incomplete(self) -> bool:
        return self.odi is None and self.odi_answered > 0

    @property
    def in_table(self) -> bool:
        """Shown in the trend table: any score, or an ODI too incomplete to score."""
        return self.has_score or self.odi_incomplete


def measurement_of(session: TreatmentSession) -> Measurement:
    result = session.odi_result
    return Measurement(
        session_uuid=session.uuid,
        date=session.session_date,
        nprs=session.nprs_now,
        odi=result.percent,
        odi_band=result.band,
        odi_answered=result.answered,
    )


def signed_measurements(sessions: Iterable[TreatmentSession]) -> list[Measurement]:
    """The signed sessions among ``sessions`` as measurements, oldest first."""
    signed = [s for s in sessions if s.is_signed]
    signed.sort(key=lambda s: (s.session_date, s.created_at))
    return [measurement_of(s) for s in signed]


def _smallest_drop(baseline: int, improved) -> int | None:
    """The smallest whole-number drop from ``baseline`` that ``improved`` accepts."""
    for drop in range(1, baseline + 1):
        if improved(baseline, baseline - drop):
            return drop
    return None


def nprs_mic_target(baseline: int | None) -> int | None:
    """The NPRS at or below which the MIC is reached (2 points or 30 %,
    whichever is reached first); None when no change can reach it."""
    if baseline is None:
        return None
    drop = _smallest_drop(baseline, nprs_meaningful_improvement)
    return None if drop is None else baseline - drop


def odi_mic_target(baseline: int | None) -> int | None:
    """The ODI % at or below which the MIC (10 points) is reached."""
    if baseline is None:
        return None
    drop = _smallest_drop(baseline, odi_meaningful_improvement)
    return None if drop is None else baseline - drop


@dataclass(frozen=True)
class Progress:
    measurements: tuple[Measurement, ...]  # every signed session, oldest first
    baseline: Measurement | None
    latest: Measurement | None
    nprs_baseline: Measurement | None
    nprs_latest: Measurement | None
    odi_baseline: Measurement | None
    odi_latest: Measurement | None
    nprs_target: int | None
    odi_target: int | None
    nprs_reached: bool  # at any session after the NPRS baseline
    odi_reached: bool
    sessions_since_baseline: int  # signed sessions from the baseline on, baseline included
    review_after: int

    @property
    def scored(self) -> list[Measurement]:
        return [m for m in self.measurements if m.in_table]

    @property
    def series(self) -> list[tuple[datetime.date, int | None, int | None]]:
        """(date, NPRS, ODI %) per scored session, for the trend chart."""
        return [(m.date, m.nprs, m.odi) for m in self.scored]

    @property
    def nprs_change(self) -> int | None:
        if self.nprs_baseline is None or self.nprs_latest is self.nprs_baseline:
            return None
        return self.nprs_latest.nprs - self.nprs_baseline.nprs

    @property
    def odi_change(self) -> int | None:
        if self.odi_baseline is None or self.odi_latest is self.odi_baseline:
            return None
        return self.odi_latest.odi - self.odi_baseline.odi

    @property
    def nprs_latest_reached(self) -> bool:
        return self.nprs_latest is not None and self.nprs_latest.nprs_mic

    @property
    def odi_latest_reached(self) -> bool:
        return self.odi_latest is not None and self.odi_latest.odi_mic

    @property
    def review_due(self) -> bool:
        return (
            self.review_after > 0
            and self.baseline is not None
            and self.sessions_since_baseline >= self.review_after
            and not (self.nprs_reached or self.odi_reached)
        )


def _first(measurements, attribute):
    return next((m for m in measurements if getattr(m, attribute) is not None), None)


def _last(measurements, attribute):
    return _first(reversed(measurements), attribute)


def assess(measurements: Iterable[Measurement], *, review_after: int) -> Progress:
    """Baselines, latest scores, MIC reached, and whether to prompt a review."""
    measurements = list(measurements)
    nprs_base = _first(measurements, "nprs")
    odi_base = _first(measurements, "odi")
    measurements = [
        replace(
            m,
            nprs_mic=nprs_base is not None
            and m is not nprs_base
            and m.nprs is not None
            and nprs_meaningful_improvement(nprs_base.nprs, m.nprs),
            odi_mic=odi_base is not None
            and m is not odi_base
            and m.odi is not None
            and odi_meaningful_improvement(odi_base.odi, m.odi),
        )
        for m in measurements
    ]
    scored = [i for i, m in enumerate(measurements) if m.has_score]
    nprs_baseline = _first(measurements, "nprs")
    odi_baseline = _first(measurements, "odi")
    return Progress(
        measurements=tuple(measurements),
        baseline=measurements[scored[0]] if scored else None,
        latest=measurements[scored[-1]] if scored else None,
        nprs_baseline=nprs_baseline,
        nprs_latest=_last(measurements, "nprs"),
        odi_baseline=odi_baseline,
        odi_latest=_last(measurements, "odi"),
        nprs_target=nprs_mic_target(nprs_baseline.nprs if nprs_baseline else None),
        odi_target=odi_mic_target(odi_baseline.odi if odi_baseline else None),
        nprs_reached=any(m.nprs_mic for m in measurements),
        odi_reached=any(m.odi_mic for m in measurements),
        sessions_since_baseline=len(measurements) - scored[0] if scored else 0,
        review_after=review_after,
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
        .values("acupoint__code", "acupoint__pinyin", "acupoint__kind", "acupoint__sort_order")
        .annotate(sessions=Count("session", distinct=True))
        .order_by("-sessions", "acupoint__sort_order")[:limit]
    )
    return [
        PointUse(
            code=row["acupoint__code"],
            pinyin=row["acupoint__pinyin"],
            kind=row["acupoint__kind"],
            sessions=row["sessions"],
        )
        for row in rows
    ]
