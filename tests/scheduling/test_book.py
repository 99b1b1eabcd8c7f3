import datetime

import pytest

from audit.models import AuditEvent
from scheduling.models import Appointment, AppointmentEvent
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory, RoomFactory
from tests.scheduling.conftest import MONDAY

URL = "/calendar/appointments/new/"


def booking(patient, practitioner, room, kind, **changes):
    data = {
        "patient": patient.uuid,
        "practitioner": practitioner.uuid,
        "room": room.uuid,
        "appointment_type": kind.uuid,
        "date": MONDAY.isoformat(),
        "time": "10:00",
        "notes": "",
        "outside_hours_reason": "",
    }
    return data | changes


@pytest.mark.django_db
def test_it_books_and_records_who_and_when(client_for, front_desk, working_week, room, follow_up):
    patient = PatientFactory()
    r = client_for(front_desk).post(URL, booking(patient, working_week, room, follow_up))
    appointment = Appointment.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/calendar/appointments/{appointment.uuid}/"
    assert appointment.start_at == datetime.datetime(2030, 1, 7, 10, tzinfo=datetime.UTC)
    assert appointment.end_at - appointment.start_at == datetime.timedelta(minutes=45)
    assert appointment.blocked_until - appointment.end_at == datetime.timedelta(minutes=15)
    assert appointment.booked_by == front_desk
    assert AppointmentEvent.objects.get().kind == "booked"
    assert AuditEvent.objects.filter(action="scheduling.appointment.booked").count() == 1


@pytest.mark.django_db
def test_it_prefills_from_a_calendar_slot(client_for, front_desk, working_week, room):
    r = client_for(front_desk).get(
        URL, {"practitioner": working_week.uuid, "room": room.uuid, "start": "2030-01-07T09:15"}
    )
    form = r.context["form"]
    assert form["time"].value() == datetime.time(9, 15)
    assert str(form["practitioner"].value()) == str(working_week.uuid)


@pytest.mark.django_db
def test_a_double_booking_gets_a_clear_message(
    client_for, front_desk, working_week, room, follow_up
):
    AppointmentFactory(
        practitioner=working_week,
        appointment_type=follow_up,
        start_at=datetime.datetime(2030, 1, 7, 10, tzinfo=datetime.UTC),
    )
    r = client_for(front_desk).post(
        URL, booking(PatientFactory(), working_week, RoomFactory(name="Room 2"), follow_up)
    )
    assert r.status_code == 200
    assert "already has an appointment" in r.content.decode()
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_outside_working_hours_needs_a_reason(
    client_for, front_desk, working_week, room, follow_up
):
    client = client_for(front_desk)
    data = booking(PatientFactory(), working_week, room, follow_up, time="12:30")  # lunch break
    r = client.post(URL, data)
    assert r.status_code == 200
    assert "is not working then" in r.content.decode()
    assert not Appointment.objects.exists()
    r = client.post(URL, data | {"outside_hours_reason": "Only time the patient can come"})
    assert r.status_code == 302
    assert Appointment.objects.get().outside_hours_reason == "Only time the patient can come"


@pytest.mark.django_db
def test_a_patient_booked_twice_at_once_gets_a_warning(
    client_for, front_desk, working_week, other_practitioner, room, follow_up
):
    patient = PatientFactory()
    AppointmentFactory(
        patient=patient,
        practitioner=other_practitioner,
        start_at=datetime.datetime(2030, 1, 7, 10, 15, tzinfo=datetime.UTC),
    )
    client = client_for(front_desk)
    data = booking(patient, working_week, RoomFactory(name="Room 9"), follow_up)
    r = client.post(URL, data)
    assert r.status_code == 200
    assert "already has an appointment at that time" in r.content.decode()
    assert Appointment.objects.count() == 1
    assert client.post(URL, data | {"confirm_patient_overlap": "on"}).status_code == 302
    assert Appointment.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes, field",
    [
        ({"patient": ""}, "patient"),
        ({"patient": "not-a-uuid"}, "patient"),
        ({"appointment_type": "00000000-0000-4000-8000-000000000000"}, "appointment_type"),
        ({"date": "2030-02-30"}, "date"),
        ({"time": "25:00"}, "time"),
        ({"date": "2001-01-01"}, "time"),
        ({"notes": "x" * 400}, "notes"),
    ],
)
def test_bad_input_gets_a_message_and_books_nothing(
    client_for, front_desk, working_week, room, follow_up, changes, field
):
    data = booking(PatientFactory(), working_week, room, follow_up) | changes
    r = client_for(front_desk).post(URL, data)
    assert r.status_code == 200
    assert field in r.context["form"].errors
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_an_archived_patient_cannot_be_booked(
    client_for, front_desk, working_week, room, follow_up
):
    from django.utils import timezone

    patient = PatientFactory(archived_at=timezone.now())
    r = client_for(front_desk).post(URL, booking(patient, working_week, room, follow_up))
    assert "patient" in r.context["form"].errors
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_practitioner_books_only_in_their_own_calendar(
    client_for, practitioner, other_practitioner, working_week, room, follow_up
):
    client = client_for(practitioner.user)
    r = client.post(URL, booking(PatientFactory(), other_practitioner, room, follow_up))
    assert "practitioner" in r.context["form"].errors
    assert (
        client.post(URL, booking(PatientFactory(), practitioner, room, follow_up)).status_code
        == 302
    )


@pytest.mark.django_db
def test_the_patient_search_offers_radio_buttons(client_for, front_desk):
    PatientFactory(first_name="Zoë", last_name="Müller")
    r = client_for(front_desk).get("/calendar/appointments/patient-options/", {"q": "zoe"})
    body = r.content.decode()
    assert 'type="radio" name="patient"' in body and "Müller" in body
