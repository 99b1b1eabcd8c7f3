"""A patient cancels an appointment through the portal, only while the clinic's
notice period allows it; the server refuses forged requests."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import ClinicSettings
from notifications.models import OutboundMessage
from portal import services
from scheduling.models import Appointment, AppointmentEvent
from scheduling.services import BookingError
from tests.factories.scheduling import AppointmentFactory


def hours_from_now(hours: float) -> dt.datetime:
    return (timezone.now() + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)


@pytest.fixture
def clinic(db):
    settings = ClinicSettings.load()
    settings.phone = "020 7946 0000"
    settings.late_cancellation_hours = 24
    settings.save()
    return settings


@pytest.fixture
def appointment(clinic, practitioner, patient_a):
    return AppointmentFactory(
        patient=patient_a, practitioner=practitioner, start_at=hours_from_now(72)
    )


def url(appointment):
    return f"/portal/appointments/{appointment.uuid}/cancel/"


def test_the_page_asks_for_a_reason(client_for, appointment, patient_a):
    response = client_for(patient_a.user).get(url(appointment))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Why are you cancelling?" in body and 'name="reason"' in body
    assert "Cancel the appointment" in body


def test_the_patient_cancels_with_a_reason(client_for, appointment, patient_a):
    client = client_for(patient_a.user)
    response = client.post(url(appointment), {"reason": "Work trip"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancelled_by == Appointment.CancelledBy.PATIENT
    assert appointment.cancellation_reason == "Work trip"
    assert not appointment.late_cancellation
    event = AppointmentEvent.objects.get(appointment=appointment, kind="cancelled")
    assert event.by == patient_a.user
    assert AuditEvent.objects.filter(
        action="scheduling.appointment.cancelled", actor=patient_a.user, patient=patient_a
    ).exists()
    assert OutboundMessage.objects.filter(appointment=appointment, kind="cancellation").exists()
    home = client.get("/portal/")
    assert "is cancelled" in home.content.decode()


def test_a_reason_is_required(client_for, appointment, patient_a):
    response = client_for(patient_a.user).post(url(appointment), {"reason": "   "})
    assert response.status_code == 200
    assert "Please tell us why you are cancelling." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_inside_the_notice_period_the_page_says_to_call(
    client_for, clinic, practitioner, patient_a
):
    near = AppointmentFactory(
        patient=patient_a, practitioner=practitioner, start_at=hours_from_now(23)
    )
    response = client_for(patient_a.user).get(url(near))
    body = response.content.decode()
    assert response.status_code == 200 and 'name="reason"' not in body
    assert "please call the clinic on 020 7946 0000 to cancel" in body


def test_a_forged_post_inside_the_notice_period_is_refused(
    client_for, clinic, practitioner, patient_a
):
    near = AppointmentFactory(
        patient=patient_a, practitioner=practitioner, start_at=hours_from_now(23)
    )
    response = client_for(patient_a.user).post(url(near), {"reason": "Forged"})
    assert response.status_code == 200
    assert "It is less than 24 hours before your appointment" in response.content.decode()
    near.refresh_from_db()
    assert near.status == Appointment.Status.BOOKED


def test_the_cut_off_follows_the_clinics_setting(client_for, clinic, appointment, patient_a):
    clinic.late_cancellation_hours = 96
    clinic.save()
    client_for(patient_a.user).post(url(appointment), {"reason": "Forged"})
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_an_appointment_already_cancelled_cannot_be_cancelled_again(
    client_for, appointment, patient_a
):
    client = client_for(patient_a.user)
    client.post(url(appointment), {"reason": "Work trip"})
    response = client.post(url(appointment), {"reason": "Again"})
    assert response.status_code == 200
    assert "nothing to cancel" in response.content.decode() or "cannot be cancelled" in (
        response.content.decode()
    )
    appointment.refresh_from_db()
    assert appointment.cancellation_reason == "Work trip"


def test_the_service_refuses_someone_elses_appointment(appointment, patient_b):
    with pytest.raises(BookingError) as error:
        services.cancel_by_patient(appointment=appointment, by=patient_b.user, reason="Not mine")
    assert error.value.code == "not_yours"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_staff_cannot_use_the_patients_cancel_page(client_for, appointment, front_desk):
    assert client_for(front_desk).post(url(appointment), {"reason": "x"}).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
