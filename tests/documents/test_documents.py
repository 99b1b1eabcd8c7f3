"""Attaching, listing, downloading and filing documents in error."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from documents.models import Document
from tests.documents.conftest import EXE_BYTES, PNG_BYTES, upload


def url(patient):
    return f"/documents/patients/{patient.uuid}/"


def _post(client, patient, **fields):
    data = {"kind": "referral", "document_date": "2026-11-20", "file": upload()} | fields
    return client.post(url(patient), data)


def test_front_desk_attaches_a_letter(client_for, front_desk, patient_a, settings):
    response = _post(client_for(front_desk), patient_a, description="From Dr Jones")
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.original_name == "letter.pdf" and document.content_type == "application/pdf"
    assert not document.clinical
    # Stored outside the static and web roots, under a name that says nothing.
    path = document.file.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert "letter" not in path and str(patient_a.uuid) not in path
    assert AuditEvent.objects.filter(action="documents.document.attached").exists()


def test_an_exe_renamed_pdf_is_refused_and_nothing_stored(
    client_for, front_desk, patient_a, settings
):
    response = _post(client_for(front_desk), patient_a, file=upload("scan.pdf", EXE_BYTES))
    assert response.status_code == 200
    assert "not a PDF, JPEG or PNG" in response.content.decode()
    assert not Document.objects.exists()
    assert not settings.PRIVATE_MEDIA_ROOT.exists() or not any(
        p.is_file() for p in settings.PRIVATE_MEDIA_ROOT.rglob("*")
    )


def test_an_oversized_file_is_refused_and_nothing_stored(
    client_for, front_desk, patient_a, settings
):
    settings.DOCUMENTS_MAX_BYTES = 100
    response = _post(client_for(front_desk), patient_a, file=upload(content=b"%PDF-" + b"x" * 500))
    assert "too large" in response.content.decode()
    assert not Document.objects.exists()


def test_a_name_with_a_path_keeps_only_its_last_part(client_for, front_desk, patient_a):
    # Django's upload parser already drops folders and control characters from the
    # name the browser sends; what is left is stored, under our own file name.
    response = _post(client_for(front_desk), patient_a, file=upload("../../etc/pass\x07wd.pdf"))
    assert response.status_code == 302
    assert Document.objects.get().original_name == "passwd.pdf"


def test_a_bad_name_given_to_the_service_is_refused(attach, patient_a):
    from documents.services import DocumentError

    with pytest.raises(DocumentError, match="folder path"):
        attach(patient_a, uploaded=upload("..\\evil.pdf"))
    assert not Document.objects.exists()


def test_download_checks_access_sets_headers_and_audits(
    client_for, practitioner, front_desk, patient_a, patient_b, attach
):
    clinical = attach(
        patient_a, clinical=True, uploaded=upload("MRI.png", PNG_BYTES, "application/pdf")
    )
    client = client_for(practitioner.user)
    response = client.get(f"/documents/{clinical.uuid}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="MRI.png"'
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert (
        AuditEvent.objects.filter(action="documents.document.read", actor=practitioner.user).count()
        == 1
    )
    # Clinical: not the front desk; not shared: not the patient.
    assert client_for(front_desk).get(f"/documents/{clinical.uuid}/download/").status_code == 404
    assert (
        client_for(patient_a.user).get(f"/documents/{clinical.uuid}/download/").status_code == 404
    )


def test_the_patient_sees_shared_documents_and_uploads_their_own(
    client_for, patient_a, patient_b, attach
):
    shared = attach(patient_a, shared_with_patient=True)
    attach(patient_a)  # not shared
    others = attach(patient_b, shared_with_patient=True)
    client = client_for(patient_a.user)
    page = client.get("/documents/mine/").content.decode()
    assert page.count('data-testid="document-row"') == 1
    assert client.get(f"/documents/{shared.uuid}/download/").status_code == 200
    assert client.get(f"/documents/{others.uuid}/download/").status_code == 404
    response = client.post(
        "/documents/mine/",
        {"kind": "imaging", "document_date": "2026-11-01", "file": upload("mri.pdf")},
    )
    assert response.status_code == 302
    mine = Document.objects.get(original_name="mri.pdf")
    assert mine.uploaded_by_patient and mine.clinical and mine.shared_with_patient


def test_filed_in_error_hides_and_keeps_it(client_for, front_desk, patient_a, attach):
    document = attach(patient_a)
    client = client_for(front_desk)
    response = client.post(
        f"/documents/patients/{patient_a.uuid}/{document.uuid}/filed-in-error/",
        {"reason": "Wrong patient"},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.is_filed_in_error and document.filed_in_error_by == front_desk
    assert 'data-testid="document-row"' not in client.get(url(patient_a)).content.decode()
    assert client.get(f"/documents/{document.uuid}/download/").status_code == 404
    assert AuditEvent.objects.filter(action="documents.document.filed_in_error").exists()
    assert document.file.storage.exists(document.file.name)  # kept


def test_postgresql_never_deletes_a_document(patient_a, attach):
    document = attach(patient_a)
    for sql in (
        "DELETE FROM documents_document",
        "UPDATE documents_document SET file = 'other'",
        "TRUNCATE documents_document",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert Document.objects.filter(pk=document.pk).exists()


def test_the_list_makes_a_fixed_number_of_queries(
    client_for, practitioner, patient_a, attach, django_assert_num_queries
):
    for _ in range(4):
        attach(patient_a)
    client = client_for(practitioner.user)
    # session / user / patient / documents with their uploaders / session save (3)
    with django_assert_num_queries(7):
        assert client.get(url(patient_a)).status_code == 200


def test_the_patients_page_makes_a_fixed_number_of_queries(
    client_for, patient_a, attach, django_assert_num_queries
):
    for _ in range(3):
        attach(patient_a, shared_with_patient=True)
    client = client_for(patient_a.user)
    # session / user / own patient / shared documents / session save (3)
    with django_assert_num_queries(7):
        assert client.get("/documents/mine/").status_code == 200
