"""Every figure of the report pages as a table of text cells: the page shows
it (each cell with its column's label, for the phone layout), the CSV export
writes the same cells. A figure resting on fewer than MIN_CELL courses reads
"fewer than 5" and its n reads "< 5" (suppressed, not rounded)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpResponse

from reports.outcomes import MIN_CELL, Change, Share, Summary
from reports.stats import MeanCI

SUPPRESSED = f"fewer than {MIN_CELL}"
SUPPRESSED_N = f"< {MIN_CELL}"


@dataclass(frozen=True)
class Table:
    key: str  # the CSV's name and the page's anchor
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # one text per header
    note: str = ""
    empty: str = "No courses."  # the page's one row when there are none

    @classmethod
    def of(cls, key, title, headers, rows, note="", empty="No courses."):
        headers = tuple(headers)
        return cls(
            key,
            title,
            headers,
            tuple(_texts(row, len(headers)) for row in rows),
            note,
            empty,
        )


def _texts(row, width: int) -> tuple[str, ...]:
    if len(row) != width:
        raise ValueError(f"A row of {len(row)} cells under {width} headers: {row!r}")
    return tuple(map(str, row))


def n_text(n: int) -> str:
    return str(n) if n >= MIN_CELL else SUPPRESSED_N


def percent_text(share: Share) -> str:
    return f"{share.percent} %" if share.shown else SUPPRESSED


def signed(value: float) -> str:
    """'−2.0', '+1.5', '0.0' (a real minus sign)."""
    text = f"{value:+.1f}".replace("-", "−")
    return "0.0" if text in {"+0.0", "−0.0"} else text


def mean_text(change: Change) -> str:
    return signed(change.ci.mean) if change.shown else SUPPRESSED


def ci_text(ci: MeanCI | None, shown: bool) -> str:
    if not shown or ci is None or ci.low is None:
        return SUPPRESSED if not shown else ""
    return f"{signed(ci.low)} to {signed(ci.high)}"


SUMMARY_HEADERS = (
    "Group",
    "Courses",
    "Improved (latest vs baseline)",
    "Courses with room to improve",
    "Improved by visit 6",
    "Courses with 6 visits",
    "Mean NPRS change",
    "NPRS 95 % CI",
    "NPRS courses",
    "Mean ODI change (points)",
    "ODI 95 % CI",
    "ODI courses",
)


def summary_row(s: Summary) -> tuple[str, ...]:
    if not s.shown:
        return (s.label, SUPPRESSED_N, *([SUPPRESSED, ""] * 2), *([SUPPRESSED, "", ""] * 2))
    by6 = dict(s.by_visit)[6]
    return (
        s.label,
        str(s.n),
        percent_text(s.responders),
        n_text(s.responders.n),
        percent_text(by6),
        n_text(by6.n),
        mean_text(s.nprs),
        ci_text(s.nprs.ci, s.nprs.shown),
        n_text(s.nprs.n),
        mean_text(s.odi),
        ci_text(s.odi.ci, s.odi.shown),
        n_text(s.odi.n),
    )


def summary_table(key: str, title: str, summaries: Sequence[Summary], note: str = "") -> Table:
    return Table.of(key, title, SUMMARY_HEADERS, [summary_row(s) for s in summaries], note)


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula is written as text."""
    if value[:1] in ("=", "@", "\t", "\r") or (
        value[:1] in ("+", "-") and not value[1:].replace(".", "", 1).isdigit()
    ):
        return "'" + value
    return value


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_safe(value) for value in row])
    return response


def dict_csv_response(headers, rows, filename: str) -> HttpResponse:
    """Rows as dicts keyed by ``headers``, as CSV."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_safe(str(row[h])) for h in headers])
    return response
