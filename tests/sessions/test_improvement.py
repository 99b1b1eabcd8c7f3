"""Has the patient improved? (DOMAIN.md, "Outcome measures"), as the practitioner's
clinical page and the patient's portal show it: the latest score against the
baseline of the current course of care, absolute thresholds (NPRS 2, ODI 10,
RMDQ 3 points), measures too low to measure a change left out, and the review
prompt. Each test here failed before the rules were put right (issue 11, point 9)."""

import json
import re

import pytest

from tests.portal.test_history import get
from tests.sessions.test_clinical_page import PROMPT, make_session, odi, url

TOO_LOW = "too low to measure a change"


def clinical(client, practitioner, patient):
    return get(client, practitioner.user, url(patient)).content.decode()


def summary(html, key):
    """The summary line of one measure on the clinical page."""
    match = re.search(rf'data-testid="summary-{key}">(.*?)</dd>', html, re.S)
    return " ".join(match.group(1).split())


def trend_rows(html):
    return re.findall(r'<tr data-testid="trend-row">(.*?)</tr>', html, re.S)


# --- No room to improve --------------------------------------------------------------


@pytest.mark.django_db
def test_no_prompt_when_no_measure_has_room_to_improve(client, practitioner, patient_a):
    # NPRS 1 (below 2) and ODI 8 % (below 10 %): no minimal important change is possible.
    for week in range(5):
        make_session(patient_a, practitioner, week=week, nprs=1, odi_lifting=4, **_odi_zero())
    html = clinical(client, practitioner, patient_a)
    assert PROMPT not in html
    assert TOO_LOW in summary(html, "nprs") and TOO_LOW in summary(html, "odi")
    assert 'data-testid="no-room"' in html  # the page says why there is no prompt


def _odi_zero():
    """Nine ODI sections at 0 (with odi_lifting=4 the score is 4/50 = 8 %)."""
    return {k: v for k, v in odi(0).items() if k != "odi_lifting"}


@pytest.mark.django_db
def test_a_measure_too_low_is_left_out_of_the_decision(client, practitioner, patient_a):
    # Pain 1 has no room; the ODI (60 %) has room and does not improve: prompt.
    for week in range(4):
        make_session(patient_a, practitioner, week=week, nprs=1, **odi(3))
    html = clinical(client, practitioner, patient_a)
    assert f"4 {PROMPT}" in html
    assert TOO_LOW in summary(html, "nprs")
    assert TOO_LOW not in summary(html, "odi")


# --- The baseline of the current course ------------------------------------------------


@pytest.mark.django_db
def test_the_baseline_is_the_first_score_of_the_current_course(client, practitioner, patient_a):
    # A course in March (pain 8), then more than 90 days without a session: a new
    # course from July, pain 6 throughout. Against March it would look improved.
    make_session(patient_a, practitioner, week=0, nprs=8)
    for week in range(20, 24):
        make_session(patient_a, practitioner, week=week, nprs=6)
    html = clinical(client, practitioner, patient_a)
    assert f"4 {PROMPT}" in html
    assert "First 6 (20 Jul 2026)" in summary(html, "nprs")
    assert 'data-testid="course"' in html and "20 Jul 2026" in html
    # The trend shows the current course; the earlier one stays in the timeline.
    assert len(trend_rows(html)) == 4


@pytest.mark.django_db
def test_a_new_course_starts_its_count_again(client, practitioner, patient_a):
    for week in range(4):
        make_session(patient_a, practitioner, week=week, nprs=6)
    make_session(patient_a, practitioner, week=20, nprs=6)
    assert PROMPT not in clinical(client, practitioner, patient_a)


@pytest.mark.django_db
def test_ninety_days_apart_is_still_the_same_course(client, practitioner, patient_a):
    # 2 Mar and 31 May: 90 days, not more; the baseline stays 8.
    make_session(patient_a, practitioner, week=0, nprs=8)
    make_session(patient_a, practitioner, days=90, nprs=5)
    html = clinical(client, practitioner, patient_a)
    assert "First 8 (2 Mar 2026)" in summary(html, "nprs")


# --- The latest score, not the best ever ---------------------------------------------------


@pytest.mark.django_db
def test_an_improvement_lost_again_does_not_suppress_the_prompt(client, practitioner, patient_a):
    for week, nprs in enumerate([6, 4, 6, 6]):
        make_session(patient_a, practitioner, week=week, nprs=nprs)
    html = clinical(client, practitioner, patient_a)
    assert f"4 {PROMPT}" in html
    assert "earlier session, not at the latest" in summary(html, "nprs")


# --- Absolute thresholds, the percentage as information -------------------------------------


@pytest.mark.django_db
def test_a_one_point_drop_is_not_a_meaningful_change(client, practitioner, patient_a):
    for week, nprs in enumerate([2, 1, 1, 1]):
        make_session(patient_a, practitioner, week=week, nprs=nprs)
    html = clinical(client, practitioner, patient_a)
    assert f"4 {PROMPT}" in html
    line = summary(html, "nprs")
    assert "change −1 (−50 %)" in line
    assert "not reached" in line
    assert "Pain" not in trend_rows(html)[-1].split('data-label="Minimal important change"')[1]


# --- RMDQ ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rmdq_has_its_trend_and_its_minimal_important_change(client, practitioner, patient_a):
    for week, rmdq in enumerate([12, 11, 9]):
        make_session(patient_a, practitioner, week=week, nprs=6, rmdq_score=rmdq)
    make_session(patient_a, practitioner, week=3, nprs=6)
    html = clinical(client, practitioner, patient_a)
    # The chart has an RMDQ panel with its own marker shape and the change marked.
    assert 'data-testid="panel-rmdq"' in html
    # (Counted in the wide chart; the phone layout draws the same markers again.)
    wide = html.split('data-testid="trend-chart-phone"')[0]
    assert len(re.findall(r'class="marker marker-rmdq"[^>]*><title>', wide)) == 3
    assert "Minimal important change (RMDQ 9 or lower)" in html
    # The table has the same figures.
    rows = trend_rows(html)
    assert [re.search(r'data-label="RMDQ">([^<]*)<', r).group(1) for r in rows] == [
        "12",
        "11",
        "9",
        "—",
    ]
    assert "RMDQ" in rows[2].split('data-label="Minimal important change"')[1]
    # 12 → 9 is the 3 points: no prompt though pain did not move.
    assert "Minimal important change reached" in summary(html, "rmdq")
    assert PROMPT not in html


@pytest.mark.django_db
def test_rmdq_at_its_latest_decides_too(client, practitioner, patient_a):
    for week, rmdq in enumerate([12, 9, 11, 12]):
        make_session(patient_a, practitioner, week=week, nprs=6, rmdq_score=rmdq)
    assert f"4 {PROMPT}" in clinical(client, practitioner, patient_a)


@pytest.mark.django_db
def test_the_portal_shows_rmdq_too(client, practitioner, patient_a):
    for week, rmdq in enumerate([12, 8]):
        make_session(patient_a, practitioner, week=week, nprs=6, rmdq_score=rmdq)
    html = get(client, patient_a.user, "/portal/progress/").content.decode()
    assert 'data-testid="panel-rmdq"' in html
    assert "Yes: daily life (Roland–Morris)" in html


# --- ODI with one decimal ----------------------------------------------------------------------


def _odi_nine_sections():
    """Nine sections answered, 20 of 45: 44.4 %."""
    sections = dict(odi(2))
    sections["odi_sex_life"] = None
    sections["odi_travelling"] = 4
    return sections


@pytest.mark.django_db
def test_an_odi_of_nine_sections_shows_one_decimal_everywhere(client, practitioner, patient_a):
    session = make_session(patient_a, practitioner, nprs=6, **_odi_nine_sections())
    html = clinical(client, practitioner, patient_a)
    assert "44.4 %" in html.split('data-testid="timeline"')[1]
    assert "44.4 %" in trend_rows(html)[0]
    assert "ODI 44.4 %" in html  # the chart's marker title
    assert "44.4 %" in summary(html, "odi")
    for path in (f"/records/{session.uuid}/", f"/records/{session.uuid}/print/"):
        assert "ODI 44.4 %" in get(client, practitioner.user, path).content.decode(), path
    for path in ("/portal/progress/", "/portal/history/", f"/portal/history/{session.uuid}/"):
        page = get(client, patient_a.user, path).content.decode()
        assert "44.4 %" in page and "44 %" not in page, path
    exported = json.loads(get(client, patient_a.user, "/portal/export.json").content)
    assert exported["sessions"][0]["scores"]["odi"]["percent"] == 44.4
    assert "44.4 %" in get(client, patient_a.user, "/portal/export/").content.decode()


@pytest.mark.django_db
def test_a_whole_odi_shows_no_decimal(client, practitioner, patient_a):
    make_session(patient_a, practitioner, nprs=6, **odi(2))
    html = clinical(client, practitioner, patient_a)
    assert "40 %" in trend_rows(html)[0] and "40.0" not in html
