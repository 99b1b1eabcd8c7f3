"""The patient's clinical page (/records/patient/<uuid>/): who may read it, the
audit of every read, the timeline, the trend chart and table, the points used
most, the review prompt, and a query count that does not grow with the record."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import ClinicSettings
from sessions.models import Acupoint, Addendum
from sessions.outcomes import ODI_SECTIONS
from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory, point, sign

DAY = datetime.date(2026, 3, 2)


def url(patient):
    return f"/records/patient/{patient.uuid}/"


def odi(section_score):
    """All ten ODI sections at one score: 20 % per point."""
    return {name: section_score for name, _ in ODI_SECTIONS}


def make_session(
    patient, practitioner, *, week=0, days=0, nprs=6, points=("BL23",), signed=True, **fields
):
    """A session with its placements, then signed (placements cannot be added
    to a signed record, so the signature comes last, by a plain UPDATE)."""
    session = TreatmentSessionFactory(
        patient=patient,
        practitioner=practitioner,
        session_date=DAY + datetime.timedelta(weeks=week, days=days),
        nprs_now=nprs,
        needles_in_at=timezone.now() - datetime.timedelta(minutes=25),
        needles_out_at=timezone.now(),
        **fields,
    )
    for code in points:
        side = "midline" if code[:2] in ("GV", "CV") else "bilateral"
        NeedlePlacementFactory(session=session, acupoint=point(code), side=side)
    if signed:
        sign(session, practitioner.user)
    return session


def get(client, user, patient):
    client.force_login(user)
    return client.get(url(patient))


def markers(html, key):
    """The markers of the chart drawn for wide screens (the phone layout, after it, repeats them)."""
    wide = html.split('data-testid="trend-chart-phone"')[0]
    return re.findall(rf'class="marker marker-{key}"[^>]*><title>', wide)


# --- Access ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "clinic_admin", "patient"])
def test_only_practitioners_read_the_clinical_page(client, personas, patient_a, practitioner, role):
    make_session(patient_a, practitioner)
    response = get(client, personas[role], patient_a)
    assert response.status_code == 403
    assert "NPRS" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="sessions.clinical_page.viewed").exists()


@pytest.mark.django_db
def test_an_unknown_patient_is_404(client, practitioner):
    client.force_login(practitioner.user)
    assert client.get(f"/records/patient/{uuid.uuid4()}/").status_code == 404
    assert client.get("/records/patient/not-a-uuid/").status_code == 404


@pytest.mark.django_db
def test_shared_care_signed_sessions_of_others_but_only_ones_own_drafts(
    client, practitioner, other_practitioner, patient_a
):
    make_session(patient_a, other_practitioner, week=0, nprs=8)
    make_session(patient_a, other_practitioner, week=1, nprs=1, signed=False)  # their draft
    make_session(patient_a, practitioner, week=2, nprs=5, signed=False)  # my draft
    html = get(client, practitioner.user, patient_a).content.decode()
    rows = re.findall(r'data-testid="timeline-row" data-status="(\w+)"', html)
    assert rows == ["draft", "signed"]  # newest first
    assert "Olly Other" in html and "Pat Practitioner" in html
    # The other practitioner's draft (NPRS 1) is nowhere: not in the timeline, not in the trend.
    assert "NPRS 1/10" not in html
    # Drafts may still change: the trend shows signed sessions only.
    assert markers(html, "nprs") and len(markers(html, "nprs")) == 1


@pytest.mark.django_db
def test_another_patients_sessions_are_not_shown(client, practitioner, patient_a, patient_b):
    make_session(patient_b, practitioner, nprs=9, points=("KI3",))
    html = get(client, practitioner.user, patient_a).content.decode()
    assert "No scores recorded yet" in html
    assert "KI3" not in html


# --- Audit -----------------------------------------------------------------------


@pytest.mark.django_db
def test_every_read_is_recorded(client, practitioner, other_practitioner, patient_a):
    session = make_session(patient_a, practitioner)
    get(client, practitioner.user, patient_a)
    get(client, other_practitioner.user, patient_a)
    events = AuditEvent.objects.filter(action="sessions.clinical_page.viewed").order_by("id")
    assert [(e.actor, e.patient, e.object_id) for e in events] == [
        (practitioner.user, patient_a, str(patient_a.uuid)),
        (other_practitioner.user, patient_a, str(patient_a.uuid)),
    ]
    assert events[0].object_type == "patients.patient"
    assert events[0].data == {"sessions": [str(session.uuid)]}  # what was read, no clinical values


# --- Timeline --------------------------------------------------------------------


@pytest.mark.django_db
def test_timeline_shows_each_sessions_summary(client, practitioner, patient_a):
    session = make_session(patient_a, practitioner, nprs=7, points=("BL23", "GV4"), **odi(2))
    Addendum.objects.create(session=session, author=practitioner.user, reason="typo", text="L4")
    make_session(patient_a, practitioner, week=1, points=(), nprs=None, odi_lifting=3)
    html = get(client, practitioner.user, patient_a).content.decode()
    timeline = html[html.index('data-testid="timeline"') :]
    first, second = timeline.split('data-testid="timeline-row"')[1:3]
    # Newest first: the second session (no points, incomplete ODI, no NPRS).
    assert "9 Mar 2026" in first and "incomplete" in first and "Draft" not in first
    assert "2 Mar 2026" in second
    assert "BL23 Shenshu, GV4 Mingmen" in second
    assert "40 %" in second and "25 min" in second and "Signed" in second
    assert re.search(r'data-label="Addenda">1<', second)
    assert f'href="/records/{session.uuid}/"' in second


@pytest.mark.django_db
def test_timeline_shows_signed_points_as_they_were_signed(client, practitioner, patient_a):
    make_session(patient_a, practitioner, points=("BL23",))
    Acupoint.objects.filter(code="BL23").update(code="BL23X", pinyin="Renamed")
    html = get(client, practitioner.user, patient_a).content.decode()
    timeline = html[html.index('data-testid="timeline"') :]
    assert "BL23 Shenshu" in timeline and "Renamed" not in timeline


# --- Trend chart and table -----------------------------------------------------------


@pytest.mark.django_db
def test_chart_and_table_show_every_scored_session(client, practitioner, patient_a):
    make_session(patient_a, practitioner, week=0, nprs=7, **odi(3))  # 60 %
    make_session(patient_a, practitioner, week=1, nprs=6)
    make_session(patient_a, practitioner, week=2, nprs=4, **odi(2))  # 40 %
    make_session(patient_a, practitioner, week=3, nprs=None)  # no score: not in the trend
    html = get(client, practitioner.user, patient_a).content.decode()
    assert 'role="img" aria-labelledby="trend-chart-title trend-chart-desc"' in html
    assert len(markers(html, "nprs")) == 3
    assert len(markers(html, "odi")) == 2
    assert "Minimal important change (NPRS 5 or lower)" in html
    assert "Minimal important change (ODI 50 % or lower)" in html
    table = html[html.index('data-testid="trend-table"') :]
    table = table[: table.index("</table>")]
    assert "<caption>" in table
    rows = table.split('data-testid="trend-row"')[1:]
    assert len(rows) == 3
    assert "60 %" in rows[0] and "Severe disability" in rows[0] and "First score" in rows[0]
    assert "—" in rows[1]  # no ODI that week
    assert "NPRS and ODI" in rows[2]  # 7 → 4 and 60 → 40 %


@pytest.mark.django_db
def test_no_scores_yet(client, practitioner, patient_a):
    make_session(patient_a, practitioner, nprs=None)
    html = get(client, practitioner.user, patient_a).content.decode()
    assert "No scores recorded yet" in html
    assert "<svg" not in html


# --- Review prompt ---------------------------------------------------------------


PROMPT = (
    "sessions without a minimal important change in pain or function: review the treatment plan."
)


@pytest.mark.django_db
def test_review_prompt_after_four_sessions_without_the_change(client, practitioner, patient_a):
    for week, nprs in enumerate([6, 6, 5, 6]):
        make_session(patient_a, practitioner, week=week, nprs=nprs, **odi(3))
    html = get(client, practitioner.user, patient_a).content.decode()
    assert f"4 {PROMPT}" in html


@pytest.mark.django_db
def test_review_prompt_not_yet_after_three(client, practitioner, patient_a):
    for week in range(3):
        make_session(patient_a, practitioner, week=week, nprs=6)
    assert PROMPT not in get(client, practitioner.user, patient_a).content.decode()


@pytest.mark.django_db
def test_review_prompt_follows_the_clinic_setting(client, practitioner, patient_a):
    for week in range(4):
        make_session(patient_a, practitioner, week=week, nprs=6)
    settings = ClinicSettings.load()
    settings.review_after_sessions = 5
    settings.save()
    assert PROMPT not in get(client, practitioner.user, patient_a).content.decode()
    settings.review_after_sessions = 3
    settings.save()
    assert f"4 {PROMPT}" in get(client, practitioner.user, patient_a).content.decode()


@pytest.mark.django_db
def test_no_review_prompt_when_the_latest_score_has_the_change(client, practitioner, patient_a):
    for week, nprs in enumerate([6, 6, 6, 6, 4]):
        make_session(patient_a, practitioner, week=week, nprs=nprs)
    assert PROMPT not in get(client, practitioner.user, patient_a).content.decode()


# --- Points used most --------------------------------------------------------------


@pytest.mark.django_db
def test_points_used_most(client, practitioner, patient_a):
    for week, codes in enumerate([("BL23", "GV4", "BL40"), ("BL23", "GV4"), ("BL23",)]):
        make_session(patient_a, practitioner, week=week, points=codes)
    make_session(patient_a, practitioner, week=4, points=("BL23", "KI3"), signed=False)
    html = get(client, practitioner.user, patient_a).content.decode()
    top = html[html.index('data-testid="top-points"') :]
    top = top[: top.index("</ol>")]
    assert re.findall(r"<li>([^<]*)</li>", top) == [
        "BL23 Shenshu — 3 sessions",
        "GV4 Mingmen — 2 sessions",
        "BL40 Weizhong — 1 session",
    ]


# --- The link from the patient's page ------------------------------------------------


@pytest.mark.django_db
def test_the_patient_page_links_here_for_practitioners_only(
    client, practitioner, front_desk, patient_a
):
    client.force_login(practitioner.user)
    assert url(patient_a) in client.get(f"/patients/{patient_a.uuid}/").content.decode()
    client.force_login(front_desk)
    assert url(patient_a) not in client.get(f"/patients/{patient_a.uuid}/").content.decode()


# --- Content security policy --------------------------------------------------------


@pytest.mark.django_db
def test_no_inline_style_or_script(client, practitioner, patient_a):
    make_session(patient_a, practitioner, nprs=6, **odi(2))
    html = get(client, practitioner.user, patient_a).content.decode()
    assert "style=" not in html and "<style" not in html
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    assert "css/chart.css" in html


# --- Queries ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 10])
def test_query_count_does_not_grow_with_the_record(
    client, practitioner, other_practitioner, patient_a, django_assert_num_queries, count
):
    for week in range(count):
        by = practitioner if week % 2 else other_practitioner
        session = make_session(
            patient_a, by, week=week, nprs=7 - week % 3, points=("BL23", "GV4", "BL40"), **odi(2)
        )
        Addendum.objects.create(session=session, author=by.user, reason="r", text="t")
    make_session(patient_a, practitioner, week=count, signed=False)
    ClinicSettings.load()  # the row exists, as it does in a running clinic
    client.force_login(practitioner.user)
    # 1 the login session, 2 the user, 3 the patient, 4 the sessions (practitioner and
    # user joined, addenda counted), 5 their placements with acupoints, 6 clinic
    # settings, 7 the audit event, 8 the points used most, 9-11 saving the login
    # session (SESSION_SAVE_EVERY_REQUEST: savepoint, update, release).
    with django_assert_num_queries(11):
        response = client.get(url(patient_a))
    assert response.status_code == 200
    assert len(markers(response.content.decode(), "nprs")) == count
    assert response.content.decode().count('data-testid="timeline-row"') == count + 1
