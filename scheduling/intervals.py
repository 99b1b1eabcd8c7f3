"""Half-open time intervals [start, end) and the few operations scheduling needs.

A calendar at a clinic group's scale asks the same question thousands of times a
page (is this practitioner free from 10:15 to 11:00? which room is?), so the
intervals a page asks about are kept as a ``Timeline``: merged and sorted once,
then answered by bisection instead of a scan of every booking.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from datetime import datetime

Interval = tuple[datetime, datetime]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union of the intervals (touching ones are joined)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """The parts of ``intervals`` not covered by any of ``holes``: one sweep over
    both sorted lists, so linear in their lengths (after sorting)."""
    holes = merge(holes)
    result: list[Interval] = []
    next_hole = 0
    for start, end in merge(intervals):
        while next_hole < len(holes) and holes[next_hole][1] <= start:
            next_hole += 1
        cursor = start
        index = next_hole
        while index < len(holes) and holes[index][0] < end:
            hole_start, hole_end = holes[index]
            if hole_start > cursor:
                result.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
            if hole_end > end:
                break  # the hole runs on into the next interval: look at it again there
            index += 1
        if cursor < end:
            result.append((cursor, end))
        next_hole = index
    return result


def covers(intervals: Iterable[Interval], start: datetime, end: datetime) -> bool:
    """Whether one interval holds [start, end) whole."""
    return Timeline(intervals).covers(start, end)


def overlaps(intervals: Iterable[Interval], start: datetime, end: datetime) -> bool:
    return any(s < end and start < e for s, e in intervals)


class Timeline:
    """A set of intervals, merged and sorted on first look-up, then answered by
    bisection: ``overlaps`` and ``covers`` cost O(log n) instead of O(n)."""

    __slots__ = ("_ends", "_intervals", "_starts")

    def __init__(self, intervals: Iterable[Interval] = ()):
        self._intervals: list[Interval] = list(intervals)
        self._starts: list[datetime] | None = None
        self._ends: list[datetime] = []

    def add(self, start: datetime, end: datetime) -> None:
        self._intervals.append((start, end))
        self._starts = None

    def _index(self) -> None:
        if self._starts is None:
            self._intervals = merge(self._intervals)
            self._starts = [start for start, _ in self._intervals]
            self._ends = [end for _, end in self._intervals]

    @property
    def intervals(self) -> list[Interval]:
        """The merged intervals, in time order."""
        self._index()
        return self._intervals

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether any interval meets [start, end) (a non-empty one: a visit, a slot)."""
        self._index()
        first_ending_after = bisect_right(self._ends, start)
        return first_ending_after < len(self._starts) and self._starts[first_ending_after] < end

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether one (merged) interval holds [start, end) whole."""
        self._index()
        last_starting_by = bisect_right(self._starts, start) - 1
        return last_starting_by >= 0 and end <= self._ends[last_starting_by]

    def __iter__(self) -> Iterator[Interval]:
        return iter(self.intervals)

    def __len__(self) -> int:
        return len(self.intervals)
