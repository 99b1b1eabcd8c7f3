"""The report charts, drawn on the server as SVG like the trend chart
(sessions/charts.py): pure functions that compute every coordinate as text;
the templates only write them out (no script, no inline style; the look is in
static/css/reports.css). Each chart stands beside a table of the same numbers.

* ``share_bars``: one horizontal bar per visit number (responders by visit 4,
  6, 8, 10); a suppressed share is a label in words, not a bar.
* ``step_curve``: the Kaplan–Meier cumulative share improved, as steps, with
  the numbers at risk written under the session numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.outcomes import Curve, Share
from reports.tables import SUPPRESSED

WIDTH = 560
LEFT = 96
RIGHT = 120
BAR_HEIGHT = 22
BAR_GAP = 12
TOP = 12


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Bar:
    label: str
    y: str
    text_y: str
    width: str  # "0" when suppressed
    value_x: str
    value: str  # "62 % of 40 courses" or "fewer than 5 courses"


@dataclass(frozen=True)
class BarChart:
    title: str
    view_box: str
    left: str
    bars: tuple[Bar, ...]


def share_bars(title: str, shares: list[tuple[str, Share]]) -> BarChart:
    plot = WIDTH - LEFT - RIGHT
    bars = []
    for i, (label, share) in enumerate(shares):
        y = TOP + i * (BAR_HEIGHT + BAR_GAP)
        width = plot * share.percent / 100 if share.shown else 0
        value = (
            f"{share.percent} % of {share.n} courses" if share.shown else f"{SUPPRESSED} courses"
        )
        bars.append(
            Bar(label, _n(y), _n(y + BAR_HEIGHT / 2), _n(width), _n(LEFT + width + 6), value)
        )
    height = TOP * 2 + len(shares) * (BAR_HEIGHT + BAR_GAP)
    return BarChart(title, f"0 0 {WIDTH} {_n(height)}", str(LEFT), tuple(bars))


CURVE_LEFT = 48
CURVE_RIGHT = 16
CURVE_TOP = 16
CURVE_HEIGHT = 180
AXIS_LABELS = 40  # session numbers, then numbers at risk


@dataclass(frozen=True)
class Tick:
    y: str
    label: str


@dataclass(frozen=True)
class XTick:
    x: str
    session: int
    at_risk: int


@dataclass(frozen=True)
class StepChart:
    title: str
    view_box: str
    left: str
    right: str
    top: str
    bottom: str
    path: str  # polyline points of the steps, "" without steps
    ticks: tuple[Tick, ...]
    x_ticks: tuple[XTick, ...]
    session_y: str
    at_risk_y: str
    median_x: str  # "" without a median
    empty: str  # said instead of a curve when suppressed


def step_curve(title: str, curve: Curve, *, sessions: int = 12) -> StepChart:
    right = WIDTH - CURVE_RIGHT
    bottom = CURVE_TOP + CURVE_HEIGHT
    slot = (right - CURVE_LEFT) / sessions

    def x(session: float) -> float:
        return CURVE_LEFT + slot * session

    def y(share: float) -> float:
        return bottom - CURVE_HEIGHT * share

    points = [(x(0), y(0))]
    level = 0.0
    for step in curve.steps:
        points.append((x(step.time), y(level)))
        level = step.cumulative
        points.append((x(step.time), y(level)))
    path = " ".join(f"{_n(a)},{_n(b)}" for a, b in points) if curve.steps else ""
    ticks = tuple(Tick(_n(y(p / 100)), f"{p} %") for p in (0, 25, 50, 75, 100))
    x_ticks = tuple(XTick(_n(x(s.time)), s.time, s.at_risk) for s in curve.steps)
    empty = "" if curve.steps else f"{SUPPRESSED} courses at risk: no curve shown"
    return StepChart(
        title=title,
        view_box=f"0 0 {WIDTH} {bottom + AXIS_LABELS + 8}",
        left=str(CURVE_LEFT),
        right=_n(right),
        top=str(CURVE_TOP),
        bottom=_n(bottom),
        path=path,
        ticks=ticks,
        x_ticks=x_ticks,
        session_y=_n(bottom + 14),
        at_risk_y=_n(bottom + 32),
        median_x=_n(x(curve.median)) if curve.median else "",
        empty=empty,
    )
