"""One owner for each booking rule: book_appointment (and move_appointment)
refuse a time in the past and one outside working hours without a reason, for
every caller (booking form, move form, course of care, portal, scripts);
cancel_deadline alone computes the late-cancellation window."""

import datetime

import pytest
from django.utils import timezone

import portal.services
from clinic.models import ClinicSettings
from scheduling import services
from scheduling.models import Appointment
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory
from tests.scheduling.conftest import MONDAY

TEN = datetime.datetime.combine(MONDAY, datetime.time(10), tzinfo=datetime.UTC)  # GMT
EVENING = TEN.replace(hour=19)


def book(working_week, room, follow_up, start, **extra):
    return services.book_appointment(
        patient=PatientFactory(),
        practitioner=working_week,
        room=room,
        appointment_type=follow_up,
        start_at=start,
        by=None,
        **extra,
    )


@pytest.mark.django_db
def test_the_service_refuses_a_time_in_the_past(working_week, room, follow_up):
    past = timezone.now() - datetime.timedelta(days=1)
    with pytest.raises(services.BookingError) as refused:
        book(working_week, room, follow_up, past, outside_hours_reason="any")
    assert refused.value.message_dict == {
        "time": ["That time has passed. Choose a time in the future."]
    }
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_the_service_wants_a_reason_outside_working_hours(working_week, room, follow_up):
    with pytest.raises(services.BookingError) as refused:
        book(working_week, room, follow_up, EVENING, outside_hours_reason="  ")
    assert refused.value.message_dict == {
        "outside_hours_reason": [
            f"{working_week} is not working then (outside their hours, time off or a clinic "
            "closure). To book anyway, say why."
        ]
    }
    assert not Appointment.objects.exists()
    booked = book(working_week, room, follow_up, EVENING, outside_hours_reason="Only time free")
    assert booked.outside_hours_reason == "Only time free"
    assert book(working_week, room, follow_up, TEN).outside_hours_reason == ""


@pytest.mark.django_db
def test_moving_follows_the_same_rules(working_week, room, follow_up, front_desk):
    appointment = AppointmentFactory(
        practitioner=working_week, room=room, appointment_type=follow_up, start_at=TEN
    )

    def move(start, reason=""):
        return services.move_appointment(
            appointment=appointment,
            start_at=start,
            end_at=start + follow_up.duration,
            practitioner=working_week,
            room=room,
            by=front_desk,
            outside_hours_reason=reason,
        )

    with pytest.raises(services.BookingError, match="not working then"):
        move(EVENING)
    with pytest.raises(services.BookingError, match="That time has passed"):
        move(timezone.now() - datetime.timedelta(hours=2), reason="any")
    # Within hours, moving by 15 minutes over its own old time is fine.
    assert move(TEN + datetime.timedelta(minutes=15)).start_at.minute == 15


@pytest.mark.django_db
def test_the_booking_form_shows_the_services_refusal_on_its_field(
    client_for, front_desk, working_week, room, follow_up
):
    patient = PatientFactory()
    r = client_for(front_desk).post(
        "/calendar/appointments/new/",
        {
            "patient": patient.uuid,
            "appointment_type": follow_up.uuid,
            "practitioner": working_week.uuid,
            "room": room.uuid,
            "date": MONDAY.isoformat(),
            "time": "19:00",
        },
    )
    assert r.status_code == 200
    assert r.context["form"].errors["outside_hours_reason"] == [
        f"{working_week} is not working then (outside their hours, time off or a clinic "
        "closure). To book anyway, say why."
    ]
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_one_cancel_deadline_for_the_desk_and_the_portal(front_desk):
    clinic = ClinicSettings.load()
    clinic.late_cancellation_hours = 48
    clinic.save(update_fields=["late_cancellation_hours"])
    assert portal.services.cancel_deadline is services.cancel_deadline
    start = timezone.now() + datetime.timedelta(hours=47)
    assert services.cancel_deadline(start) == start - datetime.timedelta(hours=48)
    late = AppointmentFactory(start_at=start)
    cancelled = services.cancel_appointment(
        appointment=late, by=front_desk, cancelled_by="patient", reason="Away"
    )
    assert cancelled.late_cancellation
    assert not portal.services.patient_may_cancel(late, clinic)
