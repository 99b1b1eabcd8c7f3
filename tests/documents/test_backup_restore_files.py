"""scripts/backup and scripts/restore carry the documents' files with the database.

A document is attached in a fresh database (in a subprocess, to a folder of its
own), the scripts back it up and restore it into a second database with
another documents folder, and the file comes back byte for byte beside its row.
About 10 s, like tests/audit/test_backup_restore.py, whose helpers it uses.
"""

import hashlib

import pytest

from tests.audit.test_backup_restore import (
    SCRIPTS,
    connect,
    database_url,
    manage,
    query,
    run,
)
from tests.audit.test_backup_restore import databases_on_the_test_server as _databases

databases_on_the_test_server = pytest.fixture(_databases.__wrapped__)

ATTACH = """
from django.core.files.uploadedfile import SimpleUploadedFile
from accounts.models import User
from documents.services import attach_document
from tests.factories import PatientFactory
user = User.objects.create_user(email="prac@example.net", password="x" * 12, role="practitioner")
attach_document(
    patient=PatientFactory(), uploaded=SimpleUploadedFile("mri.pdf", b"%PDF-1.4 MRI report %%EOF"),
    kind="imaging", document_date="2026-11-02", by=user, clinical=True,
)
"""


def test_backup_and_restore_carry_the_document_files(
    databases_on_the_test_server, tmp_path, monkeypatch
):
    server, (source_name, target_name) = databases_on_the_test_server
    source_url, target_url = (database_url(server, n) for n in (source_name, target_name))
    source_files, target_files = tmp_path / "source-files", tmp_path / "target-files"

    monkeypatch.setenv("PRIVATE_MEDIA_ROOT", str(source_files))
    manage("migrate", "--no-input", "-v", "0", database_url=source_url)
    manage("shell", "-c", ATTACH, database_url=source_url)
    (stored,) = [p for p in source_files.rglob("*") if p.is_file()]

    dump = tmp_path / "clinic.dump"
    out = run([str(SCRIPTS / "backup"), str(dump)], source_url)
    assert "Backed up 1 document file" in out
    archive = tmp_path / "clinic.dump.documents.tar"
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # patient data: owner only

    # The target already has a documents folder: it is kept aside, not deleted.
    (target_files / "old").mkdir(parents=True)
    (target_files / "old" / "before.pdf").write_bytes(b"%PDF-old")
    monkeypatch.setenv("PRIVATE_MEDIA_ROOT", str(target_files))
    out = run([str(SCRIPTS / "restore"), "--yes", str(dump)], target_url)
    assert "Restored 1 document file" in out and "Audit trail intact." in out

    relative = stored.relative_to(source_files)
    assert (target_files / relative).read_bytes() == b"%PDF-1.4 MRI report %%EOF"
    (kept,) = tmp_path.glob("target-files.before-restore-*")
    assert (kept / "old" / "before.pdf").read_bytes() == b"%PDF-old"

    target = connect(server, target_name)
    try:
        ((name, sha256),) = query(target, "SELECT file, sha256 FROM documents_document")
    finally:
        target.close()
    assert name == str(relative)
    assert sha256 == hashlib.sha256(b"%PDF-1.4 MRI report %%EOF").hexdigest()
