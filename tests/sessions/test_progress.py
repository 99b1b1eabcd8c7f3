"""Progress over a course of care: the current course, baselines, the minimal
important change, "too low to measure a change" and the review prompt
(sessions/progress.py, DOMAIN.md "Has the patient improved?")."""

import datetime
from decimal import Decimal

import pytest

from sessions.models import TreatmentSession
from sessions.outcomes import NPRS, ODI, ODI_SECTIONS, RMDQ
from sessions.progress import (
    COURSE_GAP_DAYS,
    Measurement,
    assess,
    course_start,
    points_used_most,
    signed_measurements,
)
from tests.factories import PatientFactory
from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory, point, sign

DAY = datetime.date(2026, 3, 2)


def course(*scores, review_after=4, start=DAY):
    """A course of (NPRS, ODI %) or (NPRS, ODI %, RMDQ) scores, one a week, oldest first."""
    return assess(
        [
            Measurement(None, start + datetime.timedelta(weeks=i), *row[:2], rmdq=_rmdq(row))
            for i, row in enumerate(scores)
        ],
        review_after=review_after,
    )


def _rmdq(row):
    return row[2] if len(row) > 2 else None


# --- The minimal important change: absolute points, room to improve -----------------


@pytest.mark.parametrize(
    ("measure", "baseline", "target"),
    [
        (NPRS, 10, 8),
        (NPRS, 3, 1),  # 30 % of 3 is 0.9, but the decision needs 2 points
        (NPRS, 2, 0),
        (NPRS, 1, None),  # below 2: too low to measure a change
        (NPRS, 0, None),
        (NPRS, None, None),
        (ODI, 44, 34),
        (ODI, Decimal("44.4"), Decimal("34.4")),
        (ODI, 10, 0),
        (ODI, Decimal("8.9"), None),
        (RMDQ, 12, 9),
        (RMDQ, 3, 0),
        (RMDQ, 2, None),
    ],
)
def test_the_target_is_the_baseline_less_the_absolute_change(measure, baseline, target):
    assert measure.target(baseline) == target
    assert measure.has_room(baseline) is (target is not None)


def test_baseline_is_the_first_session_with_a_score_per_measure():
    progress = course((None, None), (7, None), (6, 40), (5, 38))
    assert progress.baseline.date == DAY + datetime.timedelta(weeks=1)
    assert progress.nprs.baseline_score == 7
    assert progress.odi.baseline_score == 40
    assert (progress.nprs.latest_score, progress.odi.latest_score) == (5, 38)
    assert progress.nprs.change == -2 and progress.odi.change == -2
    assert progress.nprs.improved and not progress.odi.improved
    assert progress.nprs.target == 5 and progress.odi.target == 30
    # The course counts every signed session from its first, scored or not.
    assert progress.sessions_in_course == 4


def test_each_session_is_marked_when_it_reaches_the_change():
    progress = course((6, 50), (5, 45), (4, 40), (5, 39))
    assert [m.nprs_mic for m in progress.measurements] == [False, False, True, False]
    assert [m.odi_mic for m in progress.measurements] == [False, False, True, True]
    assert progress.nprs.reached_earlier and not progress.nprs.improved
    assert progress.odi.improved
    assert progress.measurements[0].baseline_of == (NPRS, ODI)


def test_one_session_has_no_change_yet():
    progress = course((6, 50))
    assert progress.nprs.change is None and progress.odi.change is None
    assert progress.nprs.status == "first_only"
    assert not progress.nprs.improved and not progress.review_due


def test_no_scores_at_all():
    progress = course((None, None), (None, None))
    assert progress.baseline is None
    assert not progress.review_due and not progress.no_room
    assert progress.series == []
    assert all(m.status == "none" for m in progress.measures)


def test_the_percentage_change_is_information_only():
    progress = course((2, None), (1, None))
    assert progress.nprs.change_text == "−1" and progress.nprs.percent_change_text == "−50 %"
    assert progress.nprs.status == "not_improved"
    progress = course((3, None), (5, None))
    assert progress.nprs.change_text == "+2" and progress.nprs.percent_change_text == "+67 %"
    assert course((0, None), (0, None)).nprs.percent_change_text == ""


# --- The current course of care ------------------------------------------------------


def _dated(*days):
    return [Measurement(None, DAY + datetime.timedelta(days=d), nprs=6) for d in days]


@pytest.mark.parametrize(
    ("days", "start"),
    [
        ((0,), 0),
        ((0, 7, 14), 0),
        ((0, COURSE_GAP_DAYS), 0),  # exactly 90 days: the same course
        ((0, COURSE_GAP_DAYS + 1), 1),  # more than 90: a new course
        ((0, 200, 207, 400, 401), 3),  # the last gap decides
    ],
)
def test_a_course_starts_after_a_gap_of_more_than_90_days(days, start):
    assert course_start(_dated(*days)) == start


def test_only_the_current_course_is_assessed():
    earlier = [Measurement(None, DAY, nprs=9, odi=60)]
    later = [
        Measurement(None, DAY + datetime.timedelta(days=120 + 7 * i), nprs=6, odi=40)
        for i in range(4)
    ]
    progress = assess(earlier + later, review_after=4)
    assert progress.earlier_sessions == 1
    assert progress.course_start == later[0].date
    assert progress.nprs.baseline_score == 6 and progress.odi.baseline_score == 40
    assert len(progress.measurements) == 4
    assert progress.review_due


# --- The review prompt ----------------------------------------------------------


def test_review_is_due_after_the_set_number_of_sessions_without_the_change():
    assert not course((6, 50), (6, 48), (5, 45)).review_due  # 3 sessions
    progress = course((6, 50), (6, 48), (5, 45), (5, 44))
    assert progress.sessions_in_course == 4
    assert progress.review_due


def test_the_setting_decides_how_many_sessions():
    scores = [(6, 50), (6, 48), (5, 45), (5, 44)]
    assert not course(*scores, review_after=5).review_due
    assert course(*scores, review_after=2).review_due
    assert not course(*scores, review_after=0).review_due  # 0 turns the prompt off


def test_sessions_without_scores_still_count_as_sessions_of_the_course():
    assert course((6, 50), (None, None), (None, None), (6, 50)).review_due


@pytest.mark.parametrize(
    "scores",
    [
        [(6, 50), (6, 48), (6, 50), (4, 50)],  # pain, at the latest
        [(6, 50), (6, 45), (6, 42), (6, 40)],  # function, at the latest
        [(None, 50), (6, 45), (6, 48), (4, 50)],  # pain, against its own later baseline
        [(6, 50, 10), (6, 50, 9), (6, 50, 8), (6, 50, 7)],  # RMDQ 3 points
    ],
)
def test_no_review_when_a_measure_is_improved_at_its_latest(scores):
    assert not course(*scores).review_due


@pytest.mark.parametrize(
    "scores",
    [
        [(6, 50), (4, 48), (6, 50), (6, 50)],  # pain reached it once, lost since
        [(6, 50), (6, 40), (6, 50), (6, 50)],  # function reached it once, lost since
        [(6, 50, 10), (6, 50, 7), (6, 50, 9), (6, 50, 10)],  # RMDQ, lost since
        [(2, 50), (1, 50), (1, 50), (1, 50)],  # 2 → 1: 50 %, but one point
    ],
)
def test_review_when_no_measure_is_improved_at_its_latest(scores):
    assert course(*scores).review_due


def test_a_measure_too_low_is_left_out_of_the_decision():
    # Pain 1 cannot drop 2 points; the ODI (40 %) decides.
    progress = course((1, 40), (0, 40), (0, 40), (0, 40))
    assert progress.nprs.status == "too_low"
    assert progress.deciding == (progress.odi,)
    assert progress.review_due
    assert progress.too_low_names == "NPRS"


def test_no_review_when_no_measure_has_room_to_improve():
    progress = course((1, 8, 2), (1, 8, 2), (1, 6, 2), (1, 8, 2))
    assert progress.no_room and not progress.review_due
    assert [m.status for m in progress.measures] == ["too_low", "too_low", "too_low"]


def test_a_worse_score_is_no_improvement():
    assert course((4, 30), (7, 50), (8, 60), (9, 70)).review_due


# --- From the database ------------------------------------------------------------


def _sign(session):
    return sign(session)


@pytest.mark.django_db
def test_signed_measurements_leave_out_drafts_and_score_the_odi(practitioner):
    patient = PatientFactory()
    first = _sign(
        TreatmentSessionFactory(
            patient=patient,
            practitioner=practitioner,
            session_date=DAY,
            nprs_now=7,
            **{name: 2 for name, _ in ODI_SECTIONS},
        )
    )
    _sign(
        TreatmentSessionFactory(
            patient=patient,
            practitioner=practitioner,
            session_date=DAY + datetime.timedelta(days=7),
            nprs_now=5,
            odi_lifting=3,  # one section only: incomplete
            rmdq_score=11,
        )
    )
    TreatmentSessionFactory(patient=patient, practitioner=practitioner, nprs_now=1)  # draft
    measurements = signed_measurements(TreatmentSession.objects.filter(patient=patient))
    assert [(m.nprs, m.odi, m.odi_incomplete, m.rmdq) for m in measurements] == [
        (7, 40, False, None),
        (5, None, True, 11),
    ]
    assert measurements[0].session_uuid == first.uuid
    assert measurements[0].odi_band == "Moderate disability"


@pytest.mark.django_db
def test_points_used_most_counts_sessions_of_signed_records_only(
    practitioner, django_assert_num_queries
):
    patient = PatientFactory()
    # BL23 twice in the first session (left, then right) counts once.
    plans = [["BL23", "GV4", "BL40", "BL23"], ["BL23", "GV4"], ["BL23"], ["BL23", "KI3"]]
    for i, codes in enumerate(plans):
        session = TreatmentSessionFactory(
            patient=patient, practitioner=practitioner, session_date=DAY + datetime.timedelta(i)
        )
        for code in codes:
            side = "midline" if code.startswith("GV") else "bilateral"
            NeedlePlacementFactory(session=session, acupoint=point(code), side=side)
        if i < 3:  # the last one stays a draft
            _sign(session)
    # Another patient's sessions are not counted.
    _sign(NeedlePlacementFactory(session__practitioner=practitioner).session)

    with django_assert_num_queries(1):
        top = points_used_most(patient)
    assert [(p.label, p.sessions) for p in top] == [
        ("BL23 Shenshu", 3),
        ("GV4 Mingmen", 2),
        ("BL40 Weizhong", 1),
    ]


@pytest.mark.django_db
def test_points_used_most_keeps_the_ten_most_used(practitioner):
    patient = PatientFactory()
    codes = [f"BL{n}" for n in range(20, 32)]  # twelve points
    for i in range(2):
        session = TreatmentSessionFactory(patient=patient, practitioner=practitioner)
        for code in codes if i == 0 else codes[:3]:
            NeedlePlacementFactory(session=session, acupoint=point(code), side="left")
        _sign(session)
    top = points_used_most(patient)
    assert len(top) == 10
    assert [p.code for p in top[:3]] == ["BL20", "BL21", "BL22"]
    assert all(p.sessions == 1 for p in top[3:])


def test_odi_changes_keep_one_decimal_and_say_points():
    progress = course((None, Decimal("44.4")), (None, Decimal("34.4")))
    assert str(progress.odi.change) == "-10"  # not "-10.0"
    assert progress.odi.change_text == "−10 points"
    assert progress.odi.improved and str(progress.odi.target) == "34.4"
    assert course((None, 40), (None, Decimal("35.6"))).odi.change_text == "−4.4 points"
