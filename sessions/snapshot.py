"""What a signed record keeps of the moment it was signed (DOMAIN.md, Records).

``sign_off`` marks a record signed and writes what only the app knows: the
signing day in the clinic's zone and the patient's clinical flags as they are
now (the contraindications reviewed). In the same UPDATE PostgreSQL copies the
rest from its own rows (migration 0008): the signer's name and licence, and
each placement's point and needle; it refuses the signature when any copy is
missing or the licence expired before the signing day. Pages that show a signed
record read only these copies (``TreatmentSession.practitioner_name``,
``NeedlePlacement.point_code``, ``point_name``, ``needle_label``).
"""

from __future__ import annotations

from django.utils import timezone

# Columns PostgreSQL fills at signing, read back after the UPDATE.
COPIED_BY_DATABASE = [
    "signed_practitioner_name",
    "signed_licence_number",
    "signed_licence_body",
    "signed_licence_expiry",
]


def current_lesion_sites(patient):
    """The sites not to needle, reviewed with the other contraindications."""
    from sessions.models import SkinLesionSite

    return SkinLesionSite.objects.current().filter(patient=patient).select_related("acupoint")


def sign_off(session, *, by, at=None) -> list[str]:
    """Set the signature and the app's part of the snapshot on ``session``;
    return the fields to save."""
    session.signed_at = at or timezone.now()
    session.signed_by = by
    session.signed_on = timezone.localdate(session.signed_at)
    session.signed_flags = [
        *session.patient.clinical_flags,
        *(f"Skin-lesion site: {site.label}" for site in current_lesion_sites(session.patient)),
    ]
    return ["signed_at", "signed_by", "signed_on", "signed_flags"]
