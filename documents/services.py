"""Attaching, reading and filing documents in error: checked, atomic, audited.

A file is checked by its content (``documents.checks``) before anything is
written; if the database refuses the row, the file just written is removed
again, so a refused upload leaves nothing behind. Audit events name the
document and its kind, never its name or content.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import audit.services
from documents.checks import check_content, clean_name
from documents.models import Document
from patients.models import Patient


class DocumentError(ValidationError):
    """An upload or change the rules refuse; nothing was stored."""


def _sha256(uploaded) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def attach_document(
    *,
    patient: Patient,
    uploaded,
    kind: str,
    document_date,
    by,
    description: str = "",
    clinical: bool = False,
    shared_with_patient: bool = False,
    by_patient: bool = False,
) -> Document:
    try:
        found = check_content(uploaded)
        name = clean_name(uploaded.name or "", found)
    except ValidationError as error:
        raise DocumentError(error.messages) from None
    if patient.is_archived:
        raise DocumentError("This record is archived: restore it before attaching documents.")
    document = Document(
        patient=patient,
        kind=kind,
        document_date=document_date,
        description=" ".join(description.split()),
        original_name=name,
        content_type=found.content_type,
        extension=found.extension,
        size=uploaded.size,
        sha256=_sha256(uploaded),
        clinical=clinical,
        shared_with_patient=shared_with_patient,
        uploaded_by=by,
        uploaded_by_patient=by_patient,
    )
    stored = None
    try:
        with transaction.atomic():
            document.file.save("upload", uploaded, save=False)
            stored = document.file.name
            document.full_clean(exclude=["file"])
            document.save()
            audit.services.record(
                "documents.document.attached",
                actor=by,
                obj=document,
                patient=patient,
                data={
                    "kind": kind,
                    "clinical": clinical,
                    "shared_with_patient": shared_with_patient,
                    "by_patient": by_patient,
                    "size": document.size,
                },
            )
    except Exception:
        if stored:  # the row was refused: the file is no document, remove it again
            document.file.storage.delete(stored)
        raise
    return document


def record_read(*, document: Document, by) -> None:
    audit.services.record(
        "documents.document.read",
        actor=by,
        obj=document,
        patient=document.patient,
        data={"kind": document.kind, "clinical": document.clinical},
    )


@transaction.atomic
def file_in_error(*, document: Document, by, reason: str) -> Document:
    """Hide a document from every list; it is kept, with who and why."""
    reason = " ".join(reason.split())
    if not reason:
        raise DocumentError("Say why the document was filed in error.")
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.is_filed_in_error:
        raise DocumentError("This document is already filed in error.")
    locked.filed_in_error_at, locked.filed_in_error_by = timezone.now(), by
    locked.filed_in_error_reason = reason
    locked.save(update_fields=["filed_in_error_at", "filed_in_error_by", "filed_in_error_reason"])
    audit.services.record(
        "documents.document.filed_in_error",
        actor=by,
        obj=locked,
        patient=locked.patient,
        data={"kind": locked.kind},
    )
    return locked
