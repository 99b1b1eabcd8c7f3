"""Recording a session, the pages: today's list, opening a record, the record
page (editable draft, read-only otherwise), the print page, the point
typeahead, the audit of every read, and a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sessions import services
from sessions.models import Addendum, AdverseEvent, TreatmentSession
from tests.factories import PatientFactory, PractitionerFactory
from tests.factories.scheduling import AppointmentFactory
from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory, point

pytestmark = pytest.mark.django_db


def record_url(session, name="record"):
    return reverse(f"records:{name}", kwargs={"uuid": session.uuid})


def today_at(hour, minute=0):
    day = timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def sign(session, practitioner, *, removed=None):
    """Treat (placements already made), retain 25 minutes, count out and sign."""
    services.needles_in(session=session, by=practitioner.user)
    TreatmentSession.objects.filter(pk=session.pk).update(
        needles_in_at=timezone.now() - datetime.timedelta(minutes=25)
    )
    session.refresh_from_db()
    inserted = services.needles_inserted(session)
    services.needles_out(
        session=session, by=practitioner.user, removed=inserted if removed is None else removed
    )
    session.refresh_from_db()
    return services.sign_session(session=session, by=practitioner.user)


@pytest.fixture
def patient(db):
    return PatientFactory(first_name="Rhea", last_name="Lumbar")


@pytest.fixture
def draft(practitioner, patient):
    return TreatmentSessionFactory(practitioner=practitioner, patient=patient)


# --- Today's list ------------------------------------------------------------------


def test_today_lists_the_practitioners_appointments_in_time_order_with_their_records(
    client, practitioner, other_practitioner, patient
):
    late = AppointmentFactory(
        practitioner=practitioner, patient=PatientFactory(last_name="Later"), start_at=today_at(16)
    )
    early = AppointmentFactory(practitioner=practitioner, patient=patient, start_at=today_at(9))
    AppointmentFactory(
        practitioner=other_practitioner,
        patient=PatientFactory(last_name="Elsewhere"),
        start_at=today_at(11),
    )
    signed = TreatmentSessionFactory(practitioner=practitioner, patient=patient, appointment=early)
    NeedlePlacementFactory(session=signed)
    sign(signed, practitioner)
    client.force_login(practitioner.user)

    page = client.get(reverse("records:today")).content.decode()

    assert page.index("Lumbar") < page.index("Later")
    assert "Elsewhere" not in page
    assert "View record" in page  # the signed one
    assert f'name="appointment" value="{late.uuid}"' in page and "Open record" in page


def test_the_menu_offers_today_to_practitioners_only(client, practitioner, front_desk):
    client.force_login(practitioner.user)
    assert 'href="/records/today/"' in client.get("/").content.decode()
    client.force_login(front_desk)
    assert 'href="/records/today/"' not in client.get("/").content.decode()
    assert client.get(reverse("records:today")).status_code == 403


def test_today_without_a_practitioner_profile_says_so(client):
    from tests.factories import UserFactory

    user = UserFactory(practitioner=True)
    client.force_login(user)
    page = client.get(reverse("records:today")).content.decode()
    assert "no practitioner profile" in page


def test_today_finds_patients_for_a_record_without_an_appointment_without_js(
    client, practitioner, patient
):
    client.force_login(practitioner.user)
    page = client.get(reverse("records:today"), {"q": "lumbar"}).content.decode()
    assert f'name="patient" value="{patient.uuid}"' in page


# --- Opening a record --------------------------------------------------------------


def test_opening_an_appointments_record_creates_it_once(client, practitioner, patient):
    appointment = AppointmentFactory(practitioner=practitioner, patient=patient)
    client.force_login(practitioner.user)

    first = client.post(reverse("records:start"), {"appointment": appointment.uuid})
    second = client.post(reverse("records:start"), {"appointment": appointment.uuid})

    session = TreatmentSession.objects.get()
    assert session.appointment == appointment and session.patient == patient
    assert first["Location"] == second["Location"] == record_url(session)


def test_another_practitioners_appointment_cannot_be_opened(
    client, practitioner, other_practitioner, patient
):
    appointment = AppointmentFactory(practitioner=other_practitioner, patient=patient)
    client.force_login(practitioner.user)
    response = client.post(reverse("records:start"), {"appointment": appointment.uuid})
    assert response.status_code == 404
    assert not TreatmentSession.objects.exists()


def test_a_cancelled_appointment_opens_no_record(client, practitioner, patient):
    appointment = AppointmentFactory(
        practitioner=practitioner,
        patient=patient,
        status="cancelled",
        cancelled_at=timezone.now(),
        cancelled_by="patient",
        cancellation_reason="Unwell",
    )
    client.force_login(practitioner.user)
    response = client.post(reverse("records:start"), {"appointment": appointment.uuid}, follow=True)
    assert "cancelled: no record" in response.content.decode()
    assert not TreatmentSession.objects.exists()


def test_a_record_without_an_appointment_for_an_active_patient(client, practitioner, patient):
    patient.is_pregnant = True
    patient.save(update_fields=["is_pregnant"])
    client.force_login(practitioner.user)

    response = client.post(reverse("records:start"), {"patient": patient.uuid})

    session = TreatmentSession.objects.get()
    assert response["Location"] == record_url(session)
    assert session.appointment is None and session.practitioner == practitioner
    assert "Pregnant" in session.contraindication_notes  # pre-filled from the flags


@pytest.mark.parametrize("value", ["", "not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_opening_a_record_for_no_valid_patient_explains_and_creates_nothing(
    client, practitioner, value
):
    client.force_login(practitioner.user)
    response = client.post(reverse("records:start"), {"patient": value}, follow=True)
    assert response.status_code == 200
    assert "Choose" in response.content.decode()
    assert not TreatmentSession.objects.exists()


def test_an_archived_patient_gets_no_new_record(client, practitioner, patient):
    patient.archived_at = timezone.now()
    patient.save(update_fields=["archived_at"])
    client.force_login(practitioner.user)
    client.post(reverse("records:start"), {"patient": patient.uuid})
    assert not TreatmentSession.objects.exists()


def test_the_patient_page_offers_to_start_a_session_to_practitioners(
    client, practitioner, front_desk, patient
):
    url = reverse("patients:detail", kwargs={"uuid": patient.uuid})
    client.force_login(practitioner.user)
    assert "Start a session" in client.get(url).content.decode()
    client.force_login(front_desk)
    assert "Start a session" not in client.get(url).content.decode()


# --- The record page -----------------------------------------------------------------


def step_url(session, step):
    return reverse("records:step", kwargs={"uuid": session.uuid, "step": step})


STEP_SECTIONS = {
    "assessment": ["assessment"],
    "needles": ["needles"],
    "retention": ["retention", "adverse"],
    "follow-up": ["followup"],
    "sign": ["sign"],
}
ALL_SECTIONS = ["assessment", "needles", "retention", "adverse", "followup", "sign"]


def test_opening_a_draft_goes_to_its_first_unfinished_step(client, practitioner, draft):
    client.force_login(practitioner.user)
    # The factory's assessment has the contraindications reviewed: done.
    assert client.get(record_url(draft))["Location"] == step_url(draft, "needles")
    NeedlePlacementFactory(session=draft)
    assert client.get(record_url(draft))["Location"] == step_url(draft, "retention")
    TreatmentSession.objects.filter(pk=draft.pk).update(contraindications_reviewed=False)
    assert client.get(record_url(draft))["Location"] == step_url(draft, "assessment")
    # The step page audits the read, not the redirect to it.
    assert not AuditEvent.objects.filter(action="sessions.session.viewed").exists()


@pytest.mark.parametrize("step", list(STEP_SECTIONS))
def test_each_step_shows_the_header_the_steps_and_its_own_sections_only(
    client, practitioner, draft, step
):
    NeedlePlacementFactory(session=draft)
    client.force_login(practitioner.user)

    page = client.get(step_url(draft, step)).content.decode()

    assert 'data-testid="record-editable"' in page and "Treatment record · Rhea Lumbar" in page
    for section in ALL_SECTIONS:
        assert (f'id="section-{section}"' in page) == (section in STEP_SECTIONS[step]), section
    nav = page.split('data-testid="record-steps"')[1].split("</nav>")[0]
    assert nav.count("<li") == 5 and nav.count('aria-current="step"') == 1
    current = nav.split('aria-current="step"')[0].rsplit("<a ", 1)[1]
    assert f'data-testid="step-{step}"' in current
    # The state is a word: assessment and needles are done, the rest to do.
    assert [part.split("<")[0] for part in nav.split('data-testid="step-state">')[1:]] == [
        "done", "done", "to do", "to do", "to do",
    ]  # fmt: skip
    summary = page.split('<div id="record-done"')[1].split('id="record-step"')[0]
    assert ('data-testid="done-assessment"' in summary) == (step != "assessment")
    assert ('data-testid="done-needles"' in summary) == (step != "needles")
    event = AuditEvent.objects.get(action="sessions.session.viewed")
    assert event.actor == practitioner.user and event.data == {"view": "record"}
    assert event.object_id == str(draft.uuid) and event.patient_id == draft.patient_id


def test_htmx_gets_only_the_step_with_the_steps_and_summary_out_of_band(
    client, practitioner, draft
):
    client.force_login(practitioner.user)
    response = client.get(step_url(draft, "follow-up"), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page and "<title>Follow-up · Treatment record" in page
    assert 'id="section-followup"' in page and 'id="section-assessment"' not in page
    assert '<nav id="record-steps"' in page and '<div id="record-done" hx-swap-oob="true"' in page
    # Going back to a step htmx no longer holds asks for the whole page.
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in client.get(step_url(draft, "follow-up"), headers=restore).content.decode()


def test_a_step_links_to_the_next_one_with_and_without_js(client, practitioner, draft):
    client.force_login(practitioner.user)
    page = client.get(step_url(draft, "needles")).content.decode()
    link = page.split('data-testid="next-step"')[0].rsplit("<a ", 1)[1]
    assert f'href="{step_url(draft, "retention")}"' in link
    assert "Next step: Retention and count" in page
    assert 'data-testid="next-step"' not in client.get(step_url(draft, "sign")).content.decode()


def test_an_unknown_step_is_not_found(client, practitioner, draft):
    client.force_login(practitioner.user)
    assert client.get(f"/records/{draft.uuid}/step/needling/").status_code == 404
    assert client.get(f"/records/{draft.uuid}/step/").status_code == 404


def test_a_signed_records_steps_go_to_the_read_only_record(
    client, practitioner, other_practitioner, draft
):
    NeedlePlacementFactory(session=draft)
    sign(draft, practitioner)
    for user in (practitioner.user, other_practitioner.user):
        client.force_login(user)
        for step in STEP_SECTIONS:
            response = client.get(step_url(draft, step))
            assert response.status_code == 302 and response["Location"] == record_url(draft)
    assert not AuditEvent.objects.filter(action="sessions.session.viewed").exists()


def test_another_practitioners_draft_has_no_steps(client, other_practitioner, draft):
    client.force_login(other_practitioner.user)
    assert client.get(step_url(draft, "needles")).status_code == 404


def test_another_practitioners_draft_is_not_found(client, other_practitioner, draft):
    client.force_login(other_practitioner.user)
    assert client.get(record_url(draft)).status_code == 404
    assert not AuditEvent.objects.filter(action="sessions.session.viewed").exists()


def test_front_desk_and_clinic_admin_do_not_find_records(client, front_desk, clinic_admin, draft):
    for user in (front_desk, clinic_admin):
        client.force_login(user)
        assert client.get(record_url(draft)).status_code == 404
        assert client.get(record_url(draft, "print")).status_code == 404


def test_a_signed_record_is_read_only_for_its_author_and_for_other_practitioners(
    client, practitioner, other_practitioner, draft
):
    NeedlePlacementFactory(session=draft)
    sign(draft, practitioner)
    for user in (practitioner.user, other_practitioner.user):
        client.force_login(user)
        page = client.get(record_url(draft)).content.decode()
        assert 'data-testid="record-readonly"' in page
        assert 'id="section-assessment"' not in page
        assert "Signed</span> by Pat Practitioner" in page
        assert 'data-testid="addendum-form"' in page  # corrections: any practitioner
    readers = AuditEvent.objects.filter(action="sessions.session.viewed").values_list(
        "actor", flat=True
    )
    assert sorted(readers) == sorted([practitioner.user.pk, other_practitioner.user.pk])


def test_the_record_shows_the_patients_flags(client, practitioner):
    session = TreatmentSessionFactory(
        practitioner=practitioner, patient=PatientFactory(has_implanted_device=True)
    )
    client.force_login(practitioner.user)
    page = client.get(record_url(session), follow=True).content.decode()
    assert "Pacemaker or implanted device: no electroacupuncture" in page


# --- Print page -------------------------------------------------------------------------


def test_the_print_page_shows_the_whole_signed_record_with_addenda(
    client, practitioner, other_practitioner, draft
):
    TreatmentSession.objects.filter(pk=draft.pk).update(
        pain_locations=["lumbar_left", "buttock_left"],
        odi_pain_intensity=3,
        odi_personal_care=2,
        odi_lifting=4,
        odi_walking=2,
        odi_sitting=3,
        odi_standing=2,
        odi_sleeping=2,
        odi_sex_life=None,
        odi_social_life=2,
        odi_travelling=1,
        next_visit_in_days=7,
    )
    draft.refresh_from_db()
    NeedlePlacementFactory(session=draft, acupoint=point("BL23"), side="bilateral")
    NeedlePlacementFactory(session=draft, acupoint=point("GV4"), side="midline")
    AdverseEvent.objects.create(
        session=draft, type="bruising", severity="mild", action_taken="Pressure for a minute"
    )
    sign(draft, practitioner)
    services.add_addendum(
        session=draft, by=other_practitioner.user, reason="Typo", text="Left, not right."
    )
    client.force_login(practitioner.user)

    page = client.get(record_url(draft, "print")).content.decode()

    assert "BL23</strong> Shenshu" in page and "GV4</strong> Mingmen" in page
    # 21 of 45 answered points: 46.7 %, one section missing is still a score.
    assert "ODI 46.7 % · Severe disability (9 of 10 sections answered)" in page
    assert "Lower back, left; Buttock, left (radiating to the buttock or leg)" in page
    assert "25 minutes" in page
    assert "3 inserted, 3 removed (reconciled)" in page
    assert "Bruising or bleeding</strong> (mild): Pressure for a minute" in page
    assert "Signed by Pat Practitioner" in page
    assert "Olly Other</strong>" in page and "reason: Typo" in page
    assert AuditEvent.objects.filter(
        action="sessions.session.viewed", data={"view": "print"}
    ).exists()


def test_an_odi_with_two_sections_missing_is_incomplete(client, practitioner, draft):
    TreatmentSession.objects.filter(pk=draft.pk).update(
        odi_pain_intensity=3, odi_personal_care=2, odi_lifting=4
    )
    client.force_login(practitioner.user)
    page = client.get(record_url(draft, "print")).content.decode()
    assert "ODI incomplete: 3 of 10 sections answered" in page


# --- Point typeahead -------------------------------------------------------------------


def test_the_typeahead_finds_points_by_code_alias_and_name(client, practitioner):
    client.force_login(practitioner.user)

    def codes(**query):
        page = client.get(reverse("records:points"), query).content.decode()
        return [part.split('"')[0] for part in page.split('data-code="')[1:]]

    assert codes(q="bl2")[:3] == ["BL2", "BL20", "BL21"] and len(codes(q="bl2")) == 11
    assert len(codes(q="bl")) == 12  # at most 12
    assert codes(q="lv3")[0] == "LR3"
    assert codes(acupoint="Shenshu")[0] == "BL23"  # htmx sends the input's own name
    assert codes(q="") == []
    assert (
        "No point matches" in client.get(reverse("records:points"), {"q": "zz9"}).content.decode()
    )


# --- A fixed number of queries ---------------------------------------------------------


def _record_with(practitioner, placements):
    session = TreatmentSessionFactory(practitioner=practitioner)
    for _ in range(placements):
        NeedlePlacementFactory(session=session)
    return session


def test_the_read_only_record_makes_a_fixed_number_of_queries(
    client, practitioner, other_practitioner, django_assert_num_queries
):
    small, large = _record_with(practitioner, 2), _record_with(practitioner, 12)
    for session in (small, large):
        AdverseEvent.objects.create(
            session=session, type="pain", severity="mild", action_taken="Reassured"
        )
        sign(session, practitioner)
    for _ in range(5):
        services.add_addendum(
            session=large, by=other_practitioner.user, reason="More", text="Details"
        )
    Addendum.objects.create(session=small, author=practitioner.user, reason="R", text="T")
    client.force_login(practitioner.user)
    client.get(record_url(small))  # the first request of a client warms its session

    with CaptureQueriesContext(connection) as queries:
        assert client.get(record_url(small)).status_code == 200
    with django_assert_num_queries(len(queries)):
        assert client.get(record_url(large)).status_code == 200


# Every step: the session, the user, the record (with its patient, practitioner
# and their user, appointment and room: one query), its placements, the audit
# write and the clinic's settings (6), the session's refresh that tests make on
# every request (SESSION_REFRESH_SECONDS = 0: savepoint, update, release: 3);
# and then:
BASE = 6 + 3
STEP_QUERIES = {
    "assessment": BASE + 1,  # intake answers still to review
    # overrides, skin-lesion sites (the cautions), consent, the last signed
    # session (copy), any protocol?, the needle select (twice: its options, and
    # Django's check of the first one for the required attribute)
    "needles": BASE + 7,
    "retention": BASE + 2,  # adverse events, consent (before needles in)
    "follow-up": BASE,
    "sign": BASE + 3,  # overrides, skin-lesion sites, the licence (checklist)
}


@pytest.mark.parametrize("step", list(STEP_SECTIONS))
def test_each_step_makes_a_fixed_number_of_queries(
    client, practitioner, django_assert_num_queries, step
):
    small, large = _record_with(practitioner, 2), _record_with(practitioner, 12)
    for session in (small, large):
        AdverseEvent.objects.create(
            session=session, type="pain", severity="mild", action_taken="Reassured"
        )
    client.force_login(practitioner.user)
    client.get(step_url(small, step))  # the first request of a client warms its session

    for session in (small, large):
        with django_assert_num_queries(STEP_QUERIES[step]):
            assert client.get(step_url(session, step)).status_code == 200
    with django_assert_num_queries(STEP_QUERIES[step]):
        assert client.get(step_url(large, step), headers={"HX-Request": "true"}).status_code == 200


def test_an_other_practitioners_signed_record_can_be_printed(
    client, practitioner, other_practitioner
):
    session = _record_with(other_practitioner, 1)
    sign(session, other_practitioner)
    client.force_login(practitioner.user)
    assert client.get(record_url(session, "print")).status_code == 200
    draft = _record_with(PractitionerFactory(), 1)
    assert client.get(record_url(draft, "print")).status_code == 404
