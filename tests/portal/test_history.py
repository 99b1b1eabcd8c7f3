"""The patient's treatment history (/portal/history/ and /portal/history/<uuid>/):
signed sessions only, what was done in plain words, follow-up and addenda,
none of the clinician's working notes, and a query count that does not grow."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.history import access_label, what_we_did
from sessions.models import Addendum, AdverseEvent, WarningOverride
from tests.factories import UserFactory
from tests.factories.sessions import NeedlePlacementFactory, point
from tests.factories.sessions import sign as sign_record
from tests.sessions.test_clinical_page import make_session  # signed, 25 minutes' retention


def sign(session, practitioner):
    """Sign by a plain UPDATE, after the placements (a signed record takes none)."""
    return sign_record(session, practitioner.user)


def get(client, user, path):
    client.force_login(user)
    return client.get(path)


# --- Access -----------------------------------------------------------------------


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get("/portal/history/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "practitioner", "clinic_admin"])
def test_it_is_for_patients_only(client, personas, patient_a, practitioner, role):
    session = make_session(patient_a, practitioner)
    assert get(client, personas[role], "/portal/history/").status_code == 403
    assert get(client, personas[role], f"/portal/history/{session.uuid}/").status_code == 403


@pytest.mark.django_db
def test_a_patient_account_without_a_record_gets_404(client):
    user = UserFactory(patient=True)
    assert get(client, user, "/portal/history/").status_code == 404


@pytest.mark.django_db
def test_drafts_and_other_patients_sessions_are_404(client, patient_a, patient_b, practitioner):
    draft = make_session(patient_a, practitioner, signed=False)
    others = make_session(patient_b, practitioner)
    for session in (draft, others):
        assert get(client, patient_a.user, f"/portal/history/{session.uuid}/").status_code == 404
    assert get(client, patient_a.user, f"/portal/history/{uuid.uuid4()}/").status_code == 404


@pytest.mark.django_db
def test_it_refuses_post(client, patient_a):
    client.force_login(patient_a.user)
    assert client.post("/portal/history/").status_code == 405


# --- What the history shows -----------------------------------------------------------


@pytest.mark.django_db
def test_it_lists_signed_sessions_only_newest_first(client, patient_a, practitioner):
    make_session(patient_a, practitioner, week=0, plan="First plan")
    make_session(patient_a, practitioner, week=1, plan="Second plan")
    make_session(patient_a, practitioner, week=2, plan="Draft plan", signed=False)

    html = get(client, patient_a.user, "/portal/history/").content.decode()

    assert "Draft plan" not in html
    assert html.index("Second plan") < html.index("First plan")
    assert html.count('data-testid="history-session"') == 2


@pytest.mark.django_db
def test_it_says_what_was_done_in_plain_words(client, patient_a, practitioner):
    session = make_session(patient_a, practitioner, points=("BL23", "GV4"), signed=False)
    NeedlePlacementFactory(
        session=session,
        acupoint=point("BL25"),
        side="left",
        stimulation="electro",
        ea_frequency="2",
        ea_minutes=20,
    )
    NeedlePlacementFactory(
        session=session, acupoint=point("ASHI"), side="right", ashi_location="2 cm right of L4"
    )
    sign(session, practitioner)

    response = get(client, patient_a.user, f"/portal/history/{session.uuid}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "Needles at BL23 Shenshu (both sides), GV4 Mingmen (midline), BL25 Dachangshu "
        "(left side) and a tender (Ashi) point, 2 cm right of L4 (right side): 5 needles in all."
    ) in html
    assert "The needles stayed in for 25 minutes." in html
    assert "at BL25 Dachangshu (2 Hz, 20 minutes)." in html
    assert "Electroacupuncture" in html


@pytest.mark.django_db
def test_it_shows_the_follow_up_scores_and_addenda(
    client, patient_a, practitioner, other_practitioner
):
    session = make_session(
        patient_a,
        practitioner,
        nprs=5,
        nprs_best=3,
        nprs_worst=8,
        response="better",
        response_notes="Could bend further",
        recommendations=["heat", "walking"],
        recommendation_notes="Ten minutes twice a day",
        plan="Weekly for four more weeks",
        next_visit_in_days=7,
    )
    Addendum.objects.create(
        session=session,
        author=other_practitioner.user,
        reason="Wrong side recorded",
        text="BL25 was needled on the right.",
    )

    html = get(client, patient_a.user, "/portal/history/").content.decode()

    assert "Pat Practitioner" in html
    assert "5 out of 10 at the visit; in the last 24 hours least 3, worst 8" in html
    assert "Better: Could bend further" in html
    assert "Heat on the lower back" in html and "Daily walking" in html
    assert "Ten minutes twice a day" in html
    assert "Weekly for four more weeks" in html
    assert "In 7 days" in html
    assert "Wrong side recorded" in html and "BL25 was needled on the right." in html
    assert "Olly Other" in html
    assert "Reactions noted" not in html


@pytest.mark.django_db
def test_it_keeps_the_clinicians_working_notes_out(client, patient_a, practitioner):
    session = make_session(
        patient_a,
        practitioner,
        signed=False,
        red_flags=["night_pain"],
        red_flag_decision="treated",
        red_flag_notes="RF-NOTE-XYZ",
        tcm_pattern="TCM-PATTERN-XYZ",
        tcm_tongue="TONGUE-XYZ",
        tcm_pulse="PULSE-XYZ",
        contraindication_notes="CONTRA-XYZ",
    )
    WarningOverride.objects.create(
        session=session,
        kind="skin_lesion",
        detail="BL23 at a lesion",
        reason="OVERRIDE-REASON-XYZ",
        by=practitioner.user,
    )
    AdverseEvent.objects.create(
        session=session, type="bruising", severity="mild", action_taken="Pressure applied"
    )
    sign(session, practitioner)

    for path in ("/portal/history/", f"/portal/history/{session.uuid}/"):
        html = get(client, patient_a.user, path).content.decode()
        for secret in ("RF-NOTE", "TCM-PATTERN", "TONGUE-", "PULSE-", "CONTRA-", "OVERRIDE-"):
            assert secret not in html, (path, secret)
        # A reaction the patient had is theirs to read.
        assert "Bruising or bleeding (mild): Pressure applied" in html


@pytest.mark.django_db
def test_it_says_when_there_is_nothing_yet(client, patient_a):
    response = get(client, patient_a.user, "/portal/history/")
    assert response.status_code == 200
    assert 'data-testid="no-history"' in response.content.decode()


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_history(client, patient_a, practitioner):
    def count():
        client.force_login(patient_a.user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/portal/history/").status_code == 200
        return len(queries)

    session = make_session(patient_a, practitioner, points=("BL23", "GV4"))
    Addendum.objects.create(session=session, author=practitioner.user, reason="r", text="t")
    one = count()
    for week in range(1, 5):
        session = make_session(patient_a, practitioner, week=week, points=("BL23", "BL25", "GV4"))
        Addendum.objects.create(session=session, author=practitioner.user, reason="r", text="t")
    assert count() == one


# --- The plain words themselves ----------------------------------------------------------


@pytest.mark.django_db
def test_what_we_did_names_manual_and_warm_needle_stimulation(practitioner, patient_a):
    session = make_session(patient_a, practitioner, points=(), signed=False)
    NeedlePlacementFactory(
        session=session, acupoint=point("BL40"), stimulation="manual", manual_method="even"
    )
    NeedlePlacementFactory(
        session=session, acupoint=point("GV3"), side="midline", stimulation="warm_needle"
    )

    sentences = what_we_did(session)

    assert sentences[0] == (
        "Needles at BL40 Weizhong (both sides) and GV3 Yaoyangguan (midline): 3 needles in all."
    )
    assert any(
        s.startswith("Manual stimulation") and "BL40 Weizhong (even)" in s for s in sentences
    )
    assert any(s.startswith("Warm needle") and "GV3 Yaoyangguan." in s for s in sentences)


@pytest.mark.django_db
def test_what_we_did_without_needles(practitioner, patient_a):
    session = make_session(patient_a, practitioner, points=(), signed=False)
    assert what_we_did(session) == ["No needles were used in this session."]


def test_access_labels_are_plain_words():
    assert access_label("sessions.session.viewed") == "Opened a treatment record"
    assert (
        access_label("patients.patient.viewed", {"clinical_flags_shown": True})
        == "Opened your details and health information"
    )
    assert access_label("scheduling.appointment.whatever") == "Changed an appointment"
    assert access_label("sessions.something.new") == "Worked on a treatment record"
    assert access_label("unknown.thing") == "Worked on your record"
