"""Daylight saving in Europe/London: the days the clocks change look like any other day.

2030-03-31 (spring forward, 01:00 GMT becomes 02:00 BST) and 2030-10-27 (fall back,
02:00 BST becomes 01:00 GMT) are Sundays; 2030-03-24 is an ordinary Sunday to compare.
"""

import datetime as dt
import itertools
import re

import pytest
from django.utils import timezone

from clinic.models import ClinicSettings
from scheduling import services
from scheduling.availability import load_availability, local_datetime
from scheduling.models import Appointment
from scheduling.slots import find_slots
from tests.factories import PatientFactory, PractitionerFactory
from tests.factories.scheduling import AppointmentTypeFactory, RoomFactory, WorkingHoursFactory

SPRING_FORWARD = dt.date(2030, 3, 31)
FALL_BACK = dt.date(2030, 10, 27)
ORDINARY_SUNDAY = dt.date(2030, 3, 24)
CHANGE_DAYS = [SPRING_FORWARD, FALL_BACK]
NINE_UTC = {
    SPRING_FORWARD: dt.datetime(2030, 3, 31, 8, 0, tzinfo=dt.UTC),  # BST, UTC+1
    FALL_BACK: dt.datetime(2030, 10, 27, 9, 0, tzinfo=dt.UTC),  # GMT, UTC+0
}
EVERY_QUARTER_9_TO_1615 = [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 15, 30, 45)][:30]


@pytest.fixture(autouse=True)
def london(settings):
    assert settings.TIME_ZONE == "Europe/London"


@pytest.fixture
def clinic(db):
    settings = ClinicSettings.load()
    settings.slot_minutes = 15
    settings.save()
    practitioner = PractitionerFactory(user__full_name="Sunny Sunday")
    WorkingHoursFactory(
        practitioner=practitioner, weekday=6, start_time=dt.time(9), end_time=dt.time(17)
    )
    room = RoomFactory(name="Room A")
    kind = AppointmentTypeFactory(name="Treatment", duration_minutes=45, buffer_after_minutes=0)
    hour = AppointmentTypeFactory(name="Hour", duration_minutes=60, buffer_after_minutes=0)
    return {"practitioner": practitioner, "room": room, "kind": kind, "hour": hour}


def local_times(day, clinic):
    slots = find_slots(
        appointment_type=clinic["kind"],
        first_day=day,
        last_day=day,
        practitioner=clinic["practitioner"],
        limit=100,
        not_before=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    assert all(timezone.localtime(s.start).date() == day for s in slots)
    return [f"{timezone.localtime(s.start):%H:%M}" for s in slots]


def test_an_ordinary_day_gives_09_00_to_16_15(clinic):
    assert EVERY_QUARTER_9_TO_1615[0] == "09:00" and EVERY_QUARTER_9_TO_1615[-1] == "16:15"
    assert local_times(ORDINARY_SUNDAY, clinic) == EVERY_QUARTER_9_TO_1615


@pytest.mark.parametrize("day", CHANGE_DAYS, ids=["spring-forward", "fall-back"])
def test_the_change_days_give_the_same_local_times(clinic, day):
    assert local_times(day, clinic) == local_times(ORDINARY_SUNDAY, clinic)


@pytest.mark.parametrize("day", CHANGE_DAYS, ids=["spring-forward", "fall-back"])
def test_working_hours_are_eight_real_hours_on_the_change_days(clinic, day):
    practitioner = clinic["practitioner"]
    working = load_availability([practitioner.id], day, day).working[practitioner.id]
    assert working == [(NINE_UTC[day], NINE_UTC[day] + dt.timedelta(hours=8))]


@pytest.mark.parametrize("day", CHANGE_DAYS, ids=["spring-forward", "fall-back"])
def test_the_slots_are_the_right_instants(clinic, day):
    slots = find_slots(
        appointment_type=clinic["kind"],
        first_day=day,
        last_day=day,
        practitioner=clinic["practitioner"],
        limit=100,
    )
    assert slots[0].start == NINE_UTC[day]
    assert slots[-1].end == NINE_UTC[day] + dt.timedelta(hours=8)


def _book(clinic, day, kind_key="kind", clock=dt.time(9), front_desk=None):
    return services.book_appointment(
        patient=PatientFactory(),
        practitioner=clinic["practitioner"],
        room=clinic["room"],
        appointment_type=clinic[kind_key],
        start_at=local_datetime(day, clock),
        by=front_desk,
    )


@pytest.mark.parametrize("day", CHANGE_DAYS, ids=["spring-forward", "fall-back"])
def test_booking_at_local_nine_stores_the_right_instant(clinic, front_desk, day):
    appointment = _book(clinic, day, front_desk=front_desk)
    appointment.refresh_from_db()
    assert appointment.start_at == NINE_UTC[day]
    assert timezone.localtime(appointment.start_at).strftime("%H:%M") == "09:00"


@pytest.mark.parametrize("day", CHANGE_DAYS, ids=["spring-forward", "fall-back"])
def test_an_hour_booked_at_nine_ends_at_ten_local(clinic, front_desk, day):
    appointment = _book(clinic, day, kind_key="hour", front_desk=front_desk)
    appointment.refresh_from_db()
    assert timezone.localtime(appointment.end_at).strftime("%H:%M") == "10:00"
    assert appointment.end_at - appointment.start_at == dt.timedelta(hours=1)


@pytest.mark.parametrize("day", CHANGE_DAYS, ids=["spring-forward", "fall-back"])
def test_the_appointment_page_and_the_move_form_show_nine(client_for, clinic, front_desk, day):
    appointment = _book(clinic, day, kind_key="hour", front_desk=front_desk)
    client = client_for(front_desk)
    page = client.get(f"/calendar/appointments/{appointment.uuid}/").content.decode()
    assert f"{day:%-d %B %Y}, 09:00–10:00" in page
    move = client.get(f"/calendar/appointments/{appointment.uuid}/move/").content.decode()
    assert re.search(r'name="time" value="09:00"', move)
    assert re.search(rf'name="date" value="{day.isoformat()}"', move)


@pytest.mark.parametrize("day", CHANGE_DAYS, ids=["spring-forward", "fall-back"])
def test_the_booking_form_prefilled_from_a_slot_shows_nine(client_for, clinic, front_desk, day):
    client = client_for(front_desk)
    for start in (f"{day.isoformat()}T09:00", NINE_UTC[day].isoformat()):
        page = client.get("/calendar/appointments/new/", {"start": start}).content.decode()
        assert 'name="time" value="09:00"' in page, start
        assert f'name="date" value="{day.isoformat()}"' in page, start


@pytest.mark.parametrize("day", CHANGE_DAYS, ids=["spring-forward", "fall-back"])
def test_booking_through_the_form_on_the_change_days(client_for, clinic, front_desk, day):
    patient = PatientFactory()
    response = client_for(front_desk).post(
        "/calendar/appointments/new/",
        {
            "patient": patient.uuid,
            "appointment_type": clinic["kind"].uuid,
            "practitioner": clinic["practitioner"].uuid,
            "room": clinic["room"].uuid,
            "date": day.isoformat(),
            "time": "09:00",
            "notes": "",
            "outside_hours_reason": "",
        },
    )
    appointment = Appointment.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == f"/calendar/appointments/{appointment.uuid}/"
    assert appointment.start_at == NINE_UTC[day]
    assert appointment.end_at == NINE_UTC[day] + dt.timedelta(minutes=45)
    assert appointment.outside_hours_reason == ""  # 09:00 is inside the hours on that day
    page = client_for(front_desk).get(response["Location"]).content.decode()
    assert "09:00–09:45" in page


@pytest.mark.parametrize("day", CHANGE_DAYS, ids=["spring-forward", "fall-back"])
def test_the_last_slot_of_the_change_day_is_inside_the_hours_for_the_form(
    client_for, clinic, front_desk, day
):
    # 16:15 + 45 min ends at 17:00 local: inside the hours, no reason needed.
    patient = PatientFactory()
    client_for(front_desk).post(
        "/calendar/appointments/new/",
        {
            "patient": patient.uuid,
            "appointment_type": clinic["kind"].uuid,
            "practitioner": clinic["practitioner"].uuid,
            "room": clinic["room"].uuid,
            "date": day.isoformat(),
            "time": "16:15",
        },
    )
    appointment = Appointment.objects.get(patient=patient)
    assert timezone.localtime(appointment.end_at).strftime("%H:%M") == "17:00"
    assert appointment.end_at == NINE_UTC[day] + dt.timedelta(hours=8)


def test_a_weekly_course_across_the_spring_change_keeps_the_local_time(clinic):
    from scheduling.course import Pattern, plan_course

    visits = plan_course(
        patient=PatientFactory(),
        appointment_type=clinic["kind"],
        practitioner=clinic["practitioner"],
        room=None,
        first_date=ORDINARY_SUNDAY,
        start_time=dt.time(9),
        count=2,
        pattern=Pattern.WEEKLY,
    )
    assert [v.day for v in visits] == [ORDINARY_SUNDAY, SPRING_FORWARD]
    assert [f"{timezone.localtime(v.start):%H:%M}" for v in visits] == ["09:00", "09:00"]
    # One real hour less than a week (compared in UTC: Python subtracts wall
    # clock times when both ends carry the same zone).
    real_gap = visits[1].start.astimezone(dt.UTC) - visits[0].start.astimezone(dt.UTC)
    assert real_gap == dt.timedelta(days=7, hours=-1)
    assert all(v.ok for v in visits)


@pytest.mark.parametrize("source", ["weekly hours", "extra hours"])
@pytest.mark.parametrize("day", CHANGE_DAYS, ids=["spring-forward", "fall-back"])
def test_slots_through_the_night_of_the_change_are_real_minutes_apart(clinic, day, source):
    """Working from local midnight to 03:00 (the hour that is skipped or repeated
    lies inside): every slot lasts 45 real minutes and the slots are 15 real
    minutes apart, none skipped and none twice."""
    from scheduling.models import AvailabilityException
    from tests.factories.scheduling import AvailabilityExceptionFactory

    start, end = local_datetime(day, dt.time(0)), local_datetime(day, dt.time(3))
    if source == "weekly hours":
        WorkingHoursFactory(practitioner=clinic["practitioner"], weekday=6, start_time=dt.time(0), end_time=dt.time(3))  # fmt: skip
    else:
        AvailabilityExceptionFactory(
            practitioner=clinic["practitioner"],
            kind=AvailabilityException.Kind.EXTRA_HOURS,
            start_at=start,
            end_at=end,
        )
    slots = find_slots(
        appointment_type=clinic["kind"],
        first_day=day,
        last_day=day,
        practitioner=clinic["practitioner"],
        day_parts=["morning"],
        limit=100,
    )
    night = [s for s in slots if s.start < end]
    utc = [s.start.astimezone(dt.UTC) for s in night]
    real_minutes = (end.astimezone(dt.UTC) - start.astimezone(dt.UTC)) / dt.timedelta(minutes=1)
    assert real_minutes == (2 * 60 if day == SPRING_FORWARD else 4 * 60)
    assert len(night) == (real_minutes - 45) / 15 + 1  # every quarter hour that leaves 45 minutes
    assert utc[0] == start.astimezone(dt.UTC)
    assert all(b - a == dt.timedelta(minutes=15) for a, b in itertools.pairwise(utc))
    assert all(s.end.astimezone(dt.UTC) - s.start.astimezone(dt.UTC) == dt.timedelta(minutes=45) for s in night)  # fmt: skip
    assert utc[-1] + dt.timedelta(minutes=45) == end.astimezone(dt.UTC)


@pytest.mark.django_db
def test_an_appointment_across_the_repeated_hour_keeps_its_real_length(front_desk):
    """01:30 local on the autumn change night: 45 real minutes, not 105."""
    from datetime import UTC, datetime, time, timedelta

    from scheduling import services as booking
    from scheduling.availability import local_datetime
    from tests.factories import PatientFactory, PractitionerFactory
    from tests.factories.scheduling import AppointmentTypeFactory, RoomFactory

    kind = AppointmentTypeFactory(duration_minutes=45, buffer_after_minutes=0)
    start = local_datetime(datetime(2030, 10, 27).date(), time(1, 30))
    appointment = booking.book_appointment(
        patient=PatientFactory(),
        practitioner=PractitionerFactory(),
        room=RoomFactory(name="Night room"),
        appointment_type=kind,
        start_at=start,
        by=front_desk,
        outside_hours_reason="No working hours in this test",
    )
    assert appointment.end_at - appointment.start_at == timedelta(minutes=45)
    assert appointment.start_at.tzinfo == UTC
