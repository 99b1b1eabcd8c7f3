"""Outcome figures on small hand-made data sets whose answers are worked out
here (reports/outcomes.py, reports/stats.py; DOMAIN.md "Has the patient improved?")."""

import datetime
import math
from decimal import Decimal

import pytest

from reports.outcomes import (
    MIN_CELL,
    Filters,
    SessionRow,
    apply_filters,
    breakdown,
    build_courses,
    drop_out,
    improvement_curve,
    mean_change,
    responders,
    responders_by_visit,
    safety,
    summarise,
)
from reports.stats import kaplan_meier, mean_ci, t_quantile_975
from sessions.outcomes import NPRS, ODI

DAY = datetime.date(2026, 1, 5)
_ids = iter(range(1, 100_000))


def course_rows(patient, *scores, start=DAY, cause="muscle_strain", practitioner=1, **extra):
    """Weekly signed sessions of one patient: each score an NPRS, or (NPRS, ODI)."""
    rows = []
    for i, score in enumerate(scores):
        nprs, odi = score if isinstance(score, tuple) else (score, None)
        rows.append(
            SessionRow(
                id=next(_ids),
                patient_id=patient,
                practitioner_id=practitioner,
                date=start + datetime.timedelta(weeks=i),
                cause=cause,
                nprs=nprs,
                odi=None if odi is None else Decimal(odi),
                **extra,
            )
        )
    return rows


def courses_of(*row_lists):
    return build_courses([row for rows in row_lists for row in rows])


# --- The course unit -------------------------------------------------------------


def test_a_gap_of_more_than_90_days_starts_a_new_course():
    first = course_rows(1, 6, 5)  # 5 and 12 Jan
    after_90 = course_rows(1, 5, start=DAY + datetime.timedelta(weeks=1, days=90))
    after_91 = course_rows(1, 7, 4, start=after_90[0].date + datetime.timedelta(days=91))
    courses = courses_of(after_91, first, after_90)  # any order in
    assert [c.count for c in courses] == [3, 2]
    assert [c.number for c in courses] == [1, 2]
    assert courses[1].baseline(NPRS) == 7 and courses[1].latest(NPRS) == 4


# --- Responders: latest against baseline, by the absolute minimal important change ---


def test_responders_use_the_latest_score_and_leave_out_courses_without_room():
    courses = courses_of(
        course_rows(1, 6, 5, 3),  # 6 → 3: improved (3 ≥ 2)
        course_rows(2, 8, 5, 7),  # reached 5 at visit 2, latest 7: NOT improved
        course_rows(3, (1, 30), (0, 22)),  # NPRS too low; ODI 30 → 22 is 8 < 10: not improved
        course_rows(4, (1, 8), (0, 4)),  # no measure with room: left out
        course_rows(5, (5, 40), (5, 30)),  # ODI 40 → 30: improved
        course_rows(6, 4),  # one session: decidable, not improved
    )
    share = responders(courses)
    assert (share.count, share.n) == (2, 5)
    assert share.percent == 40  # 2 / 5


def test_responders_by_visit_count_the_first_v_sessions_of_courses_that_had_v():
    courses = courses_of(
        course_rows(1, 6, 6, 6, 4, 4, 4),  # improved at 4
        course_rows(2, 6, 6, 6, 6, 6, 3),  # improved at 6 only
        course_rows(3, 6, 5, 5, 5, 5, 5),  # never
        course_rows(4, 6, 6, 6, 6),  # 4 visits, never
        course_rows(5, 7, 5, 5, 5, 5, 5, 5, 5),  # improved at 2 (and after)
        course_rows(6, 6, 4, 6),  # 3 visits: counts in none of the visit figures
    )
    by_visit = dict(responders_by_visit(courses))
    assert (by_visit[4].count, by_visit[4].n) == (2, 5)  # patients 1 and 5 of 1–5
    assert (by_visit[6].count, by_visit[6].n) == (3, 4)  # 1, 2 and 5 of 1, 2, 3, 5
    assert by_visit[6].shown is False and by_visit[6].percent is None  # 4 < 5 courses
    assert (by_visit[8].count, by_visit[8].n) == (1, 1)
    assert by_visit[10].n == 0


# --- The cumulative curve (Kaplan–Meier) ----------------------------------------------


def km_courses(copies):
    """Six course shapes (baseline NPRS 6), each ``copies`` times:
    improved at 2, improved at 3, stopped after 2, improved at 4, stopped
    after 5, stopped after 6."""
    shapes = ([6, 4], [6, 5, 4], [6, 6], [6, 6, 5, 3], [6] * 5, [6] * 6)
    rows, patient = [], 0
    for _ in range(copies):
        for shape in shapes:
            patient += 1
            rows += course_rows(patient, *shape)
    return build_courses(rows)


def test_kaplan_meier_censors_courses_that_stopped():
    steps = kaplan_meier([(2, True), (3, True), (2, False), (4, True), (5, False), (6, False)])
    # At risk 6, 6, 4, 3, 2, 1. Survival: 5/6 at 2, × 3/4 at 3, × 2/3 at 4.
    assert [s.at_risk for s in steps] == [6, 6, 4, 3, 2, 1]
    assert [s.events for s in steps] == [0, 1, 1, 1, 0, 0]
    assert [s.censored for s in steps] == [0, 1, 0, 0, 1, 1]
    expected = [0, 1 / 6, 1 - 5 / 6 * 3 / 4, 1 - 5 / 6 * 3 / 4 * 2 / 3]
    assert [s.cumulative for s in steps[:4]] == pytest.approx(expected)
    assert steps[5].cumulative == pytest.approx(expected[3])  # censoring moves nothing


def test_the_curve_stops_where_fewer_than_five_are_at_risk_and_gives_the_median():
    curve = improvement_curve(km_courses(copies=2))
    # At risk 12, 12, 8, 6, 4: session 5 has 4 at risk and is cut off.
    assert curve.n == 12
    assert [(s.time, s.at_risk) for s in curve.steps] == [(1, 12), (2, 12), (3, 8), (4, 6)]
    # Cumulative 0, 2/12, 1 − 10/12 × 6/8 = 0.375, 1 − 0.625 × 4/6 = 0.583: median 4.
    assert curve.steps[3].cumulative == pytest.approx(1 - 0.625 * 4 / 6)
    assert curve.median == 4


def test_a_curve_that_never_reaches_half_has_no_median():
    curve = improvement_curve(km_courses(copies=1))
    assert [s.time for s in curve.steps] == [1, 2]  # 4 at risk at session 3
    assert curve.median is None


# --- Mean change with a 95 % confidence interval --------------------------------------


def test_mean_change_in_nprs_with_a_t_interval():
    courses = courses_of(
        course_rows(1, 6, 4),  # −2
        course_rows(2, 7, 4),  # −3
        course_rows(3, 5, 4),  # −1
        course_rows(4, 8, 4),  # −4
        course_rows(5, 4, 4),  # 0
        course_rows(6, 5),  # no later score: not counted
    )
    change = mean_change(courses, NPRS)
    # Mean −2; s² = (0 + 1 + 1 + 4 + 4) / 4 = 2.5; half-width t(4) × s / √5 = 2.776 × 0.7071.
    half = 2.776 * math.sqrt(2.5) / math.sqrt(5)
    assert change.n == 5 and change.shown
    assert change.ci.mean == pytest.approx(-2)
    assert (change.ci.low, change.ci.high) == pytest.approx((-2 - half, -2 + half))
    assert mean_change(courses, ODI).n == 0


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706), (4, 2.776), (30, 2.042), (40, 2.021), (120, 1.980), (10_000, 1.960)],
)
def test_t_quantiles(df, expected):
    assert t_quantile_975(df) == pytest.approx(expected, abs=0.001)


def test_a_single_value_has_no_interval():
    ci = mean_ci([3.0])
    assert (ci.n, ci.mean, ci.low, ci.high) == (1, 3.0, None, None)
    assert mean_ci([]) is None


# --- Small cells, breakdowns and filters ------------------------------------------------


def test_cells_of_fewer_than_five_courses_are_not_shown():
    rows = [course_rows(p, 6, 3, cause="muscle_strain") for p in range(1, 6)]
    rows += [course_rows(p, 6, 3, cause="herniated_disc") for p in range(6, 10)]
    cells = {s.label: s for s in breakdown(courses_of(*rows), lambda c: c.cause)}
    assert MIN_CELL == 5
    assert cells["muscle_strain"].shown and cells["muscle_strain"].responders.percent == 100
    assert not cells["herniated_disc"].shown and cells["herniated_disc"].n == 4
    assert cells["herniated_disc"].responders.percent is None


def test_filters_by_cause_band_protocol_dates_and_practitioner():
    courses = courses_of(
        course_rows(1, (6, 30), (4, 20), cause="arthritis", protocol="Lumbar"),
        course_rows(2, (6, 50), cause="arthritis", practitioner=2),
        course_rows(3, 6, cause="herniated_disc", start=DAY + datetime.timedelta(days=40)),
    )
    pick = lambda **kw: [c.patient_id for c in apply_filters(courses, Filters(**kw))]  # noqa: E731
    assert pick(cause="arthritis") == [1, 2]
    assert pick(band="Moderate disability") == [1]
    assert pick(band="Severe disability") == [2]
    assert pick(protocol="Lumbar") == [1]
    assert pick(start=DAY + datetime.timedelta(days=1)) == [3]
    assert pick(end=DAY) == [1, 2]
    assert pick(practitioner_id=2) == [2]
    assert summarise("All", courses).n == 3


# --- Drop-out and safety ------------------------------------------------------------------


def test_drop_out_is_an_ended_course_of_one_or_two_visits_without_discharge():
    today = DAY + datetime.timedelta(days=120)
    old = DAY
    courses = courses_of(
        course_rows(1, 6, start=old),  # ended, next visit planned: drop-out
        course_rows(2, 6, 5, start=old, next_visit_planned=False),  # discharged
        course_rows(3, 6, start=today - datetime.timedelta(days=10)),  # recent: not ended
        course_rows(4, 6, start=old),  # booked ahead: not ended
        course_rows(5, 6, 5, 4, start=old),  # three visits: ended, not a drop-out
    )
    result = drop_out(courses, today, booked={4})
    assert (result.dropped, result.n) == (1, 3)
    assert result.share.shown is False  # 3 ended courses


def test_safety_counts_per_thousand_signed_sessions_of_the_chosen_courses():
    sessions = set(range(1, 11))
    result = safety(
        sessions,
        adverse=[
            (1, "bruising", "mild"),
            (2, "bruising", "mild"),
            (3, "fainting", "moderate"),
            (99, "burn", "severe"),
        ],
        overrides=[(4, "depth_caution"), (99, "skin_lesion")],
        incidents={5, 98},
        referrals={6},
        type_labels={"bruising": "Bruising", "fainting": "Fainting", "burn": "Burn"},
        severity_labels={"mild": "Mild", "moderate": "Moderate", "severe": "Severe"},
        override_labels={"depth_caution": "Depth", "skin_lesion": "Skin"},
    )
    assert result.sessions == 10
    assert [(r.label, r.count, r.per_1000) for r in result.adverse_by_type] == [
        ("Bruising", 2, 200.0),
        ("Fainting", 1, 100.0),
    ]
    assert [(r.label, r.count) for r in result.adverse_by_severity] == [
        ("Mild", 2),
        ("Moderate", 1),
    ]
    assert [(r.label, r.count) for r in result.overrides_by_kind] == [("Depth", 1)]
    assert result.needle_incidents.count == 1 and result.needle_incidents.per_1000 == 100.0
    assert result.red_flag_referrals.count == 1
