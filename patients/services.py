"""Writes to patient records: atomic, audited, and refusing stale edits."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

import audit.services
from patients.models import Patient

CLINICAL_FLAGS_CHANGED = "patients.clinical_flags.changed"


class StaleEdit(Exception):
    """The record changed since the form was opened."""

    message = (
        "Someone else changed this record since you opened it. Your changes were not saved: "
        "reload the page to see the current record, then make your change again."
    )


@transaction.atomic
def register_patient(*, form, by) -> Patient:
    patient = form.save()
    patient.refresh_from_db(fields=["patient_number"])
    audit.services.record(
        "patients.patient.created",
        actor=by,
        obj=patient,
        patient=patient,
        data={
            "patient_number": patient.patient_number,
            "duplicate_confirmed": bool(form.cleaned_data.get("confirm_not_duplicate")),
        },
    )
    return patient


@transaction.atomic
def update_patient(*, form, by, action: str = "patients.patient.changed") -> Patient:
    """Save a PatientForm or ClinicalFlagsForm if the record is still at the
    version the form was opened with."""
    patient = form.instance
    current = Patient.objects.select_for_update().only("version").get(pk=patient.pk)
    submitted = form.cleaned_data.get("version")
    if submitted is not None and submitted != current.version:
        raise StaleEdit
    if not form.changed_data:
        return patient
    fields = list(form.changed_data)
    if action == CLINICAL_FLAGS_CHANGED:
        patient.clinical_flags_updated_at = timezone.now()
        fields.append("clinical_flags_updated_at")
    patient.version = F("version") + 1
    patient.save(update_fields=[*fields, "version", "updated_at"])
    patient.refresh_from_db(fields=["version"])
    # Clinical values stay out of the audit trail, which non-clinical staff can
    # read: it says which flags changed, the record says what they are now.
    data = (
        {"changed_fields": form.changed_data}
        if action == CLINICAL_FLAGS_CHANGED
        else {"changes": audit.services.changed_fields(form)}
    )
    audit.services.record(action, actor=by, obj=patient, patient=patient, data=data)
    return patient


@transaction.atomic
def archive_patient(*, patient: Patient, by) -> None:
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if locked.archived_at is not None:
        return
    locked.archived_at = timezone.now()
    locked.save(update_fields=["archived_at", "updated_at"])
    audit.services.record("patients.patient.archived", actor=by, obj=locked, patient=locked)


@transaction.atomic
def restore_patient(*, patient: Patient, by) -> None:
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if locked.archived_at is None:
        return
    locked.archived_at = None
    locked.save(update_fields=["archived_at", "updated_at"])
    audit.services.record("patients.patient.restored", actor=by, obj=locked, patient=locked)


def record_patient_viewed(*, patient: Patient, by, clinical: bool) -> None:
    """Staff reading contact details (and clinical flags) is audited."""
    audit.services.record(
        "patients.patient.viewed",
        actor=by,
        obj=patient,
        patient=patient,
        data={"clinical_flags_shown": clinical},
    )


def record_clinical_flags_viewed(*, patient: Patient, by) -> None:
    """Opening the clinical flags form reads clinical data: audited as such."""
    audit.services.record("patients.clinical_flags.viewed", actor=by, obj=patient, patient=patient)
