"""The patient's treatment history ten sessions a page (sessions/timeline.py):
"Earlier sessions" appends the next ten (htmx) or opens them (?before=<cursor>),
only the patient's own signed sessions are ever paged, and each page costs the
same queries however long the history."""

import re
import uuid

import pytest

from sessions.models import NeedlePlacement, TreatmentSession
from tests.sessions.test_clinical_page import make_session
from tests.sessions.test_clinical_timeline import built

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/portal/history/"


def history(patient, practitioner, count):
    """``count`` weekly signed sessions, oldest first."""
    return [make_session(patient, practitioner, week=week) for week in range(count)]


def shown(html):
    return re.findall(r'<a href="/portal/history/([0-9a-f-]{36})/"', html)


def earlier_link(html):
    match = re.search(r'data-earlier-sessions href="\?before=([0-9a-f-]{36})', html)
    return match and match.group(1)


@pytest.mark.django_db
def test_the_latest_ten_show_and_the_eleventh_only_on_the_next_page(
    client, practitioner, patient_a
):
    sessions = history(patient_a, practitioner, 11)
    client.force_login(patient_a.user)
    first = client.get(URL).content.decode()
    assert shown(first) == [str(s.uuid) for s in reversed(sessions[1:])]
    assert "Earlier sessions" in first and "(1 more)" in first

    second = client.get(URL, {"before": earlier_link(first)}).content.decode()
    assert shown(second) == [str(sessions[0].uuid)]
    assert earlier_link(second) is None
    assert "Back to your latest treatments" in second


@pytest.mark.django_db
def test_the_next_page_comes_as_a_fragment_for_htmx(client, practitioner, patient_a):
    sessions = history(patient_a, practitioner, 12)
    client.force_login(patient_a.user)
    response = client.get(URL, {"before": sessions[2].uuid}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "Questionnaire" not in html
    assert html.lstrip().startswith("<div data-earlier-page>")
    assert shown(html) == [str(sessions[1].uuid), str(sessions[0].uuid)]
    assert html.count("data-page-focus") == 1
    assert 'id="history-sessions-more" class="mt-2 mb-3" hx-swap-oob="true"' in html


@pytest.mark.django_db
def test_drafts_and_other_patients_are_never_paged(client, practitioner, patient_a, patient_b):
    history(patient_a, practitioner, 10)
    draft = make_session(patient_a, practitioner, week=-1, signed=False)
    [bobs] = history(patient_b, practitioner, 1)
    client.force_login(patient_a.user)
    html = client.get(URL).content.decode()
    assert earlier_link(html) is None  # the draft is not "more"
    assert str(draft.uuid) not in html and str(bobs.uuid) not in html
    # Patient B's session as a cursor selects nothing of A's (nor of B's).
    page = client.get(URL, {"before": bobs.uuid}).content.decode()
    assert shown(page) == [] and "No treatments before these" in page


@pytest.mark.django_db
def test_a_cursor_that_is_not_a_uuid_is_404(client, patient_a):
    client.force_login(patient_a.user)
    assert client.get(URL, {"before": "1 OR 1=1"}).status_code == 404
    assert client.get(URL, {"before": uuid.uuid4()}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "practitioner", "clinic_admin"])
def test_earlier_pages_are_for_the_patient_only(client, personas, practitioner, patient_a, role):
    sessions = history(patient_a, practitioner, 11)
    client.force_login(personas[role])
    for extra in ({}, HTMX):
        response = client.get(URL, {"before": sessions[1].uuid}, **extra)
        assert response.status_code == 403
        assert str(sessions[0].uuid) not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 40])
def test_the_latest_page_costs_the_same_queries_whatever_the_history(
    client, practitioner, patient_a, django_assert_num_queries, count
):
    history(patient_a, practitioner, count)
    client.force_login(patient_a.user)
    # 1 the login session, 2 the user, 3 the patient, 4 the page of sessions (with
    # the count of earlier ones), 5-7 its placements, adverse events and addenda,
    # 8 the next visit's questionnaire, 9-11 saving the login session.
    with django_assert_num_queries(11):
        response = client.get(URL)
    assert len(shown(response.content.decode())) == 10


# With 10 sessions there is no next page (no link offers one): 20 and 40 both have a full one.
@pytest.mark.django_db
@pytest.mark.parametrize("count", [20, 40])
@pytest.mark.parametrize("extra", [{}, HTMX], ids=["page", "htmx"])
def test_an_earlier_page_costs_the_same_queries_whatever_the_history(
    client, practitioner, patient_a, django_assert_num_queries, count, extra
):
    sessions = history(patient_a, practitioner, count)
    client.force_login(patient_a.user)
    # As the latest page (11); the htmx fragment has no questionnaire card (10).
    with django_assert_num_queries(10 if extra else 11):
        response = client.get(URL, {"before": sessions[-10].uuid}, **extra)
    assert shown(response.content.decode()) == [str(s.uuid) for s in reversed(sessions[-20:-10])]


@pytest.mark.django_db
def test_a_page_builds_only_the_sessions_and_placements_it_shows(client, practitioner, patient_a):
    history(patient_a, practitioner, 40)  # one placement each
    client.force_login(patient_a.user)
    with built(TreatmentSession, NeedlePlacement) as count:
        client.get(URL)
    assert count == {"TreatmentSession": 10, "NeedlePlacement": 10}
