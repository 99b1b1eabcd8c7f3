"""Lookups of treatment records with the access check built in.

404 when the user may not see the record at all (front desk, patients, other
practitioners' drafts); 403 when a practitioner may read it but not write it
(someone else's record, or a signed one through an edit URL)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from sessions.models import TreatmentSession


def get_session_for_user(request, uuid) -> TreatmentSession:
    return get_object_or_404(
        TreatmentSession.objects.visible_to(request.user).select_related(
            "patient",
            "practitioner__user",
            "appointment__appointment_type",
            "room",
            "signed_by",
        ),
        uuid=uuid,
    )


def get_session_to_edit(request, uuid) -> TreatmentSession:
    session = get_session_for_user(request, uuid)
    if not session.is_treated_by(request.user):
        raise PermissionDenied("Only the treating practitioner writes this record.")
    return session
