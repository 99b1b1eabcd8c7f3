"""In-process timings of the day and week calendars and find a time (issue 14).

Not a test (pytest collects ``test_*.py`` only): run it by hand, and it prints
what docs/performance.md quotes::

    pytest -q -s -p no:cacheprovider tests/scheduling/bench_calendar.py

Eight practitioners working 08:00–20:00 (48 rows of 15 minutes: 384 cells),
each with an appointment every hour (12 a day, 96 on the day page, 84 in a
week); each page is fetched ``ROUNDS`` times through Django's test client
after a warm-up (the median wall-clock time, and the CPU time of this
process alone: the database's is not in it), and the model instances built per request are counted.
"""

import datetime
import statistics
import time

import pytest
from django.db.models.signals import post_init

from clinic.models import ClinicSettings
from tests.factories import PractitionerFactory
from tests.factories.scheduling import (
    AppointmentFactory,
    AppointmentTypeFactory,
    RoomFactory,
    WorkingHoursFactory,
)
from tests.scheduling.conftest import MONDAY

ROUNDS = 50
UTC = datetime.UTC


def _clinic():
    ClinicSettings.load()
    kind = AppointmentTypeFactory(duration_minutes=45, buffer_after_minutes=15)
    rooms = [RoomFactory(name=f"Room {n}") for n in range(1, 11)]
    staff = [PractitionerFactory(user__full_name=f"Practitioner {n}") for n in range(1, 9)]
    for column, practitioner in enumerate(staff):
        for weekday in range(7):
            WorkingHoursFactory(
                practitioner=practitioner,
                weekday=weekday,
                start_time=datetime.time(8),
                end_time=datetime.time(20),
            )
        for offset in range(7):
            day = MONDAY + datetime.timedelta(days=offset)
            for hour in range(8, 20):
                AppointmentFactory(
                    practitioner=practitioner,
                    room=rooms[column],
                    appointment_type=kind,
                    start_at=datetime.datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
                )
    return staff, kind


def _timed(client, url, query):
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    client.get(url, query)  # warm-up: templates compiled, caches filled
    post_init.connect(count)
    try:
        response = client.get(url, query)
    finally:
        post_init.disconnect(count)
    assert response.status_code == 200
    times, cpu = [], []
    for _ in range(ROUNDS):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url, query)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(times), statistics.median(cpu), len(built), len(response.content)


@pytest.mark.django_db
def test_bench(client_for, front_desk):
    staff, kind = _clinic()
    client = client_for(front_desk)
    pages = {
        "day (8 columns, 96 appointments)": ("/calendar/", {"date": "2030-01-07"}),
        "week (84 appointments)": (
            "/calendar/week/",
            {"date": "2030-01-07", "practitioner": staff[0].uuid},
        ),
        "find a time (20 slots)": (
            "/calendar/find/",
            {
                "appointment_type": kind.uuid,
                "from_date": "2030-01-14",
                "to_date": "2030-02-11",
                "day_parts": ["morning", "afternoon", "evening"],
            },
        ),
    }
    print()
    for label, (url, query) in pages.items():
        median, cpu, built, size = _timed(client, url, query)
        print(
            f"{label}: median {median:.1f} ms (this process's CPU {cpu:.1f} ms), "
            f"{built} model instances, {size / 1024:.0f} kB"
        )
