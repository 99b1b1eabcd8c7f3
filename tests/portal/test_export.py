"""The patient's export: the whole record as a JSON download (/portal/export.json)
and as a printable page (/portal/export/), built by portal.export.build_export
in a fixed number of queries, and written to the audit trail."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from clinic.models import ClinicSettings
from portal.export import build_export
from portal.models import PreVisitQuestionnaire
from sessions.models import Addendum, AdverseEvent, WarningOverride
from tests.factories.scheduling import AppointmentFactory
from tests.factories.sessions import NeedlePlacementFactory, point
from tests.portal.test_history import get, sign
from tests.sessions.test_clinical_page import make_session


@pytest.fixture
def record_of_a(patient_a, practitioner, other_practitioner):
    """Patient A's record: an appointment with a questionnaire, a signed session
    with placements, a reaction and an addendum, and a draft."""
    appointment = AppointmentFactory(patient=patient_a, practitioner=practitioner)
    PreVisitQuestionnaire.objects.create(
        appointment=appointment, nprs_now=5, nprs_best=2, nprs_worst=7, comments="Stiff mornings"
    )
    session = make_session(
        patient_a,
        practitioner,
        points=("BL23", "GV4"),
        signed=False,
        nprs_best=3,
        nprs_worst=8,
        recommendations=["heat"],
        plan="Weekly",
        red_flag_notes="RF-NOTE-XYZ",
        tcm_pattern="TCM-PATTERN-XYZ",
        contraindication_notes="CONTRA-XYZ",
    )
    WarningOverride.objects.create(
        session=session, kind="skin_lesion", detail="d", reason="OVERRIDE-XYZ", by=practitioner.user
    )
    AdverseEvent.objects.create(
        session=session, type="drowsiness", severity="mild", action_taken="Rested"
    )
    sign(session, practitioner)
    Addendum.objects.create(
        session=session, author=other_practitioner.user, reason="Typo", text="Plan is weekly."
    )
    make_session(patient_a, practitioner, week=1, plan="DRAFT-PLAN", signed=False)
    return appointment, session


# --- Access --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/portal/export.json", "/portal/export/"])
@pytest.mark.parametrize("role", ["front_desk", "practitioner", "clinic_admin"])
def test_it_is_for_patients_only(client, personas, path, role):
    assert get(client, personas[role], path).status_code == 403
    assert not AuditEvent.objects.filter(action="portal.export.downloaded").exists()


# --- The JSON download -------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_downloads_the_whole_record_as_json(client, patient_a, record_of_a):
    appointment, session = record_of_a

    response = get(client, patient_a.user, "/portal/export.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="record-{patient_a.patient_number}-')
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["format_version"] == 1
    assert data["patient"]["patient_number"] == patient_a.patient_number
    assert data["patient"]["date_of_birth"] == patient_a.date_of_birth.isoformat()
    assert data["contact"]["email"] == patient_a.email
    # Appointments, with the questionnaire.
    [exported_appointment] = data["appointments"]
    assert exported_appointment["id"] == str(appointment.uuid)
    assert exported_appointment["questionnaire"]["pain_now"] == 5
    assert exported_appointment["questionnaire"]["comments"] == "Stiff mornings"
    # Signed sessions only, with points (codes and names), scores, reactions and addenda.
    [exported] = data["sessions"]
    assert exported["id"] == str(session.uuid)
    points = exported["needling"]["points"]
    assert [(p["code"], p["name"], p["side"]) for p in points] == [
        ("BL23", "Shenshu", "Bilateral"),
        ("GV4", "Mingmen", "No side (midline or group)"),
    ]
    assert exported["needling"]["needles_inserted"] == 3
    assert exported["needling"]["retention_minutes"] == 25
    assert exported["what_we_did"][0].startswith("Needles at BL23 Shenshu (both sides)")
    assert exported["scores"]["pain_now"] == 6
    assert exported["scores"]["worst_pain_last_24_hours"] == 8
    assert exported["scores"]["odi"]["percent"] is None
    assert exported["follow_up"]["recommendations"] == ["Heat on the lower back"]
    assert exported["reactions"] == [
        {"what": "Drowsiness", "severity": "mild", "action_taken": "Rested"}
    ]
    assert exported["addenda"][0]["author"] == "Olly Other"
    assert exported["addenda"][0]["text"] == "Plan is weekly."
    text = response.content.decode()
    for left_out in ("DRAFT-PLAN", "RF-NOTE", "TCM-PATTERN", "CONTRA-", "OVERRIDE-"):
        assert left_out not in text, left_out


@pytest.mark.django_db
def test_the_download_is_audited(client, patient_a):
    get(client, patient_a.user, "/portal/export.json")
    event = AuditEvent.objects.get(action="portal.export.downloaded")
    assert event.actor == patient_a.user and event.patient == patient_a
    assert event.data == {"format": "json"}


@pytest.mark.django_db
def test_it_holds_nothing_of_another_patient(client, patient_a, patient_b, practitioner):
    make_session(patient_b, practitioner, plan="BOBS-PLAN")
    AppointmentFactory(patient=patient_b, practitioner=practitioner)

    data = json.loads(get(client, patient_a.user, "/portal/export.json").content)

    assert data["appointments"] == [] and data["sessions"] == []
    assert "Baker" not in json.dumps(data)


# --- Building it -------------------------------------------------------------------------------


def _queries(patient):
    with CaptureQueriesContext(connection) as queries:
        build_export(patient)
    return len(queries)


@pytest.mark.django_db
def test_it_takes_the_same_queries_for_one_session_or_five(patient_a, practitioner):
    def add(week):
        appointment = AppointmentFactory(
            patient=patient_a,
            practitioner=practitioner,
            start_at=datetime.datetime(2030, 1, 7, 10, tzinfo=datetime.UTC)
            + datetime.timedelta(weeks=week),
        )
        PreVisitQuestionnaire.objects.create(
            appointment=appointment, nprs_now=5, nprs_best=2, nprs_worst=7
        )
        session = make_session(
            patient_a, practitioner, week=week, points=("BL23", "BL25"), signed=False
        )
        NeedlePlacementFactory(session=session, acupoint=point("GV4"), side="midline")
        AdverseEvent.objects.create(session=session, type="pain", severity="mild", action_taken="-")
        sign(session, practitioner)
        Addendum.objects.create(session=session, author=practitioner.user, reason="r", text="t")

    ClinicSettings.load()  # made on first use: not part of the count
    add(0)
    one = _queries(patient_a)
    for week in range(1, 5):
        add(week)
    assert _queries(patient_a) == one
    # Settings, appointments, sessions, placements, adverse events, addenda, consents,
    # intake answers, documents.
    assert one == 9


# --- The printable page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_printable_page_shows_the_same_record(client, patient_a, record_of_a):
    response = get(client, patient_a.user, "/portal/export/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "css/record.css" in html  # its print rules hide the menu and buttons
    assert 'href="/portal/export.json"' in html
    assert patient_a.patient_number in html
    assert "Needles at BL23 Shenshu (both sides) and GV4 Mingmen (midline)" in html
    assert "Stiff mornings" in html
    assert "Plan is weekly." in html
    for left_out in ("DRAFT-PLAN", "RF-NOTE", "TCM-PATTERN", "CONTRA-", "OVERRIDE-"):
        assert left_out not in html, left_out
    event = AuditEvent.objects.get(action="portal.export.downloaded")
    assert event.data == {"format": "html"}


@pytest.mark.django_db
def test_it_exports_the_patients_consents_with_the_wording_and_signature(client, patient_a):
    from tests.factories.patients import ConsentFactory

    ConsentFactory(patient=patient_a, typed_name="Alice Able")
    ConsentFactory(
        patient=patient_a,
        signature_method="drawn",
        typed_name="",
        typed_name_confirmed=False,
        signature_image="data:image/png;base64,iVBORw0KGgo=",
    )
    data = json.loads(get(client, patient_a.user, "/portal/export.json").content)
    drawn, typed = data["consents"]
    assert (typed["what"], typed["consent_text_version"], typed["typed_name"]) == (
        "Consent given",
        "1",
        "Alice Able",
    )
    assert "What acupuncture involves" in typed["consent_text"]
    assert drawn["signature_image"] == "data:image/png;base64,iVBORw0KGgo="
    html = get(client, patient_a.user, "/portal/export/").content.decode()
    assert "Your consent to acupuncture" in html and "typed name “Alice Able”, confirmed" in html
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html


@pytest.mark.django_db
def test_it_exports_the_documents_shared_with_the_patient_with_their_files(
    client, patient_a, practitioner
):
    import base64

    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.services import attach_document

    content = b"%PDF-1.4 scan report %%EOF"
    for shared, name in ((True, "mri.pdf"), (False, "internal.pdf")):
        attach_document(
            patient=patient_a,
            uploaded=SimpleUploadedFile(name, content),
            kind="imaging",
            document_date=datetime.date(2026, 11, 2),
            by=practitioner.user,
            shared_with_patient=shared,
        )
    client.force_login(patient_a.user)
    data = client.get("/portal/export.json").json()
    assert [d["file_name"] for d in data["documents"]] == ["mri.pdf"]
    assert base64.b64decode(data["documents"][0]["content_base64"]) == content
    assert "mri.pdf" in client.get("/portal/export/").content.decode()
