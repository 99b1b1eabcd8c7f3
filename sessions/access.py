"""Lookups of treatment records with the access check built in.

404 when the user may not see the record at all (front desk, patients, other
practitioners' drafts); 403 when a practitioner may read it but not write it
(someone else's record, or a signed one through an edit URL)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from sessions.models import TreatmentSession


def get_session_for_user(request, uuid) -> TreatmentSession:
    """The record with what its header shows: the patient, the practitioner (and
    their name), the appointment's time and the room. Not the appointment's type
    (only the follow-up's booking link needs it: sessions.record_page loads it
    there) nor who signed (the record keeps the name as signed): each join is
    planning time on every request (issue 14: 7 joins planned in 2.5 ms, run
    in 0.3 ms)."""
    return get_object_or_404(
        TreatmentSession.objects.visible_to(request.user).select_related(
            "patient", "practitioner__user", "appointment", "room"
        ),
        uuid=uuid,
    )


def get_session_to_edit(request, uuid) -> TreatmentSession:
    session = get_session_for_user(request, uuid)
    if not session.is_treated_by(request.user):
        raise PermissionDenied("Only the treating practitioner writes this record.")
    return session
