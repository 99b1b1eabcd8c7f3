import datetime

import pytest

from tests.factories.scheduling import AppointmentTypeFactory, RoomFactory, WorkingHoursFactory

# A Monday in the future, in winter (GMT): local time equals UTC.
MONDAY = datetime.date(2030, 1, 7)


@pytest.fixture
def follow_up(db):
    return AppointmentTypeFactory(
        name="Follow-up treatment", duration_minutes=45, buffer_after_minutes=15
    )


@pytest.fixture
def room(db):
    return RoomFactory(name="Room 1")


@pytest.fixture
def working_week(practitioner):
    """The practitioner works Monday to Friday, 09:00–12:30 and 13:30–17:00."""
    for weekday in range(5):
        WorkingHoursFactory(
            practitioner=practitioner,
            weekday=weekday,
            start_time=datetime.time(9),
            end_time=datetime.time(12, 30),
        )
        WorkingHoursFactory(
            practitioner=practitioner,
            weekday=weekday,
            start_time=datetime.time(13, 30),
            end_time=datetime.time(17),
        )
    return practitioner
