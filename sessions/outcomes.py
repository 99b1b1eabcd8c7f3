"""Outcome measures for low back pain (DOMAIN.md), scored in one place.

* NPRS: 0–10; minimal clinically important change 2 points.
* ODI v2.1a: ten sections scored 0–5. Score % = sum of answered sections ÷
  (5 × answered sections) × 100, kept to one decimal (nine sections answered,
  20 of 45: 44.4 %; ten sections always give a whole number). With more than
  one section missing the score is incomplete and no number is reported.
  Minimal important change 10 points.
* RMDQ: 24 yes/no items, 0–24; minimal important change 3 points.

"Has the patient improved?" uses these absolute thresholds, and only them: at
a low baseline 30 % is less than one point, so the percentage change is
information for the reader (``percent_change``), never the decision. A
baseline below the threshold leaves no room for the change (NPRS below 2, ODI
below 10 %, RMDQ below 3): ``Measure.has_room`` is False and the measure is
left out of the decision (sessions.progress).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ODI_SECTIONS = (
    ("odi_pain_intensity", "Pain intensity"),
    ("odi_personal_care", "Personal care"),
    ("odi_lifting", "Lifting"),
    ("odi_walking", "Walking"),
    ("odi_sitting", "Sitting"),
    ("odi_standing", "Standing"),
    ("odi_sleeping", "Sleeping"),
    ("odi_sex_life", "Sex life"),
    ("odi_social_life", "Social life"),
    ("odi_travelling", "Travelling"),
)
ODI_BANDS = (
    (20, "Minimal disability"),
    (40, "Moderate disability"),
    (60, "Severe disability"),
    (80, "Crippling back pain"),
    (100, "Bed-bound (or exaggerating)"),
)
NPRS_MCID_POINTS = 2
ODI_MCID_POINTS = 10
RMDQ_MCID_POINTS = 3

Score = int | Decimal  # an ODI % may have one decimal


@dataclass(frozen=True)
class Measure:
    """One outcome measure and its minimal important change (MIC), in points."""

    key: str  # "nprs", "odi", "rmdq": the name used in templates, tests and CSS
    name: str  # for the practitioner: "NPRS"
    title: str  # "Pain now (NPRS, 0–10)"
    patient_name: str  # for the patient: "pain"
    patient_title: str  # "Pain (0 to 10)"
    maximum: int
    mic: int
    unit: str = ""  # " %" for the ODI
    optional: bool = False  # shown to the patient only when scored

    def has_room(self, baseline: Score | None) -> bool:
        """Whether a baseline leaves room for the minimal important change."""
        return baseline is not None and baseline >= self.mic

    def improved(self, before: Score, after: Score) -> bool:
        """At least the minimal important change lower than before."""
        return before - after >= self.mic

    def target(self, baseline: Score | None) -> Score | None:
        """The score at or below which the change is reached; None without room."""
        if not self.has_room(baseline):
            return None
        target = baseline - self.mic
        return one_decimal(target) if isinstance(target, Decimal) else target


NPRS = Measure(
    key="nprs",
    name="NPRS",
    title="Pain now (NPRS, 0–10)",
    patient_name="pain",
    patient_title="Pain (0 to 10)",
    maximum=10,
    mic=NPRS_MCID_POINTS,
)
ODI = Measure(
    key="odi",
    name="ODI",
    title="Disability (ODI, 0–100 %)",
    patient_name="daily life",
    patient_title="Daily life (Oswestry Disability Index, 0 to 100 %)",
    maximum=100,
    mic=ODI_MCID_POINTS,
    unit=" %",
)
RMDQ = Measure(
    key="rmdq",
    name="RMDQ",
    title="Disability (RMDQ, 0–24)",
    patient_name="daily life (Roland–Morris)",
    patient_title="Daily life (Roland–Morris, 0 to 24)",
    maximum=24,
    mic=RMDQ_MCID_POINTS,
    optional=True,
)
MEASURES = (NPRS, ODI, RMDQ)


def percent_change(before: Score, after: Score) -> int | None:
    """The change as a whole percentage of ``before`` (information only; None
    from a baseline of 0)."""
    if not before:
        return None
    exact = Decimal(after - before) * 100 / Decimal(before)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def one_decimal(value: Decimal) -> Decimal:
    """``value`` to one decimal, without the ".0" of a whole number (44.4, 40)."""
    value = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


@dataclass(frozen=True)
class OdiResult:
    answered: int
    percent: Decimal | None  # one decimal at most; None when incomplete
    band: str | None

    @property
    def complete(self) -> bool:
        return self.percent is not None


def odi(sections: Sequence[int | None]) -> OdiResult:
    """Score ten ODI sections (None = not answered)."""
    if len(sections) != 10:
        raise ValueError("The ODI has ten sections.")
    answered = [s for s in sections if s is not None]
    if any(not 0 <= s <= 5 for s in answered):
        raise ValueError("Each ODI section scores 0 to 5.")
    if len(answered) < 9:
        return OdiResult(len(answered), None, None)
    percent = one_decimal(Decimal(sum(answered) * 100) / Decimal(5 * len(answered)))
    # Nine sections give multiples of 2.2 %: none falls between a band's upper
    # edge and the next whole number, so the bands' whole-number edges hold.
    band = next(label for upper, label in ODI_BANDS if percent <= upper)
    return OdiResult(len(answered), percent, band)


def nprs_meaningful_improvement(before: int, after: int) -> bool:
    """At least 2 points lower than before (the 30 % is information only)."""
    return NPRS.improved(before, after)


def odi_meaningful_improvement(before: Score, after: Score) -> bool:
    """At least 10 percentage points lower than before."""
    return ODI.improved(before, after)


def rmdq_meaningful_improvement(before: int, after: int) -> bool:
    """At least 3 points lower than before."""
    return RMDQ.improved(before, after)


def rmdq(answers: Sequence[bool]) -> int:
    if len(answers) != 24:
        raise ValueError("The RMDQ has 24 items.")
    return sum(bool(a) for a in answers)
