"""Beside the patient's own chart, the clinic's typical course for the same
cause: only with at least 20 courses behind it, worded as no promise."""

import pytest

from reports import typical
from reports.summary import refresh
from tests.portal.test_history import get
from tests.sessions.test_clinical_page import make_session

pytestmark = pytest.mark.django_db


def six_visit_course(patient, practitioner, *, improved, cause="herniated_disc"):
    for week in range(6):
        nprs = 3 if improved and week == 5 else 6
        make_session(patient, practitioner, week=week, nprs=nprs, points=(), pain_cause=cause)


def test_twenty_courses_are_needed():
    assert typical.MIN_COURSES == 20


def test_the_patient_sees_the_clinic_s_typical_course_for_her_cause(
    client, patient_a, patient_b, practitioner, monkeypatch
):
    monkeypatch.setattr(typical, "MIN_COURSES", 2)  # two courses stand in for twenty
    six_visit_course(patient_a, practitioner, improved=True)
    make_session(patient_b, practitioner, week=0, nprs=6, points=(), pain_cause="herniated_disc")
    refresh()
    html = get(client, patient_a.user, "/portal/progress/").content.decode()
    assert 'data-testid="typical-course"' not in html  # one course reached visit 6

    six_visit_course(patient_b, practitioner, improved=False)
    refresh()
    html = get(client, patient_a.user, "/portal/progress/").content.decode()
    assert (
        "Of 2 courses of treatment for disc-related back pain at this clinic that reached a 6th "
        "visit, 50 % had improved meaningfully by then." in html
    )
    assert "it cannot tell how your own treatment will go" in html


def test_another_cause_s_courses_do_not_count(
    client, patient_a, patient_b, practitioner, monkeypatch
):
    monkeypatch.setattr(typical, "MIN_COURSES", 1)
    make_session(patient_a, practitioner, nprs=6, points=(), pain_cause="arthritis")
    six_visit_course(patient_b, practitioner, improved=True)
    refresh()
    html = get(client, patient_a.user, "/portal/progress/").content.decode()
    assert 'data-testid="typical-course"' not in html
