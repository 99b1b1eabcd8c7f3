"""find_slots, the one slot finder: every rule that keeps a time from being offered."""

import datetime as dt

import pytest

from clinic.models import ClinicSettings
from scheduling.availability import local_datetime
from scheduling.models import AvailabilityException
from scheduling.slots import find_slots
from tests.factories import PractitionerFactory
from tests.factories.scheduling import (
    AppointmentFactory,
    AppointmentTypeFactory,
    AvailabilityExceptionFactory,
    ClinicClosureFactory,
    RoomFactory,
    WorkingHoursFactory,
)

MONDAY = dt.date(2030, 1, 7)  # January: London is on UTC
TUESDAY = MONDAY + dt.timedelta(days=1)
LONG_AGO = dt.datetime(2029, 1, 1, tzinfo=dt.UTC)


def at(day, hh_mm):
    hour, minute = map(int, hh_mm.split(":"))
    return local_datetime(day, dt.time(hour, minute))


def times(slots):
    return [f"{slot.local_start:%H:%M}" for slot in slots]


def quarter_hours(first, last):
    """Local HH:MM every 15 minutes from first to last, both included."""
    start, end = at(MONDAY, first), at(MONDAY, last)
    out = []
    while start <= end:
        out.append(f"{start:%H:%M}")
        start += dt.timedelta(minutes=15)
    return out


@pytest.fixture
def kind(db):
    return AppointmentTypeFactory(name="Treatment", duration_minutes=45, buffer_after_minutes=0)


@pytest.fixture
def room(db):
    return RoomFactory(name="Room A")


@pytest.fixture
def prac(db, room):
    practitioner = PractitionerFactory(user__full_name="Mia Morning")
    # Monday with a lunch break.
    WorkingHoursFactory(practitioner=practitioner, weekday=0, start_time=dt.time(9), end_time=dt.time(12, 30))  # fmt: skip
    WorkingHoursFactory(practitioner=practitioner, weekday=0, start_time=dt.time(13, 30), end_time=dt.time(17))  # fmt: skip
    return practitioner


def slots_on(day, kind, **kwargs):
    kwargs.setdefault("not_before", LONG_AGO)
    kwargs.setdefault("limit", 200)
    return find_slots(appointment_type=kind, first_day=day, last_day=day, **kwargs)


def test_it_offers_the_working_hours_around_the_break(prac, kind):
    slots = slots_on(MONDAY, kind, practitioner=prac)
    assert times(slots) == quarter_hours("09:00", "11:45") + quarter_hours("13:30", "16:15")
    assert all(slot.end - slot.start == dt.timedelta(minutes=45) for slot in slots)
    assert {slot.practitioner for slot in slots} == {prac}


def test_no_working_hours_no_slots(prac, kind):
    assert slots_on(TUESDAY, kind, practitioner=prac) == []


def test_time_off_is_not_offered(prac, kind):
    AvailabilityExceptionFactory(
        practitioner=prac, start_at=at(MONDAY, "10:00"), end_at=at(MONDAY, "11:00")
    )
    got = times(slots_on(MONDAY, kind, practitioner=prac))
    assert got[:3] == ["09:00", "09:15", "11:00"]  # 09:15 ends exactly when time off starts


def test_extra_hours_add_bookable_time(prac, kind):
    AvailabilityExceptionFactory(
        practitioner=prac,
        kind=AvailabilityException.Kind.EXTRA_HOURS,
        start_at=at(TUESDAY, "18:00"),
        end_at=at(TUESDAY, "19:00"),
    )
    assert times(slots_on(TUESDAY, kind, practitioner=prac)) == ["18:00", "18:15"]


def test_extra_hours_extend_a_working_day(prac, kind):
    AvailabilityExceptionFactory(
        practitioner=prac,
        kind=AvailabilityException.Kind.EXTRA_HOURS,
        start_at=at(MONDAY, "17:00"),
        end_at=at(MONDAY, "18:00"),
    )
    assert times(slots_on(MONDAY, kind, practitioner=prac))[-1] == "17:15"


def test_clinic_closures_close_the_day(prac, kind):
    ClinicClosureFactory(start_date=MONDAY, end_date=MONDAY)
    AvailabilityExceptionFactory(  # even extra hours on a closed day are not offered
        practitioner=prac,
        kind=AvailabilityException.Kind.EXTRA_HOURS,
        start_at=at(MONDAY, "18:00"),
        end_at=at(MONDAY, "19:00"),
    )
    assert slots_on(MONDAY, kind, practitioner=prac) == []
    next_monday = MONDAY + dt.timedelta(days=7)
    assert times(slots_on(next_monday, kind, practitioner=prac))[0] == "09:00"


def test_the_buffer_after_keeps_time_free(prac, room):
    buffered = AppointmentTypeFactory(
        name="With buffer", duration_minutes=45, buffer_after_minutes=15
    )
    AppointmentFactory(practitioner=prac, room=room, appointment_type=buffered, start_at=at(MONDAY, "10:00"))  # fmt: skip
    got = times(slots_on(MONDAY, buffered, practitioner=prac))
    # 09:00 + 45 + 15 ends at 10:00; 09:15 would run its buffer into 10:00.
    # The 10:00 visit blocks until 11:00 (its own buffer).
    assert got[:2] == ["09:00", "11:00"]


def test_the_existing_appointments_buffer_blocks_the_practitioner(prac, kind, room):
    buffered = AppointmentTypeFactory(name="Long buffer", duration_minutes=30, buffer_after_minutes=30)  # fmt: skip
    AppointmentFactory(practitioner=prac, room=room, appointment_type=buffered, start_at=at(MONDAY, "09:00"))  # fmt: skip
    assert times(slots_on(MONDAY, kind, practitioner=prac))[0] == "10:00"


def test_the_practitioners_appointments_are_not_offered(prac, kind):
    other_room = RoomFactory(name="Room B")
    AppointmentFactory(practitioner=prac, room=other_room, appointment_type=kind, start_at=at(MONDAY, "09:00"))  # fmt: skip
    assert times(slots_on(MONDAY, kind, practitioner=prac))[0] == "09:45"


def test_cancelled_appointments_free_the_time(prac, kind, room):
    AppointmentFactory(
        practitioner=prac,
        room=room,
        appointment_type=kind,
        start_at=at(MONDAY, "09:00"),
        status="cancelled",
        cancelled_at=LONG_AGO,
        cancelled_by="patient",
        cancellation_reason="Ill",
    )
    assert times(slots_on(MONDAY, kind, practitioner=prac))[0] == "09:00"


def test_a_taken_room_moves_the_slot_to_another_room(prac, kind, room):
    other_room = RoomFactory(name="Room B")
    AppointmentFactory(room=room, appointment_type=kind, start_at=at(MONDAY, "09:00"))
    first = slots_on(MONDAY, kind, practitioner=prac)[0]
    assert (times([first]), first.room) == (["09:00"], other_room)


def test_no_free_room_means_no_slot(prac, kind, room):
    AppointmentFactory(room=room, appointment_type=kind, start_at=at(MONDAY, "09:00"))
    assert times(slots_on(MONDAY, kind, practitioner=prac))[0] == "09:45"


def test_inactive_rooms_are_never_offered(prac, kind, room):
    room.is_active = False
    room.save()
    assert slots_on(MONDAY, kind, practitioner=prac) == []


@pytest.mark.parametrize(
    ("parts", "first", "last"),
    [
        (["morning"], "09:00", "11:45"),
        (["afternoon"], "13:30", "16:15"),
        (["morning", "afternoon"], "09:00", "16:15"),
        ([], "09:00", "16:15"),
    ],
)
def test_day_parts_filter_by_local_start_time(prac, kind, parts, first, last):
    got = times(slots_on(MONDAY, kind, practitioner=prac, day_parts=parts))
    assert (got[0], got[-1]) == (first, last)


def test_evening_finds_nothing_when_nobody_works_then(prac, kind):
    assert slots_on(MONDAY, kind, practitioner=prac, day_parts=["evening"]) == []


def test_an_afternoon_slot_starts_at_noon_or_later(kind):
    practitioner = PractitionerFactory()
    WorkingHoursFactory(practitioner=practitioner, weekday=0, start_time=dt.time(11), end_time=dt.time(14))  # fmt: skip
    RoomFactory(name="Room A")
    got = times(slots_on(MONDAY, kind, practitioner=practitioner, day_parts=["afternoon"]))
    assert got == ["12:00", "12:15", "12:30", "12:45", "13:00", "13:15"]


def test_a_practitioner_who_does_not_offer_the_type_is_left_out(prac, kind):
    other = PractitionerFactory(user__full_name="Olly Other")
    WorkingHoursFactory(practitioner=other, weekday=0, start_time=dt.time(8), end_time=dt.time(9))  # fmt: skip
    kind.practitioners.set([prac])
    slots = slots_on(MONDAY, kind)
    assert {slot.practitioner for slot in slots} == {prac}
    # Asked for by name, they still get nothing for a type they do not offer.
    assert slots_on(MONDAY, kind, practitioner=other) == []


def test_a_type_listing_nobody_is_offered_by_every_practitioner(prac, kind):
    other = PractitionerFactory(user__full_name="Olly Other")
    WorkingHoursFactory(practitioner=other, weekday=0, start_time=dt.time(8), end_time=dt.time(9))  # fmt: skip
    RoomFactory(name="Room B")
    slots = slots_on(MONDAY, kind)
    assert {slot.practitioner for slot in slots} == {prac, other}
    assert times(slots)[:2] == ["08:00", "08:15"]


def test_inactive_practitioners_are_left_out(prac, kind):
    prac.is_active = False
    prac.save()
    assert slots_on(MONDAY, kind) == []
    assert slots_on(MONDAY, kind, practitioner=prac) == []


def test_slots_start_on_the_local_grid(prac, kind):
    # Free time from 09:07: the first slot is on the quarter hour after it.
    AvailabilityExceptionFactory(
        practitioner=prac, start_at=at(MONDAY, "09:00"), end_at=at(MONDAY, "09:07")
    )
    slots = slots_on(MONDAY, kind, practitioner=prac)
    assert times(slots)[0] == "09:15"
    assert all(slot.local_start.minute % 15 == 0 for slot in slots)
    assert all(slot.local_start.second == 0 for slot in slots)


def test_the_grid_follows_the_clinic_setting(prac, kind):
    settings = ClinicSettings.load()
    settings.slot_minutes = 20
    settings.save()
    got = times(slots_on(MONDAY, kind, practitioner=prac))
    assert got[:4] == ["09:00", "09:20", "09:40", "10:00"]
    assert got[-1] == "16:00"  # 16:20 would end after 17:00
    assert all(int(t[3:]) in (0, 20, 40) for t in got)


def test_an_appointment_ending_off_grid_moves_the_next_slot_to_the_grid(prac, kind, room):
    odd = AppointmentTypeFactory(name="Short", duration_minutes=50, buffer_after_minutes=0)
    AppointmentFactory(practitioner=prac, room=room, appointment_type=odd, start_at=at(MONDAY, "09:00"))  # fmt: skip
    assert times(slots_on(MONDAY, kind, practitioner=prac))[0] == "10:00"


def test_nothing_in_the_past(prac, kind):
    slots = slots_on(MONDAY, kind, practitioner=prac, not_before=at(MONDAY, "10:05"))
    assert times(slots)[0] == "10:15"
    assert slots_on(MONDAY, kind, practitioner=prac, not_before=at(TUESDAY, "00:00")) == []


def test_it_defaults_to_now_for_the_past(prac, kind):
    # The test clock is today, long before 2030: every slot of 2030 is offered.
    assert find_slots(appointment_type=kind, first_day=MONDAY, last_day=MONDAY, practitioner=prac)
    past_monday = dt.date(2020, 1, 6)
    assert (
        find_slots(appointment_type=kind, first_day=past_monday, last_day=past_monday, practitioner=prac)
        == []
    )  # fmt: skip


def test_earliest_first_across_practitioners_and_days_with_a_limit(prac, kind):
    RoomFactory(name="Room B")
    early = PractitionerFactory(user__full_name="Eddie Early")
    WorkingHoursFactory(practitioner=early, weekday=0, start_time=dt.time(8), end_time=dt.time(9, 30))  # fmt: skip
    WorkingHoursFactory(practitioner=early, weekday=1, start_time=dt.time(7), end_time=dt.time(8))  # fmt: skip
    slots = find_slots(
        appointment_type=kind,
        first_day=MONDAY,
        last_day=TUESDAY,
        limit=6,
        not_before=LONG_AGO,
    )
    assert [(f"{s.local_start:%a %H:%M}", s.practitioner.user.full_name) for s in slots] == [
        ("Mon 08:00", "Eddie Early"),
        ("Mon 08:15", "Eddie Early"),
        ("Mon 08:30", "Eddie Early"),
        ("Mon 08:45", "Eddie Early"),  # 09:00 would end after 09:30
        ("Mon 09:00", "Mia Morning"),
        ("Mon 09:15", "Mia Morning"),
    ]
    everything = find_slots(
        appointment_type=kind, first_day=MONDAY, last_day=TUESDAY, limit=500, not_before=LONG_AGO
    )
    assert [s.start for s in everything] == sorted(s.start for s in everything)
    assert times(everything)[-2:] == ["07:00", "07:15"]  # Tuesday, the last day


def test_each_slot_is_free_on_its_own_even_if_two_share_the_only_room(prac, kind, room):
    other = PractitionerFactory(user__full_name="Olly Other")
    WorkingHoursFactory(practitioner=other, weekday=0, start_time=dt.time(9), end_time=dt.time(17))  # fmt: skip
    # Each slot is free on its own; the list does not promise both at once.
    slots = slots_on(MONDAY, kind)
    nine = [s for s in slots if times([s]) == ["09:00"]]
    assert {s.practitioner for s in nine} == {prac, other}
    assert {s.room for s in nine} == {room}


def test_a_search_beyond_the_first_week_finds_the_later_slots_in_order(prac, kind):
    """The first week is searched first (see slots._windows); when it holds too
    few slots the rest of the range is searched, and the two join in time order."""
    three_mondays = find_slots(
        appointment_type=kind,
        first_day=MONDAY,
        last_day=MONDAY + dt.timedelta(days=20),
        practitioner=prac,
        limit=50,
        not_before=LONG_AGO,
    )
    per_monday = len(slots_on(MONDAY, kind, practitioner=prac))  # 24: Mondays only
    assert len(three_mondays) == 50
    assert [s.start for s in three_mondays] == sorted(s.start for s in three_mondays)
    assert {s.local_start.date() for s in three_mondays} == {
        MONDAY,
        MONDAY + dt.timedelta(days=7),
        MONDAY + dt.timedelta(days=14),
    }
    assert len({s.start for s in three_mondays}) == 50  # none found twice
    assert sum(s.local_start.date() == MONDAY for s in three_mondays) == per_monday


def test_a_booking_just_after_the_first_week_still_blocks_a_late_slot(room):
    """The last evening of the first week is checked against the next morning's
    bookings too: a buffer that runs past midnight must not overlap them."""
    kind = AppointmentTypeFactory(name="Late", duration_minutes=30, buffer_after_minutes=30)
    night_owl = PractitionerFactory(user__full_name="Nia Night")
    sunday, next_monday = MONDAY + dt.timedelta(days=6), MONDAY + dt.timedelta(days=7)
    AvailabilityExceptionFactory(
        practitioner=night_owl,
        kind=AvailabilityException.Kind.EXTRA_HOURS,
        start_at=at(sunday, "23:00"),
        end_at=at(next_monday, "00:30"),
    )
    AppointmentFactory(practitioner=night_owl, room=room, appointment_type=kind, start_at=at(next_monday, "00:15"))  # fmt: skip
    slots = find_slots(
        appointment_type=kind,
        first_day=MONDAY,
        last_day=next_monday,
        practitioner=night_owl,
        limit=10,
        not_before=LONG_AGO,
    )
    # 23:30 would block until 00:30, into the 00:15 visit; 23:45 likewise.
    assert [f"{s.local_start:%a %H:%M}" for s in slots] == ["Sun 23:00", "Sun 23:15"]


def test_a_search_is_made_in_four_windows_at_most():
    from scheduling.slots import _windows

    day = dt.timedelta(days=1)
    assert _windows(MONDAY, MONDAY) == [(MONDAY, MONDAY)]
    assert _windows(MONDAY, TUESDAY) == [(MONDAY, MONDAY), (TUESDAY, TUESDAY)]
    assert _windows(MONDAY, MONDAY + 3 * day) == [
        (MONDAY, MONDAY),
        (TUESDAY, TUESDAY),
        (MONDAY + 2 * day, MONDAY + 3 * day),
    ]
    assert _windows(MONDAY, MONDAY + 27 * day) == [
        (MONDAY, MONDAY),
        (TUESDAY, TUESDAY),
        (MONDAY + 2 * day, MONDAY + 6 * day),
        (MONDAY + 7 * day, MONDAY + 27 * day),
    ]


def test_moving_asks_for_its_own_room_length_and_leaves_itself_out(prac, kind, room):
    """The move form's free times: same room, the appointment's own length, and
    the appointment being moved does not block the times around it."""
    other_room = RoomFactory(name="Room B")
    start = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=dt.UTC)
    moving = AppointmentFactory(
        practitioner=prac,
        room=room,
        appointment_type=kind,
        start_at=start,
        end_at=start + dt.timedelta(minutes=60),
        blocked_until=start + dt.timedelta(minutes=60),
    )
    # Someone else has Room A from 10:00 to 11:00.
    AppointmentFactory(room=room, start_at=start + dt.timedelta(hours=1))
    slots = slots_on(
        MONDAY,
        kind,
        practitioner=prac,
        room=room,
        duration=dt.timedelta(minutes=60),
        exclude_appointment_id=moving.pk,
    )
    assert {slot.room for slot in slots} == {room}
    assert all(slot.end - slot.start == dt.timedelta(minutes=60) for slot in slots)
    # 09:00 (its own time) is offered; nothing that runs into 10:00–11:00 in Room A.
    assert times(slots)[:2] == ["09:00", "11:00"]
    assert other_room not in {slot.room for slot in slots}
