"""Moving and resizing from the calendar (drag or keyboard): the dry-run check,
the drop and the one-step undo, all through the move service."""

import datetime

import pytest

from audit.models import AuditEvent
from notifications.models import OutboundMessage
from scheduling.models import Appointment
from tests.factories import PatientFactory, PractitionerFactory
from tests.factories.scheduling import AppointmentFactory, RoomFactory
from tests.scheduling.conftest import MONDAY

UTC = datetime.UTC


def at(hour, minute=0, day=MONDAY):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def url(appointment, action):
    return f"/calendar/appointments/{appointment.uuid}/move/{action}/"


@pytest.fixture
def booked(working_week, room, follow_up):
    return AppointmentFactory(
        practitioner=working_week,
        room=room,
        appointment_type=follow_up,
        patient=PatientFactory(first_name="Gwen", last_name="Grey"),
        start_at=at(10),
    )


@pytest.fixture
def neighbour(booked):
    """Another patient at 14:00 with the same practitioner, in the same room."""
    return AppointmentFactory(
        practitioner=booked.practitioner,
        room=booked.room,
        appointment_type=booked.appointment_type,
        start_at=at(14),
    )


def fields(appointment, time="11:00", minutes=45, **extra):
    return {
        "version": appointment.version,
        "date": "2030-01-07",
        "time": time,
        "duration_minutes": minutes,
        "practitioner": appointment.practitioner.uuid,
        "room": appointment.room.uuid,
    } | extra


# --- The dry run ------------------------------------------------------------------


@pytest.mark.django_db
def test_it_says_a_free_slot_is_free_and_saves_nothing(client_for, front_desk, booked):
    r = client_for(front_desk).get(url(booked, "check"), fields(booked, "11:00"))
    assert r.status_code == 200
    assert r.json() == {"allowed": True, "problem": "", "needs_reason": ""}
    booked.refresh_from_db()
    assert (booked.start_at, booked.version) == (at(10), 1)
    assert not booked.events.exists()
    assert not AuditEvent.objects.filter(action="scheduling.appointment.moved").exists()


@pytest.mark.django_db
def test_it_names_the_double_booking_it_would_make(client_for, front_desk, booked, neighbour):
    r = client_for(front_desk).get(url(booked, "check"), fields(booked, "14:15"))
    answer = r.json()
    assert answer["allowed"] is False
    assert "already has an appointment" in answer["problem"]
    booked.refresh_from_db()
    assert booked.start_at == at(10)


@pytest.mark.django_db
def test_another_room_taken_then_is_named(client_for, front_desk, booked):
    other = PractitionerFactory()
    AppointmentFactory(practitioner=other, room=booked.room, start_at=at(11))
    r = client_for(front_desk).get(url(booked, "check"), fields(booked, "11:00"))
    assert r.json()["problem"] == (
        f"{booked.room} is already taken at Monday 7 January 11:00. Choose another room or time."
    )


@pytest.mark.django_db
def test_outside_hours_is_allowed_with_a_reason(client_for, front_desk, booked):
    r = client_for(front_desk).get(url(booked, "check"), fields(booked, "12:45"))
    answer = r.json()
    assert answer["allowed"] is True
    assert "is not working then" in answer["needs_reason"]
    # Outside hours and a double booking: refused for the double booking.
    AppointmentFactory(practitioner=booked.practitioner, start_at=at(18))
    answer = client_for(front_desk).get(url(booked, "check"), fields(booked, "18:00")).json()
    assert answer["allowed"] is False and "already has an appointment" in answer["problem"]
    assert "is not working then" in answer["needs_reason"]


@pytest.mark.django_db
def test_a_time_in_the_past_or_a_stale_page_is_refused(client_for, front_desk, booked):
    client = client_for(front_desk)
    past = fields(booked, "10:00") | {"date": "2020-01-06"}
    assert "That time has passed" in client.get(url(booked, "check"), past).json()["problem"]
    stale = fields(booked) | {"version": 7}
    assert "Someone else changed" in client.get(url(booked, "check"), stale).json()["problem"]


@pytest.mark.django_db
def test_odd_input_is_a_problem_not_an_error(client_for, front_desk, booked):
    r = client_for(front_desk).get(url(booked, "check"), {"date": "soon", "time": "x"})
    assert r.status_code == 200
    assert r.json()["allowed"] is False
    assert "Enter a valid date." in r.json()["problem"]


# --- The drop and its undo -------------------------------------------------------


@pytest.mark.django_db
def test_a_drop_moves_it_and_undo_puts_it_back(client_for, front_desk, booked):
    client = client_for(front_desk)
    r = client.post(url(booked, "drop"), fields(booked, "15:15", minutes=60))
    assert r.status_code == 200
    answer = r.json()
    assert answer["moved"] is True
    assert answer["message"] == (
        f"Moved Gwen Grey to Monday 7 January 15:15–16:15 with {booked.practitioner}, "
        f"{booked.room}."
    )
    assert answer["undo_url"] == url(booked, "undo") and answer["version"] == 2
    booked.refresh_from_db()
    assert (booked.start_at, booked.duration_minutes) == (at(15, 15), 60)

    r = client.post(answer["undo_url"], {"version": answer["version"]})
    assert r.status_code == 200
    assert r.json()["message"].startswith("Undone. Moved Gwen Grey to Monday 7 January 10:00–10:45")
    booked.refresh_from_db()
    assert (booked.start_at, booked.end_at, booked.version) == (at(10), at(10, 45), 3)
    # Each is a move of its own: history, audit, a message to the patient.
    assert [e.kind for e in booked.events.all()] == ["moved", "moved"]
    assert AuditEvent.objects.filter(action="scheduling.appointment.moved").count() == 2
    assert OutboundMessage.objects.filter(appointment=booked, kind="change").count() == 2


@pytest.mark.django_db
def test_undo_is_one_step_only(client_for, front_desk, booked):
    client = client_for(front_desk)
    client.post(url(booked, "drop"), fields(booked, "15:15"))
    client.post(url(booked, "undo"), {"version": 2})
    r = client.post(url(booked, "undo"), {"version": 3})
    # The undo was itself a move: undoing again swaps back (never further back).
    assert r.status_code == 200
    booked.refresh_from_db()
    assert booked.start_at == at(15, 15)


@pytest.mark.django_db
def test_undo_after_another_change_is_refused(client_for, front_desk, booked):
    client = client_for(front_desk)
    client.post(url(booked, "drop"), fields(booked, "15:15"))
    r = client.post(url(booked, "undo"), {"version": 1})
    assert r.status_code == 409
    assert "Someone else changed" in r.json()["problem"]
    fresh = AppointmentFactory(start_at=at(9))
    r = client.post(url(fresh, "undo"), {"version": 1})
    assert r.status_code == 409 and "no move to undo" in r.json()["problem"]
    assert client.post(url(fresh, "undo"), {}).status_code == 400


@pytest.mark.django_db
def test_a_refused_drop_changes_nothing(client_for, front_desk, booked, neighbour):
    client = client_for(front_desk)
    r = client.post(url(booked, "drop"), fields(booked, "14:00"))
    assert r.status_code == 409
    assert "already has an appointment" in r.json()["problem"]
    r = client.post(url(booked, "drop"), fields(booked, "12:45"))
    assert r.status_code == 409 and "To book anyway, say why." in r.json()["problem"]
    r = client.post(url(booked, "drop"), {"date": "garbage"})
    assert r.status_code == 400
    booked.refresh_from_db()
    assert (booked.start_at, booked.version) == (at(10), 1)
    assert not booked.events.exists()


@pytest.mark.django_db
def test_a_drop_outside_hours_with_a_reason_is_made(client_for, front_desk, booked):
    r = client_for(front_desk).post(
        url(booked, "drop"), fields(booked, "12:45", outside_hours_reason="Only time she can")
    )
    assert r.status_code == 200
    booked.refresh_from_db()
    assert booked.outside_hours_reason == "Only time she can"


@pytest.mark.django_db
def test_a_practitioner_moves_only_their_own(client_for, practitioner, booked):
    other = AppointmentFactory(start_at=at(9))
    client = client_for(practitioner.user)
    assert client.get(url(booked, "check"), fields(booked)).status_code == 200
    assert client.post(url(other, "drop"), fields(other)).status_code == 403
    assert client.post(url(other, "undo"), {"version": 1}).status_code == 403


@pytest.mark.django_db
def test_only_booked_appointments_move(client_for, front_desk, booked):
    Appointment.objects.filter(pk=booked.pk).update(status="completed")
    r = client_for(front_desk).post(url(booked, "drop"), fields(booked))
    assert r.status_code == 409
    assert "Only booked appointments can be moved" in r.json()["problem"]


# --- Queries do not grow with the data -------------------------------------------


def _busy_day(booked, count):
    rooms = [RoomFactory(name=f"Room {n}") for n in range(2, 6)]
    for n in range(count):
        AppointmentFactory(room=rooms[n % 4], start_at=at(9 + n // 4))


@pytest.mark.django_db
@pytest.mark.parametrize("others", [0, 12])
def test_the_check_makes_the_same_number_of_queries_whatever_the_data(
    client_for, front_desk, booked, django_assert_num_queries, others
):
    _busy_day(booked, others)
    client = client_for(front_desk)
    with django_assert_num_queries(CHECK_QUERIES):
        client.get(url(booked, "check"), fields(booked, "15:00"))


@pytest.mark.django_db
@pytest.mark.parametrize("others", [0, 12])
def test_the_drop_and_undo_make_the_same_number_of_queries_whatever_the_data(
    client_for, front_desk, booked, django_assert_num_queries, others
):
    _busy_day(booked, others)
    client = client_for(front_desk)
    with django_assert_num_queries(DROP_QUERIES):
        assert client.post(url(booked, "drop"), fields(booked, "15:00")).status_code == 200
    with django_assert_num_queries(UNDO_QUERIES):
        assert client.post(url(booked, "undo"), {"version": 2}).status_code == 200


# Expect 20 queries for the check: session / user / the appointment (joined) /
# the form's practitioner / room / savepoint / the appointment locked /
# load_availability: closures, working hours, exceptions, rooms, busy times /
# savepoint, the UPDATE, release / roll back, release / savepoint, session save, release.
CHECK_QUERIES = 20
# The drop: the same 17 up to the UPDATE's release (nothing rolled back), then
# version read back / history / audit / patient's message / release, and the session's 3.
DROP_QUERIES = 23
# The undo: the drop's, with the last event read instead of the form's practitioner
# and room (the event's two lookups instead), so one query more.
UNDO_QUERIES = 24


# --- The move form: the next free times, and its own undo ---------------------------


@pytest.mark.django_db
def test_the_move_form_offers_the_next_free_times_in_the_same_room(
    client_for, front_desk, working_week, room, follow_up
):
    import re

    from django.utils import timezone

    today = timezone.localdate()
    start = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=7), datetime.time(10))
    )
    appointment = AppointmentFactory(
        practitioner=working_week, room=room, appointment_type=follow_up, start_at=start
    )
    html = client_for(front_desk).get(f"/calendar/appointments/{appointment.uuid}/move/").content
    html = html.decode()
    section = html[html.index('data-testid="free-times"') :]
    assert f"the next free times with {working_week} in {room}" in section
    values = re.findall(r'name="slot" value="([0-9T:-]+)"', section)
    assert len(values) == 6
    assert values == sorted(values)
    # "Save new time" comes before them: Enter in a field never picks a free time.
    assert html.index("Save new time") < html.index('name="slot"')


@pytest.mark.django_db
def test_one_click_on_a_free_time_moves_it_there(client_for, front_desk, booked):
    other_room = RoomFactory(name="Cedar")
    data = fields(booked, "09:00") | {"room": other_room.uuid, "slot": "2030-01-08T15:15"}
    r = client_for(front_desk).post(f"/calendar/appointments/{booked.uuid}/move/", data)
    assert r.status_code == 302
    booked.refresh_from_db()
    # The free time's date and time, with the appointment's own practitioner and room.
    assert booked.start_at == datetime.datetime(2030, 1, 8, 15, 15, tzinfo=UTC)
    assert booked.room.name == "Room 1"


@pytest.mark.django_db
def test_the_move_form_s_undo_puts_it_back_and_shows_the_form(client_for, front_desk, booked):
    client = client_for(front_desk)
    hx = {"HX-Request": "true"}
    r = client.post(
        f"/calendar/appointments/{booked.uuid}/move/", fields(booked, "15:00"), headers=hx
    )
    body = r.content.decode()
    assert f'hx-post="{url(booked, "undo")}"' in body
    r = client.post(url(booked, "undo"), {"version": 2}, headers=hx)
    body = r.content.decode()
    assert r["HX-Trigger"] == "calendarChanged"
    assert "Undone. Moved Gwen Grey to Monday 7 January 10:00–10:45" in body
    assert "Now: Monday 7 January 2030, 10:00" in body
    assert 'hx-post="' + url(booked, "undo") not in body  # one step only
    booked.refresh_from_db()
    assert booked.start_at == at(10)
    r = client.post(url(booked, "undo"), {"version": 1}, headers=hx)
    assert "Someone else changed" in r.content.decode()


# --- The grids carry what calendar.js needs ----------------------------------------


@pytest.mark.django_db
def test_the_day_grid_marks_what_may_be_dragged(client_for, front_desk, booked):
    html = client_for(front_desk).get("/calendar/", {"date": "2030-01-07"}).content.decode()
    entry = html[html.index('data-testid="calendar-appointment"') :][:2500]
    for attribute in (
        "data-movable",
        f'data-check-url="{url(booked, "check")}"',
        f'data-drop-url="{url(booked, "drop")}"',
        'data-version="1"',
        'data-day="2030-01-07" data-time="10:00" data-minutes="45" data-buffer="15"',
        f'data-practitioner="{booked.practitioner.uuid}" data-room="{booked.room.uuid}"',
    ):
        assert attribute in entry
    # The grip is shown by calendar.js (hidden without it: the Move link does the work).
    assert (
        '<button type="button" class="btn btn-sm btn-outline-secondary cal-grip" data-grip hidden'
        in entry
    )
    assert "Move Gwen Grey, 10:00–10:45, by dragging or with the arrow keys" in entry
    assert 'class="btn btn-sm btn-outline-secondary cal-move" href="' in entry
    assert f'data-practitioner="{booked.practitioner.uuid}"' in html[html.index("<thead") :]
    assert 'data-clock="09:00"' in html and 'id="calendar-announce"' in html
    assert '<dialog id="drop-confirm"' in html


@pytest.mark.django_db
def test_nothing_is_draggable_that_the_user_may_not_move(client_for, booked):
    other = PractitionerFactory()
    html = client_for(other.user).get("/calendar/", {"date": "2030-01-07"}).content.decode()
    assert "Gwen Grey" in html
    assert "data-movable" not in html and "data-grip" not in html


@pytest.mark.django_db
def test_the_week_has_a_list_for_a_phone(client_for, front_desk, booked):
    html = (
        client_for(front_desk)
        .get("/calendar/week/", {"date": "2030-01-07", "practitioner": booked.practitioner.uuid})
        .content.decode()
    )
    agenda = html[html.index('data-testid="calendar-agenda"') :]
    assert "Monday 7 January" in agenda
    item = agenda[agenda.index('data-testid="agenda-appointment"') :][:1200]
    assert "10:00–10:45" in item and "Gwen Grey" in item and "Booked" in item
    assert "Free 09:00–10:00" in agenda
