"""Informed consent (issue 11, point 7): the consent page, the service, the rule
the treatment record asks (``consent_problem``) and the database's guards."""

import base64
import datetime
import struct
import zlib

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from patients.consent import (
    ConsentError,
    consent_problem,
    publish_consent_text,
    record_consent,
    withdraw_consent,
)
from patients.models import Consent, ConsentText
from tests.factories import PatientFactory
from tests.factories.patients import ConsentFactory

DB_REFUSAL = (InternalError, ProgrammingError, IntegrityError)


def png(width=60, height=20) -> str:
    """A real (tiny, white) PNG as a data URL, as the signature pad sends it."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(data).decode()


def url(patient, suffix=""):
    return f"/patients/{patient.uuid}/consent/{suffix}"


def typed(**extra):
    return {
        "text_version": "1",
        "signature_method": "typed",
        "typed_name": "Alice Able",
        "typed_name_confirmed": "on",
    } | extra


def drawn(image=None, **extra):
    return {
        "text_version": "1",
        "signature_method": "drawn",
        "signature_image": image or png(),
    } | extra


@pytest.fixture
def minor(db):
    today = timezone.localdate()
    return PatientFactory(
        first_name="Mia", last_name="Minor", date_of_birth=today.replace(year=today.year - 14)
    )


@pytest.fixture
def pregnant(db):
    return PatientFactory(first_name="Pam", is_pregnant=True, skin_conditions="Eczema-ZZ")


# --- The page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_the_current_text_and_no_consent_to_front_desk(client_for, front_desk, pregnant):
    r = client_for(front_desk).get(url(pregnant))
    body = r.content.decode()
    assert r.status_code == 200
    assert "version 1" in body and "What acupuncture involves" in body
    assert "No informed consent on file" in body
    # The consent page is reception's too: it shows no clinical flag.
    assert "Pregnant" not in body and "Eczema-ZZ" not in body
    assert 'name="guardian_name"' not in body  # an adult signs for themself
    assert "js/signature-pad.js" in body and "<canvas" in body


@pytest.mark.django_db
def test_it_records_a_typed_consent_with_the_patients_confirmation(
    client_for, front_desk, patient_a
):
    r = client_for(front_desk).post(url(patient_a), typed())
    assert r.status_code == 302 and r["Location"] == url(patient_a)
    consent = Consent.objects.get(patient=patient_a)
    assert (consent.kind, consent.signer, consent.signature_method) == ("given", "patient", "typed")
    assert consent.typed_name == "Alice Able" and consent.typed_name_confirmed
    assert consent.consent_text.version == "1" and consent.recorded_by == front_desk
    assert consent_problem(patient_a, timezone.localdate()) is None
    event = AuditEvent.objects.get(action="patients.consent.given")
    # The audit trail says what kind of consent, never a name or a signature.
    assert event.data == {
        "consent_text_version": "1",
        "signer": "patient",
        "signature_method": "typed",
    }
    assert event.patient == patient_a
    page = client_for(front_desk).get(url(patient_a)).content.decode()
    assert "Consent on file" in page and "Typed: Alice Able (confirmed)" in page


@pytest.mark.django_db
def test_it_records_a_drawn_signature_and_shows_it(client_for, practitioner, patient_a):
    client = client_for(practitioner.user)
    image = png()
    assert client.post(url(patient_a), drawn(image)).status_code == 302
    consent = Consent.objects.get(patient=patient_a)
    assert consent.signature_method == "drawn" and consent.signature_image == image
    assert f'src="{image}"' in client.get(url(patient_a)).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (typed(typed_name_confirmed=""), "Tick that the signer confirmed"),
        (typed(typed_name="   "), "Type the signer&#x27;s full name"),
        (drawn(image=" "), "Draw the signature in the box"),
        (drawn(image="data:image/png;base64,aGVsbG8gd29ybGQ="), "is not a PNG image"),
        (drawn(image="data:image/gif;base64,R0lGODlhAQABAAAAACw="), "could not be read"),
        (drawn(image="data:image/png;base64,%%%not-base64"), "could not be read"),
        (drawn(image=png(width=5000)), "odd size"),
        (drawn(image="data:image/png;base64," + "A" * 200_000), "too large"),
        (typed(text_version="0"), "changed to version 1 while this page was open"),
        ({"text_version": "1"}, "This field is required"),
    ],
    ids=[
        "not confirmed", "no name", "nothing drawn", "not a png", "a gif", "not base64",
        "huge image", "too large", "old wording", "no method",
    ],
)  # fmt: skip
def test_it_refuses_an_incomplete_or_odd_signature_and_saves_nothing(
    client_for, front_desk, patient_a, data, message
):
    r = client_for(front_desk).post(url(patient_a), data)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="patients.consent").exists()


@pytest.mark.django_db
def test_a_minor_needs_a_guardians_consent(client_for, front_desk, minor):
    client = client_for(front_desk)
    page = client.get(url(minor)).content.decode()
    assert 'name="guardian_name"' in page and "under 18" in page
    r = client.post(url(minor), typed(typed_name="Mia Minor"))
    assert r.status_code == 200 and not Consent.objects.exists()
    assert "This field is required" in r.content.decode()

    r = client.post(
        url(minor),
        typed(
            typed_name="Gina Minor", guardian_name=" Gina  Minor ", guardian_relationship="mother"
        ),
    )
    assert r.status_code == 302
    consent = Consent.objects.get(patient=minor)
    assert (consent.signer, consent.guardian_name, consent.guardian_relationship) == (
        "guardian",
        "Gina Minor",
        "mother",
    )
    assert consent_problem(minor, timezone.localdate()) is None
    assert "Gina Minor (mother)" in client.get(url(minor)).content.decode()


@pytest.mark.django_db
def test_the_service_refuses_a_minor_without_a_guardian(front_desk, minor):
    with pytest.raises(ConsentError, match="under 18"):
        record_consent(patient=minor, by=front_desk, data=typed(typed_name="Mia Minor"))
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_an_archived_patient(front_desk, patient_a):
    patient_a.archived_at = timezone.now()
    patient_a.save(update_fields=["archived_at"])
    with pytest.raises(ConsentError, match="archived"):
        record_consent(patient=patient_a, by=front_desk, data=typed())


@pytest.mark.django_db
def test_a_withdrawal_is_a_new_row_and_stops_needling_until_consent_again(
    client_for, front_desk, patient_a
):
    client = client_for(front_desk)
    client.post(url(patient_a), typed())
    r = client.post(url(patient_a, "withdraw/"), {"note": "Phoned reception"})
    assert r.status_code == 302
    given, withdrawn = Consent.objects.order_by("given_at", "id")
    assert (given.kind, withdrawn.kind) == ("given", "withdrawn")
    assert withdrawn.note == "Phoned reception" and withdrawn.consent_text is None
    problem = consent_problem(patient_a, timezone.localdate())
    assert problem.startswith("The patient withdrew consent on")
    assert AuditEvent.objects.get(action="patients.consent.withdrawn").data == {}
    page = client.get(url(patient_a)).content.decode()
    assert "The patient withdrew consent" in page and "Phoned reception" in page
    assert "Record the withdrawal" not in page  # nothing left to withdraw

    # A second withdrawal is refused with a message; nothing written.
    r = client.post(url(patient_a, "withdraw/"), {"note": ""}, follow=True)
    assert "There is no consent on file to withdraw." in r.content.decode()
    assert Consent.objects.count() == 2

    client.post(url(patient_a), typed())
    assert consent_problem(patient_a, timezone.localdate()) is None
    assert Consent.objects.count() == 3


@pytest.mark.django_db
def test_withdrawing_without_a_consent_is_refused(front_desk, patient_a):
    with pytest.raises(ConsentError, match="no consent on file"):
        withdraw_consent(patient=patient_a, by=front_desk)


@pytest.mark.django_db
def test_the_page_refuses_patients_and_answers_404_for_an_unknown_record(
    client_for, patient_a, front_desk
):
    assert client_for(patient_a.user).get(url(patient_a)).status_code == 403
    assert client_for(patient_a.user).post(url(patient_a), typed()).status_code == 403
    unknown = "/patients/00000000-0000-4000-8000-000000000000/consent/"
    assert client_for(front_desk).get(unknown).status_code == 404
    assert client_for(front_desk).get(url(patient_a, "withdraw/")).status_code == 405
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_the_page_makes_a_fixed_number_of_queries(
    client_for, front_desk, patient_a, django_assert_num_queries
):
    for _ in range(3):
        ConsentFactory(patient=patient_a, recorded_by=front_desk)
    client = client_for(front_desk)
    # session / user / patient / current consent text / history with its texts and
    # recorders / session save (savepoint, update, release)
    with django_assert_num_queries(8):
        assert client.get(url(patient_a)).status_code == 200


@pytest.mark.django_db
def test_the_patient_page_links_to_consent_with_its_status(client_for, front_desk, minor):
    client = client_for(front_desk)
    body = client.get(f"/patients/{minor.uuid}/").content.decode()
    assert url(minor) in body and "Not recorded" in body
    ConsentFactory(patient=minor)  # signed by the patient: not valid for a minor
    body = client.get(f"/patients/{minor.uuid}/").content.decode()
    assert "a parent or guardian must give consent" in body
    ConsentFactory(patient=minor, guardian=True)
    body = client.get(f"/patients/{minor.uuid}/").content.decode()
    assert "Given " in body and "text version 1" in body


# --- consent_problem: what the treatment record asks -------------------------------------


@pytest.mark.django_db
def test_consent_problem_on_a_day(patient_a, minor):
    today = timezone.localdate()
    assert consent_problem(patient_a, today).startswith("No informed consent on file")
    ConsentFactory(patient=patient_a, given_at=timezone.now() - datetime.timedelta(days=3))
    assert consent_problem(patient_a, today) is None
    # Not yet given on an earlier day.
    earlier = today - datetime.timedelta(days=10)
    assert consent_problem(patient_a, earlier).startswith("No informed consent on file")

    ConsentFactory(patient=minor)
    assert consent_problem(minor, today) == (
        "The patient is under 18: a parent or guardian must give consent before needling."
    )
    ConsentFactory(patient=minor, guardian=True)
    assert consent_problem(minor, today) is None


@pytest.mark.django_db
def test_a_minors_patient_signed_consent_becomes_enough_at_18(db):
    today = timezone.localdate()
    patient = PatientFactory(date_of_birth=today.replace(year=today.year - 18))
    ConsentFactory(patient=patient, given_at=timezone.now() - datetime.timedelta(days=2))
    assert consent_problem(patient, today) is None
    assert "under 18" in consent_problem(patient, today - datetime.timedelta(days=1))


# --- The database: consents are never changed, deleted or truncated ---------------------


def _refused(sql, params=()):
    with pytest.raises(DB_REFUSAL), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no FK check
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_postgresql_refuses_to_change_delete_or_truncate_consents(patient_a):
    consent = ConsentFactory(patient=patient_a)
    _refused("UPDATE patients_consent SET typed_name = 'Someone Else' WHERE id = %s", [consent.pk])
    _refused("DELETE FROM patients_consent WHERE id = %s", [consent.pk])
    _refused("TRUNCATE patients_consent")
    _refused("TRUNCATE patients_patient CASCADE")
    consent.refresh_from_db()
    assert consent.typed_name == "Alice Able"


@pytest.mark.django_db
def test_postgresql_keeps_consent_wording_as_it_was():
    text = ConsentText.objects.get(version="1")
    _refused("UPDATE patients_consenttext SET text = 'Other words' WHERE id = %s", [text.pk])
    _refused("UPDATE patients_consenttext SET version = '1b' WHERE id = %s", [text.pk])
    _refused("DELETE FROM patients_consenttext WHERE id = %s", [text.pk])
    _refused("TRUNCATE patients_consenttext CASCADE")
    with connection.cursor() as cursor:  # which version is current may change
        cursor.execute(
            "UPDATE patients_consenttext SET is_current = false WHERE id = %s", [text.pk]
        )
    text.refresh_from_db()
    assert not text.is_current


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"typed_name_confirmed": False},
        {"typed_name": ""},
        {"signature_method": "drawn", "signature_image": ""},
        {"signer": "guardian"},  # without a guardian's name
        {"guardian_name": "Gina", "guardian_relationship": "mother"},  # but signed by the patient
        {"consent_text": None},
        {"kind": "withdrawn"},  # a withdrawal carries no signature
    ],
)
def test_postgresql_refuses_an_incomplete_consent(patient_a, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentFactory(patient=patient_a, **fields)


# --- The consent wording: versions in the Django admin (clinic admin) -------------------


@pytest.mark.django_db
def test_a_new_version_becomes_the_only_current_one(
    client_for, clinic_admin, front_desk, patient_a
):
    client = client_for(clinic_admin)
    r = client.post(
        "/admin/patients/consenttext/add/",
        {"version": "2", "text": "New wording.", "is_current": "on"},
    )
    assert r.status_code == 302
    assert list(ConsentText.objects.current().values_list("version", flat=True)) == ["2"]
    assert AuditEvent.objects.get(action="patients.consent_text.added").data["version"] == "2"
    # A page opened on version 1 cannot record consent to it any more.
    r = client_for(front_desk).post(url(patient_a), typed(text_version="1"))
    assert "changed to version 2" in r.content.decode()
    assert client_for(front_desk).post(url(patient_a), typed(text_version="2")).status_code == 302


@pytest.mark.django_db
def test_the_admin_shows_a_versions_wording_read_only(client_for, clinic_admin):
    text = ConsentText.objects.get(version="1")
    client = client_for(clinic_admin)
    page = client.get(f"/admin/patients/consenttext/{text.pk}/change/").content.decode()
    assert 'name="text"' not in page and "What acupuncture involves" in page
    client.post(f"/admin/patients/consenttext/{text.pk}/change/", {"text": "Changed"})
    text.refresh_from_db()
    assert "What acupuncture involves" in text.text


@pytest.mark.django_db
def test_publishing_keeps_one_current_version(clinic_admin):
    second = publish_consent_text(
        consent_text=ConsentText(version="2", text="Two", is_current=True),
        changed=["version", "text", "is_current"],
        by=clinic_admin,
    )
    first = ConsentText.objects.get(version="1")
    assert second.is_current and not first.is_current
    first.is_current = True
    publish_consent_text(consent_text=first, changed=["is_current"], by=clinic_admin)
    assert list(ConsentText.objects.current().values_list("version", flat=True)) == ["1"]


@pytest.mark.django_db
def test_generate_scale_data_clear_may_still_empty_the_consents(patient_a):
    from scale.generator import clear_clinic_data

    ConsentFactory(patient=patient_a)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        clear_clinic_data()  # turns the guards off for its own transaction
        assert not Consent.objects.exists()
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("next_url", "back_to"),
    [
        ("/records/5b1c9a0e-0000-4000-8000-000000000000/", True),
        ("https://evil.example/records/", False),
        ("//evil.example/", False),
        ("javascript:alert(1)", False),
    ],
)
def test_it_returns_to_the_page_that_asked_only_on_this_site(
    client_for, practitioner, patient_a, next_url, back_to
):
    r = client_for(practitioner.user).post(f"{url(patient_a)}?next={next_url}", typed())
    assert r.status_code == 302
    assert r["Location"] == (next_url if back_to else url(patient_a))
