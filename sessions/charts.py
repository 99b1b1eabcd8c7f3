"""The pain and function trend chart, drawn on the server as SVG.

``trend_chart(series)`` is a pure function: it takes ``[(date, NPRS, ODI %,
RMDQ), ...]`` (None where not scored) for the sessions of the current course
of care, oldest first, and returns a ``TrendChart`` whose every
coordinate is already computed (as text, so that no locale can turn a decimal
point into a comma); ``templates/sessions/chart.svg.html`` only writes it out.
No script, no inline style: the look comes from the classes in
``static/css/chart.css`` (the site's CSP forbids both).

Panels share the x axis (one slot per session, dates as labels): pain (NPRS
0–10, circles), disability (ODI 0–100 %, squares) and, when the course has an
RMDQ score, disability (RMDQ 0–24, diamonds). Each panel marks the minimal
important change against its first score (the course baseline) with a dashed
line and a band, labelled in words; a first score that leaves no room for it
says "too low to measure a change" instead. Colour is never the only signal:
shape, label and the table beside the chart carry the same information.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.dateformat import format as date_format

from sessions.outcomes import NPRS, ODI, RMDQ, Measure, Score

LEGEND_ROW = 20
LEGEND_GAP = 20  # between the legend and the first panel's title
PANEL_TITLE = 22
PANEL_HEIGHT = 130
PANEL_GAP = 16
X_LABELS = 30
MARKER = 4.5


@dataclass(frozen=True)
class Layout:
    """The horizontal measures of one layout, in the SVG's units."""

    suffix: str  # of the SVG's ids and test ids: "" or "-phone"
    width: int
    left: int  # room for the y tick labels
    right: int
    inner: int  # gap between the y axis and the first / last session
    max_x_labels: int
    # Between the two legend items of a line; 0: one a line.
    legend_spacing: int
    # The words on the dashed line, formatted with noun (NPRS), goal (4) and unit ("" or " %").
    mic_label: str


WIDE = Layout(
    "", 640, 56, 24, 24, 10, 290, "Minimal important change ({noun} {goal}{unit} or lower)"
)
# Shown up to 767 px: a 390 px phone draws it at about one unit a pixel. Its
# text is a size larger (chart.css), so the y labels need more room, and the
# label on the dashed line is shorter (the legend names the line in full).
PHONE = Layout("-phone", 320, 54, 12, 16, 4, 0, "Important change: {goal}{unit} or lower")
WIDTH, LEFT, RIGHT = WIDE.width, WIDE.left, WIDE.right

MIC_LABEL = "Minimal important change"
TOO_LOW = "First score too low to measure a change"
# Per measure: the tick step of its y axis and its marker's shape.
TICK_STEPS = {"nprs": 2, "odi": 20, "rmdq": 4}
SHAPES = {"nprs": "circles", "odi": "squares", "rmdq": "diamonds"}
LEGEND_LABELS = {
    "nprs": "Pain (NPRS), circles",
    "odi": "Disability (ODI %), squares",
    "rmdq": "Disability (RMDQ), diamonds",
}


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


def _diamond(x: float, y: float) -> str:
    r = MARKER * 1.3
    return f"{_n(x)},{_n(y - r)} {_n(x + r)},{_n(y)} {_n(x)},{_n(y + r)} {_n(x - r)},{_n(y)}"


@dataclass(frozen=True)
class Marker:
    x: str
    y: str
    value: Score
    title: str  # read on hover: "3 Mar 2026: NPRS 6/10"
    # A square's corner (ODI markers) and a diamond's corners (RMDQ); circles use x, y.
    corner_x: str
    corner_y: str
    diamond: str


@dataclass(frozen=True)
class MicMark:
    target: Score
    baseline: Score
    line_y: str
    band_y: str
    band_height: str
    label: str
    label_y: str


@dataclass(frozen=True)
class Panel:
    key: str  # "nprs", "odi" or "rmdq": the CSS class suffix
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
    note: str  # "First score too low to measure a change", or ""
    note_y: str


@dataclass(frozen=True)
class LegendItem:
    key: str  # "nprs", "odi", "rmdq" or "mic"
    label: str
    line_start: str
    line_end: str
    marker_x: str
    corner_x: str
    text_x: str
    y: str
    corner_y: str
    diamond: str


def _legend_grid(count: int, layout: Layout) -> tuple[int, int]:
    """(items a line, spacing) of a legend of ``count`` items: lines of two (three
    a line ran "…, squares" into the next item's line and cut the last one off
    at the edge); one item a line on a phone."""
    return (2, layout.legend_spacing) if layout.legend_spacing else (1, 0)


def _legend(keys: list[str], layout: Layout) -> tuple[LegendItem, ...]:
    """The series drawn, then the minimal important change."""
    keys = [*keys, "mic"]
    per_row, spacing = _legend_grid(len(keys), layout)
    items = []
    for i, key in enumerate(keys):
        start = layout.left + (i % per_row) * spacing
        y = LEGEND_ROW / 2 + (i // per_row) * LEGEND_ROW
        middle = start + 12
        items.append(
            LegendItem(
                key=key,
                label=LEGEND_LABELS.get(key, MIC_LABEL),
                line_start=_n(start),
                line_end=_n(start + 24),
                marker_x=_n(middle),
                corner_x=_n(middle - MARKER),
                text_x=_n(start + 30),
                y=_n(y),
                corner_y=_n(y - MARKER),
                diamond=_diamond(middle, y),
            )
        )
    return tuple(items)


@dataclass(frozen=True)
class TrendChart:
    layout: Layout
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
    grid_top: str
    grid_bottom: str
    title: str
    desc: str
    legend: tuple[LegendItem, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _day(date: datetime.date, with_year: bool) -> str:
    return date_format(date, "j M Y" if with_year else "j M")


def _x_positions(count: int, layout: Layout) -> list[float]:
    left, right = layout.left + layout.inner, layout.width - layout.right - layout.inner
    if count == 1:
        return [(left + right) / 2]
    step = (right - left) / (count - 1)
    return [left + i * step for i in range(count)]


def _panel(
    *,
    measure: Measure,
    top: float,
    values: list[Score | None],
    xs: list[float],
    dates: list[datetime.date],
    layout: Layout,
) -> Panel:
    plot_top = top + PANEL_TITLE
    bottom = plot_top + PANEL_HEIGHT
    maximum, unit, noun = measure.maximum, measure.unit, measure.name
    step = TICK_STEPS[measure.key]

    def y(value: Score) -> float:
        return bottom - PANEL_HEIGHT * float(value) / maximum

    ticks = tuple(Tick(_n(y(v)), f"{v}{unit}") for v in range(0, maximum + step, step))
    points = [(x, v, d) for x, v, d in zip(xs, values, dates, strict=True) if v is not None]
    markers = tuple(
        Marker(
            x=_n(x),
            y=_n(y(v)),
            value=v,
            title=f"{date_format(d, 'j M Y')}: {noun} {v}{unit or '/' + str(maximum)}",
            corner_x=_n(x - MARKER),
            corner_y=_n(y(v) - MARKER),
            diamond=_diamond(x, y(v)),
        )
        for x, v, d in points
    )
    line = " ".join(f"{_n(x)},{_n(y(v))}" for x, v, _ in points) if len(points) > 1 else ""
    mic = None
    note = ""
    if points:
        baseline = points[0][1]
        goal = measure.target(baseline)
        if goal is not None:
            line_y = y(goal)
            mic = MicMark(
                target=goal,
                baseline=baseline,
                line_y=_n(line_y),
                band_y=_n(line_y),
                band_height=_n(bottom - line_y),
                label=layout.mic_label.format(noun=noun, goal=goal, unit=unit),
                label_y=_n(line_y - 5),
            )
        else:
            note = TOO_LOW
    return Panel(
        key=measure.key,
        title=measure.title,
        title_y=_n(top + 14),
        top=_n(plot_top),
        bottom=_n(bottom),
        ticks=ticks,
        line=line,
        markers=markers,
        mic=mic,
        empty_text="" if points else f"No {noun} score yet",
        empty_y=_n(plot_top + PANEL_HEIGHT / 2),
        note=note,
        note_y=_n(plot_top + 10),
    )


def _describe(measure: Measure, values: list[Score | None], mic: MicMark | None) -> str:
    name = f"{measure.title.split(' (')[0]} ({measure.name} 0–{measure.maximum})"
    unit = measure.unit
    scored = [v for v in values if v is not None]
    if not scored:
        return f"{name}: no score yet."
    text = f"{name}: first {scored[0]}{unit}, latest {scored[-1]}{unit} ({len(scored)} scores)."
    if mic is not None:
        text += f" {MIC_LABEL}: {mic.target}{unit} or lower."
    else:
        text += f" {TOO_LOW}."
    return text


def trend_chart(
    series: Sequence[tuple[datetime.date, int | None, Score | None, int | None]],
    layout: Layout = WIDE,
) -> TrendChart | None:
    """The chart of ``series`` (oldest first) in ``layout``, or None when nothing is scored."""
    series = [row for row in series if any(v is not None for v in row[1:])]
    if not series:
        return None
    dates = [row[0] for row in series]
    columns = {m.key: [row[i] for row in series] for i, m in enumerate((NPRS, ODI, RMDQ), 1)}
    # NPRS and ODI always (an empty panel says "no score yet"); RMDQ when used.
    drawn = [NPRS, ODI] + ([RMDQ] if any(v is not None for v in columns["rmdq"]) else [])
    xs = _x_positions(len(series), layout)

    per_row, _ = _legend_grid(len(drawn) + 1, layout)
    legend_height = LEGEND_ROW * math.ceil((len(drawn) + 1) / per_row) + LEGEND_GAP
    panels = []
    top = legend_height
    for measure in drawn:
        panels.append(
            _panel(
                measure=measure,
                top=top,
                values=columns[measure.key],
                xs=xs,
                dates=dates,
                layout=layout,
            )
        )
        top += PANEL_TITLE + PANEL_HEIGHT + PANEL_GAP
    bottom = top - PANEL_GAP

    with_year = dates[0].year != dates[-1].year
    every = math.ceil(len(series) / layout.max_x_labels)
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
            *(_describe(m, columns[m.key], p.mic) for m, p in zip(drawn, panels, strict=True)),
            "The table below lists the same figures.",
        ]
    )
    left, right = layout.left, layout.width - layout.right
    return TrendChart(
        layout=layout,
        width=layout.width,
        height=int(bottom + X_LABELS),
        plot_left=_n(left),
        plot_right=_n(right),
        plot_width=_n(right - left),
        plot_center=_n((left + right) / 2),
        panels=tuple(panels),
        x_labels=x_labels,
        x_label_y=_n(bottom + 18),
        x_grid=tuple(_n(x) for x in xs),
        grid_top=panels[0].top,
        grid_bottom=panels[-1].bottom,
        title="Pain and disability over the course of care",
        desc=desc,
        legend=_legend([m.key for m in drawn], layout),
    )
