"""A room with needles still in stays occupied: checking the next patient into
that room still works, but the front desk is warned."""

import datetime

import pytest
from django.utils import timezone

from scheduling.models import Appointment
from tests.factories.scheduling import AppointmentFactory, RoomFactory
from tests.factories.sessions import TreatmentSessionFactory


@pytest.fixture
def room(db):
    return RoomFactory(name="Room 2")


@pytest.fixture
def appointment(practitioner, patient_a, room):
    return AppointmentFactory(
        practitioner=practitioner,
        patient=patient_a,
        room=room,
        start_at=timezone.now() + datetime.timedelta(minutes=10),
    )


def needles_in(room, patient, minutes=25):
    return TreatmentSessionFactory(
        room=room,
        patient=patient,
        needles_in_at=timezone.now() - datetime.timedelta(minutes=minutes),
    )


def check_in(client, appointment, status="arrived"):
    return client.post(
        f"/calendar/appointments/{appointment.uuid}/status/",
        {"status": status, "version": appointment.version},
        follow=True,
    )


def warnings(response):
    return [str(m) for m in response.context["messages"] if m.level_tag == "warning"]


@pytest.mark.django_db
def test_checking_in_to_a_room_with_needles_in_warns_but_checks_in(
    client_for, front_desk, appointment, room, patient_b
):
    running = needles_in(room, patient_b)
    response = check_in(client_for(front_desk), appointment)

    since = timezone.localtime(running.needles_in_at).strftime("%H:%M")
    expected = f"Room 2 still has needles in (patient Bob Baker, since {since})."
    assert warnings(response) == [expected]
    assert expected in response.content.decode()
    assert 'class="alert alert-warning' in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ARRIVED


@pytest.mark.django_db
def test_no_warning_when_the_room_is_free(client_for, front_desk, appointment, room, patient_b):
    finished = needles_in(room, patient_b, minutes=40)
    finished.needles_out_at = timezone.now()
    finished.save(update_fields=["needles_out_at"])
    needles_in(RoomFactory(name="Room 3"), patient_b)  # needles in another room

    response = check_in(client_for(front_desk), appointment)
    assert warnings(response) == []
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ARRIVED


@pytest.mark.django_db
def test_the_patients_own_running_session_is_no_reason_to_warn(
    client_for, front_desk, appointment, room, patient_a
):
    needles_in(room, patient_a)
    assert warnings(check_in(client_for(front_desk), appointment)) == []


@pytest.mark.django_db
def test_only_checking_in_warns(client_for, front_desk, appointment, room, patient_b):
    needles_in(room, patient_b)
    client = client_for(front_desk)
    check_in(client, appointment)
    appointment.refresh_from_db()
    # Sending the patient back to "booked" is not a check-in.
    assert warnings(check_in(client, appointment, status="booked")) == []


@pytest.mark.django_db
def test_a_refused_check_in_does_not_warn(client_for, front_desk, appointment, room, patient_b):
    needles_in(room, patient_b)
    appointment.status = Appointment.Status.NO_SHOW
    appointment.save(update_fields=["status"])
    response = check_in(client_for(front_desk), appointment)
    assert warnings(response) == []
    assert "cannot become arrived" in response.content.decode()


@pytest.mark.django_db
def test_the_calendar_shows_a_room_with_needles_still_in(client_for, front_desk, practitioner):
    from django.utils import timezone

    from tests.factories.scheduling import RoomFactory
    from tests.factories.sessions import TreatmentSessionFactory

    room = RoomFactory(name="Room Kauri")
    since = timezone.now() - datetime.timedelta(minutes=12)
    TreatmentSessionFactory(practitioner=practitioner, room=room, needles_in_at=since)
    body = client_for(front_desk).get("/calendar/").content.decode()
    assert "Needles still in" in body
    assert f"Room Kauri (since {timezone.localtime(since):%H:%M}, Pat Practitioner)" in body
