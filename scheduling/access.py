"""Lookups of appointments with the access check built in (404 when hidden,
403 when visible but not the user's to change)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from scheduling.models import Appointment


def get_appointment_for_user(request, uuid) -> Appointment:
    return get_object_or_404(Appointment.objects.visible_to(request.user).for_calendar(), uuid=uuid)


def get_appointment_to_change(request, uuid) -> Appointment:
    appointment = get_appointment_for_user(request, uuid)
    if not appointment.changeable_by(request.user):
        raise PermissionDenied(
            "Only the front desk or the appointment's practitioner may change it."
        )
    return appointment
