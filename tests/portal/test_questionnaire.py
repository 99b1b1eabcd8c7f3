"""The pre-visit questionnaire (/portal/appointments/<uuid>/questionnaire/):
pain scores required, ODI sections optional with "prefer not to answer",
editable until the appointment starts (one row, updated), and the practitioner
finds the answers pre-filled when the session's record is opened."""

import datetime
import re

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from portal.models import PreVisitQuestionnaire
from sessions import services
from sessions.outcomes import ODI_SECTIONS
from tests.factories.scheduling import AppointmentFactory

ODI_NAMES = [name for name, _ in ODI_SECTIONS]


def url(appointment):
    return f"/portal/appointments/{appointment.uuid}/questionnaire/"


def answers(now=6, best=3, worst=8, **odi):
    data = {"nprs_now": now, "nprs_best": best, "nprs_worst": worst, "comments": ""}
    data.update({name: "" for name in ODI_NAMES})
    data.update(odi)
    return data


@pytest.fixture
def appointment(patient_a, practitioner):
    return AppointmentFactory(patient=patient_a, practitioner=practitioner)  # in 2030


@pytest.fixture
def patient_client(client, patient_a):
    client.force_login(patient_a.user)
    return client


# --- Access ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "practitioner", "clinic_admin"])
def test_it_is_for_patients_only(client, personas, appointment, role):
    client.force_login(personas[role])
    assert client.get(url(appointment)).status_code == 403
    assert client.post(url(appointment), answers()).status_code == 403
    assert not PreVisitQuestionnaire.objects.exists()


@pytest.mark.django_db
def test_another_patients_appointment_is_404(client, patient_b, practitioner, patient_client):
    theirs = AppointmentFactory(patient=patient_b, practitioner=practitioner)
    assert patient_client.get(url(theirs)).status_code == 404
    assert patient_client.post(url(theirs), answers()).status_code == 404
    assert not PreVisitQuestionnaire.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_go_to_the_login_page(client, appointment):
    response = client.get(url(appointment))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Filling it in -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_is_labelled_for_screen_readers(patient_client, appointment):
    html = patient_client.get(url(appointment)).content.decode()
    assert html.count("<fieldset") == 3 + 10
    assert '<legend class="fs-6 fw-semibold mb-1" id="id_nprs_now-legend"' in html
    assert "Your pain now" in html
    assert html.count(">Prefer not to answer</label>") == 10
    assert '<label class="form-check-label" for="id_nprs_now_0">0</label>' in html


@pytest.mark.django_db
def test_it_saves_the_answers_and_confirms(patient_client, appointment, patient_a):
    data = answers(odi_pain_intensity=2, odi_walking=0, comments="Worse after gardening")

    response = patient_client.post(url(appointment), data, follow=True)

    saved = PreVisitQuestionnaire.objects.get(appointment=appointment)
    assert (saved.nprs_now, saved.nprs_best, saved.nprs_worst) == (6, 3, 8)
    assert saved.odi_pain_intensity == 2 and saved.odi_walking == 0
    assert saved.odi_lifting is None  # "prefer not to answer"
    assert saved.comments == "Worse after gardening"
    assert "Thank you: your answers are saved." in response.content.decode()
    event = AuditEvent.objects.get(action="portal.questionnaire.submitted")
    assert event.patient == patient_a and event.actor == patient_a.user
    # Which fields, never the scores: the trail is readable by non-clinical staff.
    assert event.data["appointment"] == str(appointment.uuid)
    assert "nprs_now" in event.data["changed_fields"]
    assert set(event.data) == {"appointment", "changed_fields"}


@pytest.mark.django_db
def test_saving_again_updates_the_same_row(patient_client, appointment):
    patient_client.post(url(appointment), answers(now=6, odi_sitting=3))
    response = patient_client.post(url(appointment), answers(now=4, odi_sitting=""))

    assert response.status_code == 302
    saved = PreVisitQuestionnaire.objects.get()
    assert saved.nprs_now == 4 and saved.odi_sitting is None
    assert AuditEvent.objects.filter(action="portal.questionnaire.changed").count() == 1
    # The saved answers come back on the page.
    html = patient_client.get(url(appointment)).content.decode()
    assert re.search(r'<input type="radio" name="nprs_now" value="4"[^>]* checked>', html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (answers(now=""), "nprs_now", "Choose a number from 0 to 10."),
        (answers(now=11), "nprs_now", "Select a valid choice."),
        (answers(best=9, worst=2), "nprs_best", "cannot be more than your worst pain"),
        (answers(odi_lifting=6), "odi_lifting", "Select a valid choice."),
        (answers(odi_lifting="x"), "odi_lifting", "Select a valid choice."),
    ],
)
def test_it_explains_what_is_wrong(patient_client, appointment, data, field, message):
    response = patient_client.post(url(appointment), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'id="id_{field}-error"' in html
    assert f'href="#id_{field}-legend"' in html  # the summary links to the question
    assert not PreVisitQuestionnaire.objects.exists()


@pytest.mark.django_db
def test_it_refuses_an_empty_post_without_an_error_page(patient_client, appointment):
    response = patient_client.post(url(appointment))
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()


# --- Until the appointment starts ------------------------------------------------------------


def _started(appointment):
    appointment.start_at = timezone.now() - datetime.timedelta(minutes=5)
    appointment.end_at = appointment.start_at + datetime.timedelta(minutes=45)
    appointment.blocked_until = appointment.end_at
    appointment.save(update_fields=["start_at", "end_at", "blocked_until"])


def _cancelled(appointment):
    appointment.status = "cancelled"
    appointment.cancelled_at = timezone.now()
    appointment.cancelled_by = "patient"
    appointment.cancellation_reason = "Away"
    appointment.save(
        update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason"]
    )


def _record_opened(appointment):
    services.start_session(
        patient=appointment.patient,
        practitioner=appointment.practitioner,
        by=appointment.practitioner.user,
        appointment=appointment,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("close", [_started, _cancelled, _record_opened])
def test_it_cannot_be_changed_once_the_appointment_starts(patient_client, appointment, close):
    patient_client.post(url(appointment), answers(now=6))
    close(appointment)

    page = patient_client.get(url(appointment))
    response = patient_client.post(url(appointment), answers(now=2), follow=True)

    assert page.status_code == 200
    assert 'data-testid="questionnaire-closed"' in page.content.decode()
    assert "Your pain now" in page.content.decode()  # the answers, read-only
    assert '<form method="post" novalidate' not in page.content.decode()
    assert "can no longer be changed" in response.content.decode()
    assert PreVisitQuestionnaire.objects.get().nprs_now == 6


@pytest.mark.django_db
def test_history_links_the_questionnaire_of_upcoming_visits(patient_client, appointment):
    html = patient_client.get("/portal/history/").content.decode()
    assert url(appointment) in html
    assert "Fill in the pre-visit questionnaire" in html

    patient_client.post(url(appointment), answers())
    html = patient_client.get("/portal/history/").content.decode()
    assert "Change your pre-visit answers" in html


@pytest.mark.django_db
def test_history_offers_one_card_for_the_next_visit_not_a_link_per_visit(
    patient_client, patient_a, practitioner
):
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    visits = [
        AppointmentFactory(
            patient=patient_a,
            practitioner=practitioner,
            start_at=start + datetime.timedelta(days=7 * week),
        )
        for week in range(7)
    ]

    html = patient_client.get("/portal/history/").content.decode()

    assert html.count('data-testid="next-questionnaire"') == 1
    assert "Questionnaire to fill before your next visit" in html
    assert html.count("/questionnaire/") == 1 and url(visits[0]) in html
    assert html.index('data-testid="next-questionnaire"') < html.index('id="sessions-heading"')


@pytest.mark.django_db
def test_history_has_no_questionnaire_card_without_an_upcoming_visit(patient_client):
    html = patient_client.get("/portal/history/").content.decode()
    assert 'data-testid="next-questionnaire"' not in html


@pytest.mark.django_db
def test_each_odi_item_says_what_0_and_5_mean(patient_client, appointment):
    html = patient_client.get(url(appointment)).content.decode()
    notes = re.findall(r'data-testid="odi-scale">([^<]*)<', html)
    assert notes == ["0 = no difficulty … 5 = the worst"] * len(ODI_SECTIONS)


# --- The practitioner sees the answers pre-filled ----------------------------------------------


@pytest.mark.django_db
def test_opening_the_record_prefills_the_scores(appointment, practitioner):
    PreVisitQuestionnaire.objects.create(
        appointment=appointment,
        nprs_now=6,
        nprs_best=2,
        nprs_worst=9,
        odi_pain_intensity=3,
        odi_travelling=1,
    )

    session = services.start_session(
        patient=appointment.patient,
        practitioner=practitioner,
        by=practitioner.user,
        appointment=appointment,
    )

    session.refresh_from_db()
    assert (session.nprs_now, session.nprs_best, session.nprs_worst) == (6, 2, 9)
    assert session.odi_pain_intensity == 3 and session.odi_travelling == 1
    assert session.odi_lifting is None


@pytest.mark.django_db
def test_without_a_questionnaire_the_scores_stay_empty(appointment, practitioner, patient_a):
    session = services.start_session(
        patient=patient_a, practitioner=practitioner, by=practitioner.user, appointment=appointment
    )
    walk_in = services.start_session(
        patient=patient_a, practitioner=practitioner, by=practitioner.user
    )
    for record in (session, walk_in):
        record.refresh_from_db()
        assert record.nprs_now is None and record.odi_sections == [None] * 10
