"""The patient's progress page (/portal/progress/): the same server-drawn SVG
trend chart as the clinic's, with the minimal important change marked, and a
text table of the same figures; signed sessions only."""

import re

import pytest

from tests.portal.test_history import get
from tests.sessions.test_clinical_page import make_session, odi  # odi(n): n × 20 %


def rows(html):
    return re.findall(r'<tr data-testid="progress-row">(.*?)</tr>', html, re.S)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "practitioner", "clinic_admin"])
def test_it_is_for_patients_only(client, personas, role):
    assert get(client, personas[role], "/portal/progress/").status_code == 403


@pytest.mark.django_db
def test_it_draws_the_chart_and_the_table_of_signed_sessions(client, patient_a, practitioner):
    make_session(patient_a, practitioner, week=0, nprs=7, **odi(2))  # 40 %
    make_session(patient_a, practitioner, week=1, nprs=6)
    make_session(patient_a, practitioner, week=2, nprs=4, **odi(1))  # 20 %
    make_session(patient_a, practitioner, week=3, nprs=0, signed=False)  # a draft: left out

    response = get(client, patient_a.user, "/portal/progress/")

    html = response.content.decode()
    assert response.status_code == 200
    # The chart: an accessible SVG with a title and a description, both panels
    # and the minimal important change marked on each.
    assert '<svg class="trend-chart"' in html
    assert 'role="img"' in html and '<title id="trend-chart-title">' in html
    assert 'data-testid="mic-nprs"' in html and 'data-testid="mic-odi"' in html
    # Three scores and the legend, in the wide layout and again in the phone's.
    assert html.count('class="marker marker-nprs"') == (3 + 1) * 2
    assert 'data-testid="trend-chart-phone"' in html
    assert "css/chart.css" in html
    # The table: the same figures, oldest first, with the change in words.
    table = rows(html)
    assert len(table) == 3
    assert "2 Mar 2026" in table[0] and ">7<" in table[0] and "40 %" in table[0]
    assert "First score" in table[0]
    assert ">6<" in table[1] and "Not yet" in table[1]
    assert ">4<" in table[2] and "20 %" in table[2] and "Yes: pain and daily life" in table[2]
    assert "<caption>" in html
    assert "That is a meaningful improvement." in html


@pytest.mark.django_db
def test_other_patients_scores_never_show(client, patient_a, patient_b, practitioner):
    make_session(patient_a, practitioner, nprs=7)
    make_session(patient_b, practitioner, nprs=3, week=1)

    html = get(client, patient_a.user, "/portal/progress/").content.decode()

    assert len(rows(html)) == 1
    assert "9 Mar 2026" not in html


@pytest.mark.django_db
def test_without_scores_it_says_so(client, patient_a, practitioner):
    make_session(patient_a, practitioner, nprs=None)
    html = get(client, patient_a.user, "/portal/progress/").content.decode()
    assert 'data-testid="no-scores"' in html
    assert "<svg" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 8])
def test_the_queries_do_not_grow_with_the_record(
    client, patient_a, practitioner, django_assert_num_queries, count
):
    for week in range(count):
        make_session(patient_a, practitioner, week=week, nprs=6, rmdq_score=10, **odi(2))
    client.force_login(patient_a.user)
    # 1 the login session, 2 the user, 3 the patient, 4 the signed sessions (the
    # scores are columns of the row: nothing per session), 5-7 saving the login
    # session (SESSION_SAVE_EVERY_REQUEST: savepoint, update, release), 8 the
    # current course's cause, 9 the clinic's courses for the same cause
    # (reports.typical).
    with django_assert_num_queries(9):
        response = client.get("/portal/progress/")
    assert len(rows(response.content.decode())) == count
