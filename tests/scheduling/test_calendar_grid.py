"""The day and week grids (scheduling.calendar), built without HTTP."""

import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from scheduling.availability import load_availability
from scheduling.calendar import Column, build_grid, week_of
from scheduling.models import Appointment, AvailabilityException
from tests.factories import PractitionerFactory
from tests.factories.scheduling import (
    AppointmentFactory,
    AppointmentTypeFactory,
    AvailabilityExceptionFactory,
    ClinicClosureFactory,
    RoomFactory,
    WorkingHoursFactory,
)
from tests.scheduling.conftest import MONDAY

UTC = datetime.UTC
LONDON = ZoneInfo("Europe/London")
# Long before every test day, so that free cells are bookable, not "past".
EARLIER = datetime.datetime(2029, 1, 1, tzinfo=UTC)
SPRING_FORWARD = datetime.date(2030, 3, 31)  # a Sunday: 01:00 GMT becomes 02:00 BST
FALL_BACK = datetime.date(2030, 10, 27)  # a Sunday: 02:00 BST becomes 01:00 GMT


def at(day, hour, minute=0):
    """A UTC datetime (winter days: the same as London's clock)."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def grid_for(practitioners, day, *, last_day=None, room=None, now=EARLIER, week=False, **kwargs):
    last_day = last_day or day
    ids = [p.id for p in practitioners]
    availability = load_availability(ids, day, last_day)
    appointments = list(
        Appointment.objects.active()
        .for_calendar()
        .filter(practitioner_id__in=ids, start_at__date__gte=day - datetime.timedelta(days=1))
    )
    if week:
        columns = [Column(practitioners[0], d, heading=f"{d:%a}") for d in week_of(day)]
    else:
        columns = [Column(p, day, heading=str(p)) for p in practitioners]
    return build_grid(
        columns,
        availability,
        appointments,
        slot_minutes=15,
        now=now,
        room=room,
        book_url="/calendar/appointments/new/",
        **kwargs,
    )


def labels(grid):
    return [row.label for row in grid.rows]


def cell(grid, clock, column=0):
    """The cell of a column in the row at ``clock``; None when an earlier cell covers it."""
    (row,) = [row for row in grid.rows if row.label == clock]
    wanted = grid.columns[column]
    found = [c for c in row.cells if c.column is wanted]
    return found[0] if found else None


def hours(practitioner, weekday, start, end):
    return WorkingHoursFactory(
        practitioner=practitioner,
        weekday=weekday,
        start_time=datetime.time(*start),
        end_time=datetime.time(*end),
    )


@pytest.fixture
def rooms(db):
    return [RoomFactory(name="Room 1"), RoomFactory(name="Room 2")]


@pytest.mark.django_db
def test_rows_run_from_the_earliest_start_to_the_latest_end_of_the_shown_practitioners(
    working_week, other_practitioner, rooms
):
    hours(other_practitioner, 0, (8, 0), (13, 0))
    grid = grid_for([working_week, other_practitioner], MONDAY)
    assert labels(grid)[0] == "08:00" and labels(grid)[-1] == "16:45"
    assert len(grid.rows) == 36
    assert cell(grid, "08:00", 0).kind == "off"  # Pat starts at 09:00
    assert cell(grid, "08:00", 1).kind == "free"
    assert cell(grid, "12:30", 0).kind == "off"  # Pat's lunch
    assert cell(grid, "13:00", 1).kind == "off"  # Olly has gone home
    assert cell(grid, "13:30", 0).kind == "free"


@pytest.mark.django_db
def test_nobody_working_shows_eight_to_six_all_not_working(practitioner, rooms):
    grid = grid_for([practitioner], MONDAY)
    assert labels(grid)[0] == "08:00" and labels(grid)[-1] == "17:45"
    assert {c.kind for row in grid.rows for c in row.cells} == {"off"}
    assert cell(grid, "09:00").label == "Not working"
    assert cell(grid, "09:00").book_url == ""


@pytest.mark.django_db
def test_free_cells_link_to_the_booking_form_with_practitioner_start_and_a_free_room(
    working_week, rooms
):
    grid = grid_for([working_week], MONDAY)
    free = cell(grid, "09:15")
    assert free.kind == "free"
    assert free.label == "Book 09:15 with Pat Practitioner"
    url = urlsplit(free.book_url)
    assert url.path == "/calendar/appointments/new/"
    assert parse_qs(url.query) == {
        "practitioner": [str(working_week.uuid)],
        "start": ["2030-01-07T09:15"],
        "room": [str(rooms[0].uuid)],
    }


@pytest.mark.django_db
def test_an_appointment_spans_its_rows_and_the_rows_it_covers_have_no_cell(
    working_week, other_practitioner, rooms, follow_up
):
    hours(other_practitioner, 0, (9, 0), (17, 0))
    # 45 minutes and a 15-minute buffer: 10:00 to 11:00, four rows.
    AppointmentFactory(
        practitioner=working_week,
        room=rooms[0],
        appointment_type=follow_up,
        start_at=at(MONDAY, 10),
    )
    grid = grid_for([working_week, other_practitioner], MONDAY)
    booked = cell(grid, "10:00")
    assert booked.kind == "appointment" and booked.rowspan == 4
    assert [e.appointment.practitioner for e in booked.entries] == [working_week]
    assert booked.entries[0].time_label == "10:00–10:45"
    for clock in ("10:15", "10:30", "10:45"):
        assert cell(grid, clock, 0) is None
        assert cell(grid, clock, 1).kind == "free"  # the other column is untouched
        (row,) = [r for r in grid.rows if r.label == clock]
        assert len(row.cells) == 1
    assert cell(grid, "11:00").kind == "free"
    assert cell(grid, "09:45").kind == "free"


@pytest.mark.django_db
def test_an_appointment_starting_off_the_grid_sits_in_the_slot_holding_its_start(
    working_week, rooms, follow_up
):
    # 09:10–09:55, blocked until 10:10: rows 09:00 to 10:00 (five) are taken.
    AppointmentFactory(
        practitioner=working_week,
        room=rooms[0],
        appointment_type=follow_up,
        start_at=at(MONDAY, 9, 10),
    )
    grid = grid_for([working_week], MONDAY)
    booked = cell(grid, "09:00")
    assert booked.kind == "appointment" and booked.rowspan == 5
    assert booked.entries[0].time_label == "09:10–09:55"
    assert cell(grid, "10:00") is None
    assert cell(grid, "10:15").kind == "free"


@pytest.mark.django_db
def test_two_appointments_starting_in_one_slot_share_its_cell(working_week, rooms):
    short = AppointmentTypeFactory(name="Check-in", duration_minutes=5, buffer_after_minutes=0)
    for minute in (0, 5):
        AppointmentFactory(
            practitioner=working_week,
            room=rooms[0],
            appointment_type=short,
            start_at=at(MONDAY, 9, minute),
        )
    grid = grid_for([working_week], MONDAY)
    shared = cell(grid, "09:00")
    assert shared.rowspan == 1
    assert [e.time_label for e in shared.entries] == ["09:00–09:05", "09:05–09:10"]
    assert cell(grid, "09:15").kind == "free"


@pytest.mark.django_db
def test_cancelled_and_no_show_appointments_leave_the_time_free(working_week, rooms):
    AppointmentFactory(
        practitioner=working_week,
        room=rooms[0],
        start_at=at(MONDAY, 10),
        status=Appointment.Status.NO_SHOW,
    )
    grid = grid_for([working_week], MONDAY)
    assert cell(grid, "10:00").kind == "free"
    # Even when handed to the builder, an inactive appointment is left out.
    availability = load_availability([working_week.id], MONDAY, MONDAY)
    grid = build_grid(
        [Column(working_week, MONDAY, heading="Pat")],
        availability,
        list(Appointment.objects.for_calendar()),
        slot_minutes=15,
        now=EARLIER,
    )
    assert cell(grid, "10:00").kind == "free"


@pytest.mark.django_db
def test_an_appointment_outside_working_hours_widens_the_grid(working_week, rooms, follow_up):
    AppointmentFactory(
        practitioner=working_week,
        room=rooms[0],
        appointment_type=follow_up,
        start_at=at(MONDAY, 7, 30),
        outside_hours_reason="Only time the patient could come",
    )
    grid = grid_for([working_week], MONDAY)
    assert labels(grid)[0] == "07:30"
    assert cell(grid, "07:30").kind == "appointment"
    assert cell(grid, "07:30").rowspan == 4
    assert cell(grid, "08:30").kind == "off"


@pytest.mark.django_db
def test_time_off_and_closures_make_cells_not_working(working_week, rooms):
    AvailabilityExceptionFactory(
        practitioner=working_week,
        kind=AvailabilityException.Kind.TIME_OFF,
        start_at=at(MONDAY, 13, 30),
        end_at=at(MONDAY, 15),
    )
    grid = grid_for([working_week], MONDAY)
    assert cell(grid, "13:30").kind == "off"
    assert cell(grid, "14:45").kind == "off"
    assert cell(grid, "15:00").kind == "free"

    tuesday = MONDAY + datetime.timedelta(days=1)
    ClinicClosureFactory(start_date=tuesday, end_date=tuesday)
    grid = grid_for([working_week], tuesday)
    assert {c.kind for row in grid.rows for c in row.cells} == {"off"}


@pytest.mark.django_db
def test_extra_hours_are_working_time(practitioner, rooms):
    AvailabilityExceptionFactory(
        practitioner=practitioner,
        kind=AvailabilityException.Kind.EXTRA_HOURS,
        start_at=at(MONDAY, 18),
        end_at=at(MONDAY, 19),
    )
    grid = grid_for([practitioner], MONDAY)
    assert labels(grid)[0] == "18:00" and len(grid.rows) == 4
    assert cell(grid, "18:00").kind == "free"


@pytest.mark.django_db
def test_the_room_filter_shows_that_rooms_appointments_and_free_time(
    working_week, other_practitioner, rooms, follow_up
):
    room_1, room_2 = rooms
    AppointmentFactory(
        practitioner=working_week, room=room_1, appointment_type=follow_up, start_at=at(MONDAY, 10)
    )
    AppointmentFactory(
        practitioner=other_practitioner,
        room=room_2,
        appointment_type=follow_up,
        start_at=at(MONDAY, 14),
    )

    in_room_1 = grid_for([working_week], MONDAY, room=room_1)
    assert cell(in_room_1, "10:00").kind == "appointment"
    assert cell(in_room_1, "14:00").kind == "free"
    assert f"room={room_1.uuid}" in cell(in_room_1, "14:00").book_url

    in_room_2 = grid_for([working_week], MONDAY, room=room_2)
    # Pat's 10:00 is in Room 1: not shown, but Pat is not free either.
    assert cell(in_room_2, "10:00").kind == "busy"
    assert cell(in_room_2, "10:45").kind == "busy"
    # Olly has Room 2 at 14:00: Pat is free but the room is not.
    assert cell(in_room_2, "14:00").kind == "no_room"
    assert cell(in_room_2, "14:00").label == "Free, but Room 2 is taken"
    assert f"room={room_2.uuid}" in cell(in_room_2, "09:00").book_url


@pytest.mark.django_db
def test_a_time_with_every_room_taken_is_not_bookable(working_week, other_practitioner, rooms):
    for room in rooms:
        AppointmentFactory(practitioner=PractitionerFactory(), room=room, start_at=at(MONDAY, 10))
    grid = grid_for([working_week], MONDAY)
    assert cell(grid, "10:00").kind == "no_room"
    assert cell(grid, "10:00").book_url == ""


@pytest.mark.django_db
def test_free_time_that_has_passed_is_not_bookable(working_week, rooms):
    grid = grid_for([working_week], MONDAY, now=at(MONDAY, 12))
    assert cell(grid, "11:45").kind == "past"
    assert cell(grid, "11:45").book_url == ""
    assert cell(grid, "13:30").kind == "free"


@pytest.mark.django_db
def test_no_booking_links_for_practitioners_the_user_may_not_book_for(
    working_week, other_practitioner, rooms
):
    hours(other_practitioner, 0, (9, 0), (17, 0))
    grid = grid_for(
        [working_week, other_practitioner],
        MONDAY,
        can_book=lambda practitioner: practitioner == working_week,
    )
    assert cell(grid, "09:00", 0).book_url
    assert cell(grid, "09:00", 1).kind == "free"
    assert cell(grid, "09:00", 1).book_url == ""
    assert cell(grid, "09:00", 1).label == "Free"


@pytest.mark.django_db
def test_can_move_marks_the_appointments_that_get_a_move_button(working_week, rooms):
    mine = AppointmentFactory(practitioner=working_week, room=rooms[0], start_at=at(MONDAY, 10))
    grid = grid_for([working_week], MONDAY, can_move=lambda a: a.pk == mine.pk)
    assert cell(grid, "10:00").entries[0].can_move
    assert not grid_for([working_week], MONDAY).rows[4].cells[0].entries[0].can_move


@pytest.mark.django_db
@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK], ids=["spring", "autumn"])
def test_daylight_saving_days_have_the_usual_rows_at_the_usual_times(practitioner, rooms, day):
    hours(practitioner, 6, (9, 0), (17, 0))  # Sundays, 09:00–17:00 local
    nine = datetime.datetime.combine(day, datetime.time(9), tzinfo=LONDON)
    AppointmentFactory(practitioner=practitioner, room=rooms[0], start_at=nine)
    grid = grid_for([practitioner], day)
    assert len(grid.rows) == 32
    assert labels(grid)[0] == "09:00" and labels(grid)[-1] == "16:45"
    booked = cell(grid, "09:00")
    assert booked.kind == "appointment"
    assert booked.entries[0].time_label == "09:00–09:45"
    assert booked.start == nine
    free = cell(grid, "10:00")
    assert free.kind == "free"
    assert free.start == nine + datetime.timedelta(hours=1)
    assert "start=" + f"{day:%Y-%m-%d}T10:00" in free.book_url
    assert cell(grid, "16:45").kind == "free"


@pytest.mark.django_db
def test_the_week_grid_has_a_column_per_day(working_week, rooms, follow_up):
    wednesday = MONDAY + datetime.timedelta(days=2)
    AppointmentFactory(
        practitioner=working_week,
        room=rooms[0],
        appointment_type=follow_up,
        start_at=at(wednesday, 11),
    )
    grid = grid_for([working_week], MONDAY, last_day=MONDAY + datetime.timedelta(days=6), week=True)
    assert [c.day for c in grid.columns] == week_of(wednesday)
    assert len(grid.rows) == 32  # 09:00–17:00
    assert cell(grid, "11:00", 2).kind == "appointment"
    assert cell(grid, "11:00", 0).kind == "free"
    assert cell(grid, "11:00", 5).kind == "off"  # Saturday
    assert "start=2030-01-11T11:00" in cell(grid, "11:00", 4).book_url


def test_week_of_runs_monday_to_sunday():
    sunday = datetime.date(2030, 1, 13)
    assert week_of(sunday) == [MONDAY + datetime.timedelta(days=n) for n in range(7)]
    assert week_of(MONDAY)[0] == MONDAY


@pytest.mark.django_db
def test_the_agenda_lists_each_day_s_appointments_and_joins_free_slots():
    """The week as a list (a phone): appointments, and free time in runs."""
    practitioner = PractitionerFactory()
    hours(practitioner, 0, (9, 0), (12, 0))
    RoomFactory(name="Room 1")
    kind = AppointmentTypeFactory(duration_minutes=45, buffer_after_minutes=15)
    AppointmentFactory(practitioner=practitioner, appointment_type=kind, start_at=at(MONDAY, 10))
    grid = grid_for([practitioner], MONDAY, last_day=MONDAY + datetime.timedelta(days=6), week=True)
    days = grid.agenda
    assert [column.day for column, _ in days] == week_of(MONDAY)
    monday = days[0][1]
    lines = [(item.cell.kind, f"{item.cell.start:%H:%M}", f"{item.end:%H:%M}") for item in monday]
    assert lines == [
        ("free", "09:00", "10:00"),
        ("appointment", "10:00", "11:00"),
        ("free", "11:00", "12:00"),
    ]
    assert monday[1].cell.entries[0].appointment.start_at == at(MONDAY, 10)
    assert all(items == [] for _, items in days[1:])  # no hours on the other days
