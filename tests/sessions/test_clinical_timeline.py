"""The clinical page's timeline, ten sessions a page (sessions/timeline.py):
"Earlier sessions" loads the next ten in place (htmx) or as a page of its own
(?before=<cursor>, no JavaScript), the chart still covers every session, and
each page costs the same queries however long the history."""

import re
import uuid
from contextlib import contextmanager

import pytest
from django.db.models.signals import post_init

from audit.models import AuditEvent
from clinic.models import ClinicSettings
from sessions.models import NeedlePlacement, TreatmentSession
from tests.sessions.test_clinical_page import make_session, markers, url

HTMX = {"HTTP_HX_REQUEST": "true"}


def history(patient, practitioner, count):
    """``count`` weekly signed sessions (one course of care), oldest first."""
    return [make_session(patient, practitioner, week=week, nprs=6) for week in range(count)]


def rows(html):
    return re.findall(r'<a href="/records/([0-9a-f-]{36})/"[^>]*>', html)


def earlier_link(html):
    match = re.search(r'data-earlier-sessions href="\?before=([0-9a-f-]{36})', html)
    return match and match.group(1)


@pytest.mark.django_db
def test_the_latest_ten_show_and_the_eleventh_only_on_the_next_page(
    client, practitioner, patient_a
):
    sessions = history(patient_a, practitioner, 11)
    client.force_login(practitioner.user)
    first = client.get(url(patient_a)).content.decode()
    newest_ten = [str(s.uuid) for s in reversed(sessions[1:])]
    assert rows(first) == newest_ten
    assert earlier_link(first) == newest_ten[-1]
    assert "Earlier sessions" in first and "(1 more)" in first

    second = client.get(url(patient_a), {"before": earlier_link(first)}).content.decode()
    assert rows(second) == [str(sessions[0].uuid)]
    assert earlier_link(second) is None
    assert "Back to the latest sessions" in second  # the page without JavaScript


@pytest.mark.django_db
def test_the_next_page_comes_as_a_fragment_for_htmx(client, practitioner, patient_a):
    sessions = history(patient_a, practitioner, 12)
    client.force_login(practitioner.user)
    response = client.get(url(patient_a), {"before": sessions[2].uuid}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "Pain and function" not in html
    assert html.lstrip().startswith("<tbody data-earlier-page>")
    assert rows(html) == [str(sessions[1].uuid), str(sessions[0].uuid)]
    # The first row added takes the focus; the control and the announcement replace themselves.
    assert html.count("data-page-focus") == 1
    assert 'id="timeline-sessions-more" class="mt-2 mb-3" hx-swap-oob="true"' in html
    assert "2 earlier sessions added, from" in html and "these are the first" in html


@pytest.mark.django_db
def test_sessions_on_the_same_day_are_each_shown_once(client, practitioner, patient_a):
    sessions = [make_session(patient_a, practitioner) for _ in range(13)]
    client.force_login(practitioner.user)
    first = client.get(url(patient_a)).content.decode()
    second = client.get(url(patient_a), {"before": earlier_link(first)}).content.decode()
    assert sorted(rows(first) + rows(second)) == sorted(str(s.uuid) for s in sessions)


@pytest.mark.django_db
def test_the_chart_covers_every_session_of_the_course(client, practitioner, patient_a):
    history(patient_a, practitioner, 14)
    client.force_login(practitioner.user)
    html = client.get(url(patient_a)).content.decode()
    assert len(rows(html)) == 10
    assert len(markers(html, "nprs")) == 14
    assert html.count('data-testid="trend-row"') == 14


@pytest.mark.django_db
def test_each_page_audits_the_sessions_it_showed(client, practitioner, patient_a):
    sessions = history(patient_a, practitioner, 11)
    client.force_login(practitioner.user)
    client.get(url(patient_a))
    client.get(url(patient_a), {"before": sessions[1].uuid}, **HTMX)
    first, second = AuditEvent.objects.filter(action="sessions.clinical_page.viewed").order_by("id")
    assert first.data["sessions"] == [str(s.uuid) for s in reversed(sessions[1:])]
    assert second.data["sessions"] == [str(sessions[0].uuid)]


@pytest.mark.django_db
def test_another_patients_session_as_cursor_selects_nothing(
    client, practitioner, patient_a, patient_b
):
    history(patient_a, practitioner, 3)
    [other] = history(patient_b, practitioner, 1)
    client.force_login(practitioner.user)
    html = client.get(url(patient_a), {"before": other.uuid}).content.decode()
    assert rows(html) == []
    assert "No treatment sessions before these" in html


@pytest.mark.django_db
def test_a_cursor_that_is_not_a_uuid_is_404(client, practitioner, patient_a):
    client.force_login(practitioner.user)
    assert client.get(url(patient_a), {"before": "'; drop table"}).status_code == 404
    assert client.get(url(patient_a), {"before": uuid.uuid4()}).status_code == 200


@pytest.mark.django_db
def test_another_practitioners_draft_is_on_no_page(
    client, practitioner, other_practitioner, patient_a
):
    history(patient_a, practitioner, 10)
    draft = make_session(patient_a, other_practitioner, week=-1, signed=False)
    client.force_login(practitioner.user)
    html = client.get(url(patient_a)).content.decode()
    assert earlier_link(html) is None  # the draft is not counted as "more"
    assert str(draft.uuid) not in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "clinic_admin", "patient"])
def test_earlier_pages_are_for_practitioners_only(client, personas, practitioner, patient_a, role):
    sessions = history(patient_a, practitioner, 11)
    client.force_login(personas[role])
    for extra in ({}, HTMX):
        response = client.get(url(patient_a), {"before": sessions[1].uuid}, **extra)
        assert response.status_code == 403
        assert str(sessions[0].uuid) not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 40])
def test_the_latest_page_costs_the_same_queries_whatever_the_history(
    client, practitioner, patient_a, django_assert_num_queries, count
):
    history(patient_a, practitioner, count)
    ClinicSettings.load()  # the row exists, as it does in a running clinic
    client.force_login(practitioner.user)
    # 1 the login session, 2 the user, 3 the patient, 4 the page of sessions
    # (with the count of earlier ones), 5 their placements, 6 the audit event, 7
    # the whole history's scores, 8 clinic settings, 9 the points used most,
    # 10-12 saving the login session (savepoint, update, release).
    with django_assert_num_queries(12):
        response = client.get(url(patient_a))
    assert len(rows(response.content.decode())) == 10


# With 10 sessions there is no next page (no link offers one): 20 and 40 both have a full one.
@pytest.mark.django_db
@pytest.mark.parametrize("count", [20, 40])
@pytest.mark.parametrize("extra", [{}, HTMX], ids=["page", "htmx"])
def test_an_earlier_page_costs_the_same_queries_whatever_the_history(
    client, practitioner, patient_a, django_assert_num_queries, count, extra
):
    sessions = history(patient_a, practitioner, count)
    ClinicSettings.load()
    client.force_login(practitioner.user)
    # The page: as the latest page (12). The htmx fragment: the login session, the
    # user, the patient, the page of sessions, their placements, the audit event,
    # saving the login session (3): 9.
    with django_assert_num_queries(12 if not extra else 9):
        response = client.get(url(patient_a), {"before": sessions[-10].uuid}, **extra)
    assert rows(response.content.decode()) == [str(s.uuid) for s in reversed(sessions[-20:-10])]


@pytest.mark.django_db
def test_a_page_builds_only_the_sessions_and_placements_it_shows(client, practitioner, patient_a):
    history(patient_a, practitioner, 40)  # one placement each
    client.force_login(practitioner.user)
    with built(TreatmentSession, NeedlePlacement) as count:
        client.get(url(patient_a))
    assert count == {"TreatmentSession": 10, "NeedlePlacement": 10}


@contextmanager
def built(*models):
    """How many objects of each model Django builds inside the block."""
    count = dict.fromkeys((m.__name__ for m in models), 0)

    def counted(sender, **kwargs):
        count[sender.__name__] += 1

    for model in models:
        post_init.connect(counted, sender=model, weak=False)
    try:
        yield count
    finally:
        for model in models:
            post_init.disconnect(counted, sender=model)
