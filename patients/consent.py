"""Informed consent to acupuncture (DOMAIN.md, "Contraindications and cautions").

The one place for the rules:

* ``record_consent`` and ``withdraw_consent`` write a new ``Consent`` row (rows
  are never changed: PostgreSQL refuses it), atomically and audited, without
  names or signatures in the audit trail.
* ``consent_problem(patient, on_day)`` says, in plain language, why needling is
  not allowed on that day (no consent on file, consent withdrawn, a patient
  under 18 without a guardian's consent), or returns None. The treatment-record
  services call it before needling and at sign-off.
* ``clean_signature_image`` is the check of a drawn signature, used by the form
  (for its message) and again by the service.

A consent stays valid when the clinic publishes new wording: the record keeps
the version the patient agreed to. A consent a guardian gave for a minor stays
valid after the patient's 18th birthday.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import audit.services
from patients.models import Consent, ConsentText, Patient

ADULT_AGE = 18
PNG_PREFIX = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A signature drawn on the 600 × 200 pad is a few kilobytes; this leaves room
# for a large, busy one and refuses anything that is not a signature.
MAX_SIGNATURE_CHARS = 200_000
MAX_SIGNATURE_SIDE = 2000
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


class ConsentError(ValidationError):
    """A consent the rules refuse; the view shows the message, nothing is saved."""


def clean_signature_image(value: str) -> str:
    """A PNG data URL of a reasonable size whose bytes really are a PNG image."""
    value = value.strip()
    if len(value) > MAX_SIGNATURE_CHARS:
        raise ValidationError("The drawn signature is too large: clear it and sign again.")
    payload = value.removeprefix(PNG_PREFIX)
    if payload == value or not _BASE64.match(payload):
        raise ValidationError("The drawn signature could not be read: clear it and sign again.")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            "The drawn signature could not be read: clear it and sign again."
        ) from None
    # The PNG signature, then the IHDR chunk: length 13, type, width, height.
    if len(data) < 33 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValidationError("The drawn signature is not a PNG image: clear it and sign again.")
    width, height = struct.unpack(">II", data[16:24])
    if not (0 < width <= MAX_SIGNATURE_SIDE and 0 < height <= MAX_SIGNATURE_SIDE):
        raise ValidationError("The drawn signature has an odd size: clear it and sign again.")
    return value


def is_minor(patient: Patient, day: date) -> bool:
    return patient.age_on(day) < ADULT_AGE


def _end_of(day: date) -> datetime:
    """The first moment after ``day`` in the clinic's time zone."""
    return datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
    )


def latest_consent(
    patient: Patient, on_day: date | None = None, *, at: datetime | None = None
) -> Consent | None:
    """The last consent row (given or withdrawn) recorded by the end of ``on_day``,
    or by the moment ``at``."""
    consents = patient.consents.select_related("consent_text")
    if at is not None:
        consents = consents.filter(given_at__lte=at)
    elif on_day is not None:
        consents = consents.filter(given_at__lt=_end_of(on_day))
    return consents.order_by("-given_at", "-id").first()


def problem_with(latest: Consent | None, patient: Patient, on_day: date) -> str | None:
    if latest is None:
        return "No informed consent on file: record the patient's consent before needling."
    if latest.is_withdrawal:
        when = timezone.localtime(latest.given_at)
        return (
            f"The patient withdrew consent on {when:%d %b %Y}: record a new consent "
            "before needling."
        )
    if is_minor(patient, on_day) and latest.signer != Consent.Signer.GUARDIAN:
        return "The patient is under 18: a parent or guardian must give consent before needling."
    return None


def consent_problem(patient: Patient, on_day: date, *, at: datetime | None = None) -> str | None:
    """Why needling is not allowed on ``on_day`` (plain language), or None; with
    ``at``, as the consents stood at that moment (sign-off asks about the moment
    the needles went in: a withdrawal afterwards does not undo a treatment given
    with consent). One query."""
    return problem_with(latest_consent(patient, on_day, at=at), patient, on_day)


@dataclass(frozen=True)
class ConsentStatus:
    latest: Consent | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def consent_status(patient: Patient, today: date | None = None) -> ConsentStatus:
    today = today or timezone.localdate()
    latest = latest_consent(patient, today)
    return ConsentStatus(latest=latest, problem=problem_with(latest, patient, today))


def _current_text(version_seen: str) -> ConsentText:
    current = ConsentText.objects.current().first()
    if current is None:
        raise ConsentError("No consent text is set up yet: the clinic admin adds one first.")
    if version_seen != current.version:
        raise ConsentError(
            f"The consent wording changed to version {current.version} while this page was "
            "open. Nothing was saved: read the new wording with the patient, then sign again."
        )
    return current


def _locked(patient: Patient) -> Patient:
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if locked.is_archived:
        raise ConsentError("This record is archived: restore it before recording consent.")
    return locked


@transaction.atomic
def record_consent(*, patient: Patient, by, data: dict) -> Consent:
    """Record consent given now, against the current consent text.

    ``data``: ``text_version`` (the version the signer was shown),
    ``signature_method`` ("typed" or "drawn"), ``typed_name`` and
    ``typed_name_confirmed``, or ``signature_image`` (a PNG data URL); for a
    patient under 18 today, ``guardian_name`` and ``guardian_relationship``.
    """
    patient = _locked(patient)
    text = _current_text(data.get("text_version", ""))
    now = timezone.now()
    consent = Consent(
        patient=patient,
        kind=Consent.Kind.GIVEN,
        consent_text=text,
        given_at=now,
        recorded_by=by,
        signer=Consent.Signer.PATIENT,
        signature_method=data.get("signature_method", ""),
    )
    if is_minor(patient, timezone.localdate(now)):
        guardian = " ".join(data.get("guardian_name", "").split())
        relationship = " ".join(data.get("guardian_relationship", "").split())
        if not guardian or not relationship:
            raise ConsentError(
                "The patient is under 18: a parent or guardian consents. Enter their name and "
                "relationship to the patient, and have them sign."
            )
        consent.signer = Consent.Signer.GUARDIAN
        consent.guardian_name, consent.guardian_relationship = guardian, relationship
    if consent.signature_method == Consent.Method.TYPED:
        consent.typed_name = " ".join(data.get("typed_name", "").split())
        if not consent.typed_name or not data.get("typed_name_confirmed"):
            raise ConsentError(
                "Type the signer's full name and tick that they confirmed it as their signature."
            )
        consent.typed_name_confirmed = True
    elif consent.signature_method == Consent.Method.DRAWN:
        try:
            consent.signature_image = clean_signature_image(data.get("signature_image", ""))
        except ValidationError as error:
            raise ConsentError(error.messages) from None
    else:
        raise ConsentError("Choose how the consent is signed: a typed name or a drawn signature.")
    consent.save()
    audit.services.record(
        "patients.consent.given",
        actor=by,
        obj=consent,
        patient=patient,
        data={
            "consent_text_version": text.version,
            "signer": consent.signer,
            "signature_method": consent.signature_method,
        },
    )
    return consent


@transaction.atomic
def withdraw_consent(*, patient: Patient, by, note: str = "") -> Consent:
    """Record that the patient withdrew consent now (a new row; the consent stays readable)."""
    patient = _locked(patient)
    latest = latest_consent(patient)
    if latest is None or latest.is_withdrawal:
        raise ConsentError("There is no consent on file to withdraw.")
    withdrawal = Consent.objects.create(
        patient=patient,
        kind=Consent.Kind.WITHDRAWN,
        given_at=timezone.now(),
        recorded_by=by,
        note=" ".join(note.split()),
    )
    # The note is free text: it stays on the record, out of the audit trail.
    audit.services.record("patients.consent.withdrawn", actor=by, obj=withdrawal, patient=patient)
    return withdrawal


@transaction.atomic
def publish_consent_text(*, consent_text: ConsentText, changed: list[str], by) -> ConsentText:
    """Save a new version of the wording, or make a version current; the version
    marked current becomes the only current one. Audited (version label only)."""
    if consent_text.is_current:
        ConsentText.objects.current().exclude(pk=consent_text.pk).update(is_current=False)
    if consent_text.pk is None:
        consent_text.save()
        action = "patients.consent_text.added"
    else:
        consent_text.save(update_fields=["is_current"])
        action = "patients.consent_text.changed"
    audit.services.record(
        action,
        actor=by,
        obj=consent_text,
        data={
            "version": consent_text.version,
            "is_current": consent_text.is_current,
            "changed_fields": list(changed),
        },
    )
    return consent_text
