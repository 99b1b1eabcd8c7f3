"""Outcome measures for low back pain (DOMAIN.md), scored in one place.

* NPRS: 0–10; minimal clinically important change about 2 points or 30 %.
* ODI v2.1a: ten sections scored 0–5. Score % = sum of answered sections ÷
  (5 × answered sections) × 100. With more than one section missing the score
  is incomplete and no number is reported. Minimal important change 10 points.
* RMDQ: 24 yes/no items, 0–24; minimal important change about 3 points (~30 %).
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
NPRS_MCID_FRACTION = Decimal("0.30")
ODI_MCID_POINTS = 10
RMDQ_MCID_POINTS = 3


@dataclass(frozen=True)
class OdiResult:
    answered: int
    percent: int | None  # None when incomplete
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
    exact = Decimal(sum(answered) * 100) / Decimal(5 * len(answered))
    percent = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    band = next(label for upper, label in ODI_BANDS if percent <= upper)
    return OdiResult(len(answered), percent, band)


def nprs_meaningful_improvement(before: int, after: int) -> bool:
    """At least 2 points or 30 % lower than before."""
    drop = before - after
    if drop <= 0:
        return False
    return drop >= NPRS_MCID_POINTS or (before > 0 and Decimal(drop) / before >= NPRS_MCID_FRACTION)


def odi_meaningful_improvement(before: int, after: int) -> bool:
    return before - after >= ODI_MCID_POINTS


def rmdq(answers: Sequence[bool]) -> int:
    if len(answers) != 24:
        raise ValueError("The RMDQ has 24 items.")
    return sum(bool(a) for a in answers)
