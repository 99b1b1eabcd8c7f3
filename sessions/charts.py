"""The pain and function trend chart, drawn on the server as SVG.

``trend_chart(series)`` is a pure function: it takes ``[(date, NPRS or None,
ODI % or None), ...]`` oldest first and returns a ``TrendChart`` whose every
coordinate is already computed (as text, so that no locale can turn a decimal
point into a comma); ``templates/sessions/chart.svg.html`` only writes it out.
No script, no inline style: the look comes from the classes in
``static/css/chart.css`` (the site's CSP forbids both).

Two panels share the x axis (one slot per session, dates as labels): pain
(NPRS 0–10, circles) above, disability (ODI 0–100 %, squares) below. Each
panel marks the minimal important change against its first score with a
dashed line and a band, labelled in words; colour is never the only signal.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.dateformat import format as date_format

from sessions.progress import NPRS_MAX, ODI_MAX, nprs_mic_target, odi_mic_target

WIDTH = 640
LEFT = 56  # room for the y tick labels
RIGHT = 24
INNER = 24  # gap between the y axis and the first / last session
LEGEND_HEIGHT = 40
PANEL_TITLE = 22
PANEL_HEIGHT = 130
PANEL_GAP = 16
X_LABELS = 30
MAX_X_LABELS = 10
MARKER = 4.5

MIC_LABEL = "Minimal important change"


def _n(value: float) -> str:
    """A coordinate as SVG text: at most one decimal, always a point."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Tick:
    y: str
    label: str


@dataclass(frozen=True)
class XLabel:
    x: str
    label: str


@dataclass(frozen=True)
class Marker:
    x: str
    y: str
    value: int
    title: str  # read on hover: "3 Mar 2026: pain 6/10"
    # A square's corner (ODI markers); circles use x, y.
    corner_x: str
    corner_y: str


@dataclass(frozen=True)
class MicMark:
    target: int
    baseline: int
    line_y: str
    band_y: str
    band_height: str
    label: str
    label_y: str


@dataclass(frozen=True)
class Panel:
    key: str  # "nprs" or "odi": the CSS class suffix
    title: str
    title_y: str
    top: str
    bottom: str
    ticks: tuple[Tick, ...]
    line: str  # polyline points, "" with fewer than two scores
    markers: tuple[Marker, ...]
    mic: MicMark | None
    empty_text: str  # shown when the measure was never scored
    empty_y: str


@dataclass(frozen=True)
class LegendItem:
    key: str  # "nprs", "odi" or "mic"
    label: str
    line_start: str
    line_end: str
    marker_x: str
    corner_x: str
    text_x: str


def _legend() -> tuple[LegendItem, ...]:
    items = []
    for key, label, start in (
        ("nprs", "Pain (NPRS), circles", LEFT),
        ("odi", "Disability (ODI %), squares", 230),
        ("mic", MIC_LABEL, 440),
    ):
        middle = start + 12
        items.append(
            LegendItem(
                key=key,
                label=label,
                line_start=_n(start),
                line_end=_n(start + 24),
                marker_x=_n(middle),
                corner_x=_n(middle - MARKER),
                text_x=_n(start + 30),
            )
        )
    return tuple(items)


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    plot_left: str
    plot_right: str
    plot_width: str
    plot_center: str
    panels: tuple[Panel, ...]
    x_labels: tuple[XLabel, ...]
    x_label_y: str
    x_grid: tuple[str, ...]
    title: str
    desc: str
    legend_y: str
    legend: tuple[LegendItem, ...]
    legend_corner_y: str

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _day(date: datetime.date, with_year: bool) -> str:
    return date_format(date, "j M Y" if with_year else "j M")


def _x_positions(count: int) -> list[float]:
    left, right = LEFT + INNER, WIDTH - RIGHT - INNER
    if count == 1:
        return [(left + right) / 2]
    step = (right - left) / (count - 1)
    return [left + i * step for i in range(count)]


def _panel(
    *,
    key: str,
    title: str,
    top: float,
    values: list[int | None],
    xs: list[float],
    dates: list[datetime.date],
    maximum: int,
    tick_step: int,
    unit: str,
    noun: str,
    target,
) -> Panel:
    plot_top = top + PANEL_TITLE
    bottom = plot_top + PANEL_HEIGHT

    def y(value: float) -> float:
        return bottom - PANEL_HEIGHT * value / maximum

    ticks = tuple(Tick(_n(y(v)), f"{v}{unit}") for v in range(0, maximum + tick_step, tick_step))
    points = [(x, v, d) for x, v, d in zip(xs, values, dates, strict=True) if v is not None]
    markers = tuple(
        Marker(
            x=_n(x),
            y=_n(y(v)),
            value=v,
            title=f"{date_format(d, 'j M Y')}: {noun} {v}{unit or '/' + str(maximum)}",
            corner_x=_n(x - MARKER),
            corner_y=_n(y(v) - MARKER),
        )
        for x, v, d in points
    )
    line = " ".join(f"{_n(x)},{_n(y(v))}" for x, v, _ in points) if len(points) > 1 else ""
    mic = None
    if points:
        baseline = points[0][1]
        goal = target(baseline)
        if goal is not None:
            line_y = y(goal)
            mic = MicMark(
                target=goal,
                baseline=baseline,
                line_y=_n(line_y),
                band_y=_n(line_y),
                band_height=_n(bottom - line_y),
                label=f"{MIC_LABEL} ({noun} {goal}{unit} or lower)",
                label_y=_n(line_y - 5),
            )
    return Panel(
        key=key,
        title=title,
        title_y=_n(top + 14),
        top=_n(plot_top),
        bottom=_n(bottom),
        ticks=ticks,
        line=line,
        markers=markers,
        mic=mic,
        empty_text="" if points else f"No {noun} score yet",
        empty_y=_n(plot_top + PANEL_HEIGHT / 2),
    )


def _describe(name: str, values: list[int | None], unit: str, mic: MicMark | None) -> str:
    scored = [v for v in values if v is not None]
    if not scored:
        return f"{name}: no score yet."
    text = f"{name}: first {scored[0]}{unit}, latest {scored[-1]}{unit} ({len(scored)} scores)."
    if mic is not None:
        text += f" {MIC_LABEL}: {mic.target}{unit} or lower."
    else:
        text += f" A {MIC_LABEL.lower()} is not possible from the first score."
    return text


def trend_chart(
    series: Sequence[tuple[datetime.date, int | None, int | None]],
) -> TrendChart | None:
    """The chart of ``series`` (oldest first), or None when nothing is scored."""
    series = [row for row in series if row[1] is not None or row[2] is not None]
    if not series:
        return None
    dates = [row[0] for row in series]
    nprs = [row[1] for row in series]
    odi_values = [row[2] for row in series]
    xs = _x_positions(len(series))

    pain = _panel(
        key="nprs",
        title="Pain now (NPRS, 0–10)",
        top=LEGEND_HEIGHT,
        values=nprs,
        xs=xs,
        dates=dates,
        maximum=NPRS_MAX,
        tick_step=2,
        unit="",
        noun="NPRS",
        target=nprs_mic_target,
    )
    second_top = LEGEND_HEIGHT + PANEL_TITLE + PANEL_HEIGHT + PANEL_GAP
    function = _panel(
        key="odi",
        title="Disability (ODI, 0–100 %)",
        top=second_top,
        values=odi_values,
        xs=xs,
        dates=dates,
        maximum=ODI_MAX,
        tick_step=20,
        unit=" %",
        noun="ODI",
        target=odi_mic_target,
    )
    bottom = second_top + PANEL_TITLE + PANEL_HEIGHT

    with_year = dates[0].year != dates[-1].year
    every = math.ceil(len(series) / MAX_X_LABELS)
    x_labels = tuple(
        XLabel(_n(x), _day(d, with_year))
        for i, (x, d) in enumerate(zip(xs, dates, strict=True))
        if i % every == 0
    )
    span = (
        _day(dates[0], True)
        if len(dates) == 1
        else f"{_day(dates[0], True)} to {_day(dates[-1], True)}"
    )
    desc = " ".join(
        [
            f"{len(series)} session{'s' if len(series) != 1 else ''} with scores, {span}.",
            _describe("Pain (NPRS 0–10)", nprs, "", pain.mic),
            _describe("Disability (ODI)", odi_values, " %", function.mic),
            "The table below lists the same figures.",
        ]
    )
    return TrendChart(
        width=WIDTH,
        height=int(bottom + X_LABELS),
        plot_left=_n(LEFT),
        plot_right=_n(WIDTH - RIGHT),
        plot_width=_n(WIDTH - RIGHT - LEFT),
        plot_center=_n((LEFT + WIDTH - RIGHT) / 2),
        panels=(pain, function),
        x_labels=x_labels,
        x_label_y=_n(bottom + 18),
        x_grid=tuple(_n(x) for x in xs),
        title="Pain and disability over the course of care",
        desc=desc,
        legend_y=_n(LEGEND_HEIGHT / 2),
        legend=_legend(),
        legend_corner_y=_n(LEGEND_HEIGHT / 2 - MARKER),
    )
