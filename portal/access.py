"""Lookups for the patient's portal: a patient account reaches its own
patient's data and nothing else. Anything else is 404, whatever the URL, so
that a patient cannot even learn whether another patient's object exists."""

from django.shortcuts import get_object_or_404

from patients.models import Patient
from scheduling.models import Appointment


def get_own_patient(request) -> Patient:
    """The patient record linked to the signed-in account, or 404."""
    return get_object_or_404(Patient.objects.visible_to(request.user), user=request.user)


def get_own_appointment(request, uuid) -> Appointment:
    """One of the signed-in patient's own appointments, or 404."""
    return get_object_or_404(
        Appointment.objects.visible_to(request.user)
        .filter(patient__user=request.user)
        .for_calendar(),
        uuid=uuid,
    )
