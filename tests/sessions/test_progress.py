"""Progress over a course of care: baselines, the minimal important change and
the review prompt (sessions/progress.py)."""

import datetime

import pytest

from sessions.models import TreatmentSession
from sessions.outcomes import ODI_SECTIONS
from sessions.progress import (
    Measurement,
    assess,
    nprs_mic_target,
    odi_mic_target,
    points_used_most,
    signed_measurements,
)
from tests.factories import PatientFactory
from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory, point, sign

DAY = datetime.date(2026, 3, 2)


def course(*scores, review_after=4):
    """A course of (NPRS, ODI %) pairs, one a week, oldest first."""
    return assess(
        [
            Measurement(None, DAY + datetime.timedelta(weeks=i), nprs=n, odi=o)
            for i, (n, o) in enumerate(scores)
        ],
        review_after=review_after,
    )


# --- The minimal important change against the first score ----------------------


@pytest.mark.parametrize(
    ("baseline", "target"),
    [
        (10, 8),  # 2 points (30 % would be 3)
        (6, 4),  # 30 % of 6 is 1.8: 2 points either way
        (5, 3),
        (3, 2),  # 30 % of 3 is 0.9: one point is enough
        (1, 0),
        (0, None),  # nothing to improve
        (None, None),
    ],
)
def test_nprs_target_is_two_points_or_thirty_percent_whichever_comes_first(baseline, target):
    assert nprs_mic_target(baseline) == target


@pytest.mark.parametrize(("baseline", "target"), [(44, 34), (10, 0), (9, None), (None, None)])
def test_odi_target_is_ten_points(baseline, target):
    assert odi_mic_target(baseline) == target


def test_baseline_is_the_first_session_with_a_score_per_measure():
    progress = course((None, None), (7, None), (6, 40), (5, 38))
    assert progress.baseline.date == DAY + datetime.timedelta(weeks=1)
    assert progress.nprs_baseline.nprs == 7
    assert progress.odi_baseline.odi == 40
    assert (progress.nprs_latest.nprs, progress.odi_latest.odi) == (5, 38)
    assert progress.nprs_change == -2 and progress.odi_change == -2
    assert progress.nprs_reached and not progress.odi_reached
    assert progress.nprs_target == 5 and progress.odi_target == 30
    # The session without scores before the baseline is not part of the course.
    assert progress.sessions_since_baseline == 3


def test_each_session_is_marked_when_it_reaches_the_change():
    progress = course((6, 50), (5, 45), (4, 40), (5, 39))
    assert [m.nprs_mic for m in progress.measurements] == [False, False, True, False]
    assert [m.odi_mic for m in progress.measurements] == [False, False, True, True]
    assert progress.nprs_reached and not progress.nprs_latest_reached
    assert progress.odi_latest_reached


def test_one_session_has_no_change_yet():
    progress = course((6, 50))
    assert progress.nprs_change is None and progress.odi_change is None
    assert not progress.nprs_reached and not progress.review_due


def test_no_scores_at_all():
    progress = course((None, None), (None, None))
    assert progress.baseline is None and progress.latest is None
    assert progress.sessions_since_baseline == 0
    assert not progress.review_due
    assert progress.series == []


# --- The review prompt ----------------------------------------------------------


def test_review_is_due_after_the_set_number_of_sessions_without_the_change():
    assert not course((6, 50), (6, 48), (5, 45)).review_due  # 3 sessions
    progress = course((6, 50), (6, 48), (5, 45), (5, 44))
    assert progress.sessions_since_baseline == 4
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
        [(6, 50), (4, 48), (6, 50), (6, 50)],  # pain reached it once
        [(6, 50), (6, 40), (6, 50), (6, 50)],  # function reached it once
        [(None, 50), (6, 45), (4, 48), (6, 50)],  # pain, against its own later baseline
    ],
)
def test_no_review_once_either_measure_reached_the_change(scores):
    assert not course(*scores).review_due


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
        )
    )
    TreatmentSessionFactory(patient=patient, practitioner=practitioner, nprs_now=1)  # draft
    measurements = signed_measurements(TreatmentSession.objects.filter(patient=patient))
    assert [(m.nprs, m.odi, m.odi_incomplete) for m in measurements] == [
        (7, 40, False),
        (5, None, True),
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
