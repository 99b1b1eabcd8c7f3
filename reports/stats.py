"""Small statistics for the outcome reports, in the standard library only.

* ``t_quantile_975(df)``: the two-sided 95 % Student t critical value. A table
  for 1–30 degrees of freedom (the usual printed values, three decimals) and,
  beyond, the Cornish–Fisher expansion around the normal quantile, which is
  within 0.001 of the exact value from 30 degrees of freedom on.
* ``mean_ci(values)``: mean with its 95 % confidence interval (``mean_ci_of``
  the same from n, mean and standard deviation, as SQL returns them).
* ``kaplan_meier(times)``: the product-limit estimate of the cumulative share
  reaching an event by session number, courses that stop without it censored
  (``kaplan_meier_counts`` the same from the counts by session number).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
Z_975 = statistics.NormalDist().inv_cdf(0.975)


def t_quantile_975(df: int) -> float:
    """Student's t with ``df`` degrees of freedom at 0.975."""
    if df < 1:
        raise ValueError("A t quantile needs at least one degree of freedom.")
    if df <= len(T_975):
        return T_975[df - 1]
    z = Z_975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


@dataclass(frozen=True)
class MeanCI:
    n: int
    mean: float
    low: float | None  # None with a single value: no spread to measure
    high: float | None


def mean_ci(values: Sequence[float]) -> MeanCI | None:
    """Mean ± t(0.975, n−1) × s / √n; None without values."""
    n = len(values)
    if n == 0:
        return None
    return mean_ci_of(n, statistics.fmean(values), statistics.stdev(values) if n > 1 else None)


def mean_ci_of(n: int, mean: float | None, sd: float | None) -> MeanCI | None:
    """``mean_ci`` from the n, mean and standard deviation of the values (as
    the outcome pages' SQL returns them); None without values."""
    if n == 0:
        return None
    if n == 1:
        return MeanCI(1, mean, None, None)
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    return MeanCI(n, mean, mean - half, mean + half)


def mean_sd_of_sums(n: int, total: int, squares: int) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation from the count, sum and sum of
    squares of whole numbers (exact integer arithmetic, then rounded once)."""
    if n == 0:
        return None, None
    mean = total / n
    if n == 1:
        return mean, None
    return mean, math.sqrt((n * squares - total * total) / (n * (n - 1)))


@dataclass(frozen=True)
class KmStep:
    time: int  # session number
    at_risk: int  # courses still followed at this session (not yet improved, not stopped)
    events: int  # courses reaching the event at this session
    censored: int  # courses that stopped at this session without it
    cumulative: float  # share having reached it by this session, 0–1


def kaplan_meier(times: Iterable[tuple[int, bool]], *, until: int | None = None) -> list[KmStep]:
    """``times``: (session number, reached?) per course: the session where the
    event happened, or the last session of a course that stopped without it
    (censored). One step per session number 1..``until`` (default the last
    time seen)."""
    times = list(times)
    if not times:
        return []
    events = Counter(t for t, reached in times if reached)
    censored = Counter(t for t, reached in times if not reached)
    return kaplan_meier_counts(
        events, censored, len(times), until=until or max(t for t, _ in times)
    )


def kaplan_meier_counts(events: Counter, censored: Counter, n: int, *, until: int) -> list[KmStep]:
    """``kaplan_meier`` from the number of events and of censored courses by
    session number (as the outcome pages' SQL counts them) and the number of
    courses ``n``."""
    if not n:
        return []
    survival = 1.0
    at_risk = n
    steps = []
    for time in range(1, until + 1):
        d = events[time]
        if at_risk:
            survival *= 1 - d / at_risk
        steps.append(KmStep(time, at_risk, d, censored[time], 1 - survival))
        at_risk -= d + censored[time]
    return steps
