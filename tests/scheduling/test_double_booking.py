"""PostgreSQL itself refuses double bookings, also under concurrent load."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from scheduling import services
from scheduling.models import Appointment
from tests.factories import PatientFactory, PractitionerFactory
from tests.factories.scheduling import AppointmentFactory, AppointmentTypeFactory, RoomFactory

START = datetime.datetime(2030, 1, 7, 10, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_the_database_refuses_an_overlap_for_the_same_practitioner():
    first = AppointmentFactory(start_at=START)
    with (
        pytest.raises(IntegrityError, match="scheduling_no_practitioner_double_booking"),
        transaction.atomic(),
    ):
        AppointmentFactory(
            practitioner=first.practitioner, start_at=START + datetime.timedelta(minutes=30)
        )


@pytest.mark.django_db
def test_the_database_refuses_an_overlap_in_the_same_room():
    first = AppointmentFactory(start_at=START)
    with (
        pytest.raises(IntegrityError, match="scheduling_no_room_double_booking"),
        transaction.atomic(),
    ):
        AppointmentFactory(room=first.room, start_at=START)


@pytest.mark.django_db
def test_the_buffer_after_an_appointment_blocks_too():
    first = AppointmentFactory(start_at=START)  # 45 min + 15 min buffer
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            practitioner=first.practitioner, start_at=START + datetime.timedelta(minutes=50)
        )
    AppointmentFactory(
        practitioner=first.practitioner, start_at=START + datetime.timedelta(hours=1)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["cancelled", "no_show"])
def test_cancelled_and_no_show_appointments_block_nothing(status):
    extra = {"cancelled_at": START, "cancelled_by": "patient", "cancellation_reason": "ill"}
    first = AppointmentFactory(
        start_at=START, status=status, **(extra if status == "cancelled" else {})
    )
    AppointmentFactory(practitioner=first.practitioner, room=first.room, start_at=START)
    assert Appointment.objects.active().count() == 1


@pytest.mark.django_db
def test_the_service_turns_the_refusal_into_a_clear_message(front_desk):
    first = AppointmentFactory(start_at=START)
    with pytest.raises(services.BookingError, match="already has an appointment"):
        services.book_appointment(
            patient=PatientFactory(),
            practitioner=first.practitioner,
            room=RoomFactory(name="Room B"),
            appointment_type=first.appointment_type,
            start_at=START,
            by=front_desk,
            outside_hours_reason="No working hours in this test",
        )
    assert Appointment.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_simultaneous_bookings_of_one_slot_give_exactly_one_appointment(front_desk):
    practitioner = PractitionerFactory()
    kind = AppointmentTypeFactory()
    rooms = [RoomFactory(name=f"Room {n}") for n in range(8)]
    patients = [PatientFactory() for _ in range(8)]
    barrier = threading.Barrier(len(patients))
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(patient, room):
        try:
            barrier.wait(timeout=10)
            services.book_appointment(
                patient=patient,
                practitioner=practitioner,
                room=room,
                appointment_type=kind,
                start_at=START,
                by=front_desk,
                outside_hours_reason="No working hours in this test",
            )
            result = "booked"
        except services.BookingError as error:
            result = error.message
        finally:
            connections.close_all()  # each thread had its own connection
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=book, args=pair) for pair in zip(patients, rooms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes.count("booked") == 1
    refusals = [o for o in outcomes if o != "booked"]
    assert len(refusals) == 7
    assert all("already has an appointment" in o for o in refusals)
    assert Appointment.objects.count() == 1
    assert connection.vendor == "postgresql"
