"""The interval operations against a minute-by-minute model of the same sets.

``subtract`` sweeps and ``Timeline`` bisects for speed; here both are checked
against the obvious (slow) answer on random intervals, touching and nested
ones included.
"""

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from scheduling.intervals import Timeline, merge, subtract

ORIGIN = dt.datetime(2030, 1, 7, tzinfo=dt.UTC)


def moment(minute: int) -> dt.datetime:
    return ORIGIN + dt.timedelta(minutes=minute)


intervals = st.lists(
    st.tuples(st.integers(0, 120), st.integers(1, 40)).map(
        lambda pair: (moment(pair[0]), moment(pair[0] + pair[1]))
    ),
    max_size=12,
)
# Callers always ask about a visit or a slot: never an empty interval.
queries = st.tuples(st.integers(-5, 170), st.integers(1, 50)).map(
    lambda pair: (moment(pair[0]), moment(pair[0] + pair[1]))
)


def minutes_of(spans) -> set[int]:
    """Every minute [start, end) spans cover, as offsets from ORIGIN."""
    covered = set()
    for start, end in spans:
        first = int((start - ORIGIN).total_seconds() // 60)
        last = int((end - ORIGIN).total_seconds() // 60)
        covered.update(range(first, last))
    return covered


@given(intervals, intervals)
def test_subtract_leaves_exactly_the_uncovered_minutes(whole, holes):
    result = subtract(whole, holes)
    assert minutes_of(result) == minutes_of(whole) - minutes_of(holes)
    # Sorted, non-empty and apart: what the slot finder steps through.
    assert all(start < end for start, end in result)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(result))


@given(intervals)
def test_merge_keeps_the_minutes_and_leaves_gaps_between(spans):
    merged = merge(spans)
    assert minutes_of(merged) == minutes_of(spans)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))


@given(intervals, queries)
def test_timeline_overlaps_as_a_scan_of_every_interval(spans, query):
    start, end = query
    expected = any(s < end and start < e for s, e in spans)
    assert Timeline(spans).overlaps(start, end) is expected


@given(intervals, queries)
def test_timeline_covers_when_one_merged_interval_holds_the_query(spans, query):
    start, end = query
    expected = any(s <= start and end <= e for s, e in merge(spans))
    assert Timeline(spans).covers(start, end) is expected


def test_a_timeline_answers_again_after_an_add():
    line = Timeline([(moment(0), moment(30))])
    assert not line.overlaps(moment(40), moment(50))
    line.add(moment(45), moment(60))
    assert line.overlaps(moment(40), moment(50))
    assert line.intervals == [(moment(0), moment(30)), (moment(45), moment(60))]
