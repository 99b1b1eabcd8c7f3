"""The trend chart drawn on the server (sessions/charts.py and its template)."""

import datetime
import re
from decimal import Decimal

from django.template.loader import render_to_string

from sessions.charts import LEFT, PANEL_HEIGHT, PHONE, RIGHT, WIDTH, trend_chart

DAY = datetime.date(2026, 3, 2)


def weekly(*scores, start=DAY):
    """(NPRS, ODI) or (NPRS, ODI, RMDQ) a week, as the chart takes them."""
    return [
        (start + datetime.timedelta(weeks=i), *row, *[None] * (3 - len(row)))
        for i, row in enumerate(scores)
    ]


def render(chart):
    return render_to_string("sessions/chart.svg.html", {"chart": chart})


def panel_markers(svg, key):
    """Markers drawn in a panel (the legend's sample markers have no <title>)."""
    return re.findall(rf'class="marker marker-{key}"[^>]*><title>([^<]*)</title>', svg)


def test_nothing_scored_draws_no_chart():
    assert trend_chart([]) is None
    assert trend_chart(weekly((None, None), (None, None))) is None


def test_one_marker_per_score_and_a_line_through_them():
    chart = trend_chart(weekly((7, 44), (6, None), (4, 30), (None, 28)))
    pain, function = chart.panels
    assert [m.value for m in pain.markers] == [7, 6, 4]
    assert [m.value for m in function.markers] == [44, 30, 28]
    assert len(pain.line.split()) == 3 and len(function.line.split()) == 3
    # One x slot per session, pain and function share them.
    assert len(chart.x_grid) == 4
    assert [m.x for m in function.markers] == [chart.x_grid[i] for i in (0, 2, 3)]
    svg = render(chart)
    assert panel_markers(svg, "nprs") == [
        "2 Mar 2026: NPRS 7/10",
        "9 Mar 2026: NPRS 6/10",
        "16 Mar 2026: NPRS 4/10",
    ]
    assert len(panel_markers(svg, "odi")) == 3
    # Circles for pain, squares for function: shape, not only colour.
    assert svg.count("<circle") == 3 + 1  # the legend shows one of each
    assert svg.count('<rect class="marker marker-odi"') == 3 + 1


def test_values_map_onto_each_axis():
    chart = trend_chart(weekly((10, 0), (0, 100)))
    pain, function = chart.panels
    top, bottom = float(pain.top), float(pain.bottom)
    assert (float(pain.markers[0].y), float(pain.markers[1].y)) == (top, bottom)
    top, bottom = float(function.top), float(function.bottom)
    assert (float(function.markers[0].y), float(function.markers[1].y)) == (bottom, top)
    assert [t.label for t in pain.ticks] == ["0", "2", "4", "6", "8", "10"]
    assert [t.label for t in function.ticks] == [f"{v} %" for v in range(0, 101, 20)]
    # Inside the plot, first and last session at either end.
    xs = [float(x) for x in chart.x_grid]
    assert LEFT < xs[0] < xs[1] < WIDTH - RIGHT


def test_a_single_session_sits_in_the_middle():
    chart = trend_chart(weekly((6, 40)))
    assert float(chart.x_grid[0]) == (LEFT + WIDTH - RIGHT) / 2
    assert chart.panels[0].line == ""  # no line through one point
    assert len(chart.panels[0].markers) == 1


def test_the_minimal_important_change_is_marked_from_the_first_score():
    chart = trend_chart(weekly((None, 44), (6, 40), (5, 36)))
    pain, function = chart.panels
    assert (pain.mic.baseline, pain.mic.target) == (6, 4)
    assert (function.mic.baseline, function.mic.target) == (44, 34)
    bottom = float(pain.bottom)
    assert float(pain.mic.line_y) == float(pain.top) + PANEL_HEIGHT * (10 - 4) / 10
    assert float(pain.mic.band_y) + float(pain.mic.band_height) == bottom
    svg = render(chart)
    assert svg.count('class="mic-line"') == 3  # each panel and the legend
    assert "Minimal important change (NPRS 4 or lower)" in svg
    assert "Minimal important change (ODI 34 % or lower)" in svg
    assert "Minimal important change: 4 or lower." in chart.desc


def test_no_mark_where_the_first_score_is_too_low_to_measure_a_change():
    chart = trend_chart(weekly((1, 8), (0, 6)))
    assert chart.panels[0].mic is None and chart.panels[1].mic is None
    assert chart.desc.count("First score too low to measure a change") == 2
    svg = render(chart)
    assert 'data-testid="too-low-nprs"' in svg and 'data-testid="too-low-odi"' in svg


def test_the_nprs_mark_is_two_points_below_the_first_score():
    # 3 → the change needs 1 or lower (30 % of 3 would have been 2).
    assert trend_chart(weekly((3, None), (2, None))).panels[0].mic.target == 1


def test_rmdq_has_a_panel_of_diamonds_when_scored():
    assert len(trend_chart(weekly((6, 40), (5, 38))).panels) == 2  # no RMDQ: no panel
    chart = trend_chart(weekly((6, 40, 12), (None, None, 9), (5, 38, None)))
    assert [p.key for p in chart.panels] == ["nprs", "odi", "rmdq"]
    rmdq = chart.panels[2]
    assert [m.value for m in rmdq.markers] == [12, 9]
    assert (rmdq.mic.baseline, rmdq.mic.target) == (12, 9)
    assert [t.label for t in rmdq.ticks] == ["0", "4", "8", "12", "16", "20", "24"]
    svg = render(chart)
    assert panel_markers(svg, "rmdq") == ["2 Mar 2026: RMDQ 12/24", "9 Mar 2026: RMDQ 9/24"]
    assert svg.count('<polygon class="marker marker-rmdq"') == 2 + 1  # and the legend
    assert "Disability (RMDQ), diamonds" in svg
    assert "Minimal important change (RMDQ 9 or lower)" in svg
    assert "Disability (RMDQ 0–24): first 12, latest 9 (2 scores)." in chart.desc
    # The grid runs down to the last panel.
    assert chart.grid_bottom == rmdq.bottom


def test_an_odi_with_one_decimal_is_drawn_and_labelled_as_it_is():
    chart = trend_chart(weekly((None, Decimal("44.4")), (None, Decimal("35.6"))))
    function = chart.panels[1]
    assert function.mic.target == Decimal("34.4")
    svg = render(chart)
    assert panel_markers(svg, "odi") == ["2 Mar 2026: ODI 44.4 %", "9 Mar 2026: ODI 35.6 %"]
    assert "Minimal important change (ODI 34.4 % or lower)" in svg


def test_a_measure_never_scored_says_so():
    chart = trend_chart(weekly((6, None), (5, None)))
    assert chart.panels[1].markers == ()
    assert chart.panels[1].empty_text == "No ODI score yet"
    assert "No ODI score yet" in render(chart)


def test_long_courses_label_at_most_ten_dates():
    chart = trend_chart(weekly(*[(6, 40)] * 25, start=datetime.date(2025, 11, 3)))
    assert len(chart.x_grid) == 25
    assert len(chart.x_labels) <= 10
    assert chart.x_labels[0].label == "3 Nov 2025"  # the course spans two years


def test_coordinates_are_plain_numbers():
    chart = trend_chart(weekly((7, 44), (3, 12), (5, 33)))
    numbers = [m.x for p in chart.panels for m in p.markers] + [
        m.y for p in chart.panels for m in p.markers
    ]
    assert all(re.fullmatch(r"\d+(\.\d)?", n) for n in numbers)


def test_the_svg_is_an_accessible_image_without_inline_style_or_script():
    svg = render(trend_chart(weekly((7, 44), (5, 30))))
    assert re.search(
        r'<svg [^>]*role="img" aria-labelledby="trend-chart-title trend-chart-desc"', svg
    )
    assert '<title id="trend-chart-title">' in svg and '<desc id="trend-chart-desc">' in svg
    assert "style=" not in svg and "<style" not in svg and "<script" not in svg
    assert "Pain (NPRS), circles" in svg and "Disability (ODI %), squares" in svg


def test_the_phone_layout_draws_the_same_chart_narrower():
    series = weekly(*[(6, 40, 12)] * 12)
    wide, phone = trend_chart(series), trend_chart(series, PHONE)
    # The same figures and words for screen readers...
    assert phone.desc == wide.desc
    assert [[m.value for m in p.markers] for p in phone.panels] == [
        [m.value for m in p.markers] for p in wide.panels
    ]
    # ...on half the width (about one unit a pixel on a 390 px phone), one legend item
    # a line, at most four dates, and a shorter label on the dashed line.
    assert phone.view_box.startswith("0 0 320 ")
    assert len({item.y for item in phone.legend}) == len(phone.legend) == 4
    assert len(phone.x_labels) <= 4
    assert all(float(x) < 320 for x in phone.x_grid)
    assert phone.panels[0].mic.label == "Important change: 4 or lower"
    # Both are on one page: the phone's ids and test ids are its own.
    svg = render(phone)
    assert 'aria-labelledby="trend-chart-phone-title trend-chart-phone-desc"' in svg
    assert 'data-testid="mic-nprs-phone"' in svg and 'data-testid="mic-nprs"' not in svg


def test_the_wide_legend_has_two_items_a_line_so_none_runs_into_the_next():
    # Three a line ran "Disability (ODI %), squares" into the dashed line's sample
    # and cut "Minimal important change" off at the chart's edge.
    chart = trend_chart(weekly((6, 40, None), (5, 30, None)))
    lines: dict[str, list] = {}
    for item in chart.legend:
        lines.setdefault(item.y, []).append(float(item.line_start))
    assert [len(starts) for starts in lines.values()] == [2, 1]
    first, second = lines[chart.legend[0].y]
    assert second - first >= 290  # room for the longest label, "Disability (ODI %), squares"
    assert all(float(item.text_x) + 200 < 640 for item in chart.legend)
