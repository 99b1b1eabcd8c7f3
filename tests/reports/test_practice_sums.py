"""The practice reports' stored day sums (reports.practice_sums): a page that
takes its settled days from the table shows what adding every appointment up
live shows; a refresh is cron-safe; the page says as of when its settled days
were added up, and a change to one of them counts at the next refresh."""

import csv
import datetime
import io

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reports.models import PracticeDay
from reports.practice import MONTH, WEEK
from reports.practice_sums import LOCK, live_sums, refresh, report_sums
from scheduling.models import Appointment
from tests.factories.scheduling import AppointmentFactory
from tests.reports.bookings import random_bookings

UTC = datetime.UTC
D = datetime.date


def _same(a, b) -> bool:
    # Counter's unary + drops zero entries: a stored and a live zero are alike.
    return (+a.booked, +a.room_booked, dict(a.counts)) == (
        +b.booked,
        +b.room_booked,
        dict(b.counts),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("period", [WEEK, MONTH])
def test_stored_and_live_days_add_up_as_every_day_live(practitioner, other_practitioner, period):
    random_bookings([practitioner, other_practitioner])
    for refreshed_at, settled_through in [
        (datetime.datetime(2026, 3, 20, 12, tzinfo=UTC), D(2026, 3, 19)),
        # After the clocks went forward: the short day and the one after are stored.
        (datetime.datetime(2026, 4, 2, 12, tzinfo=UTC), D(2026, 4, 1)),
        # Midnight BST, and the day after the clocks went back.
        (datetime.datetime(2026, 10, 24, 23, tzinfo=UTC), D(2026, 10, 24)),
        (datetime.datetime(2026, 10, 27, 12, tzinfo=UTC), D(2026, 10, 26)),
    ]:
        done = refresh(now=refreshed_at)
        assert done.settled_through == settled_through and done.rows > 0
        stored_days = set(PracticeDay.objects.values_list("day", flat=True))
        assert max(stored_days) <= settled_through
        for first, last in [
            (D(2026, 3, 1), D(2026, 3, 31)),  # stored, then live
            (D(2026, 2, 24), D(2026, 3, 10)),  # stored alone
            (D(2026, 3, 25), D(2026, 4, 30)),  # live alone, or stored then live
            (D(2026, 3, 29), D(2026, 3, 30)),  # the short day
            (D(2026, 10, 1), D(2026, 10, 31)),
            (D(2026, 10, 25), D(2026, 10, 25)),  # the long day
        ]:
            mixed, used = report_sums(first, last, period, refreshed_at)
            assert used == done
            assert _same(mixed, live_sums(first, last, period, refreshed_at)), (first, last)
    assert D(2026, 3, 30) in stored_days  # 23:30 UTC on the 29th is the 30th in London
    assert D(2026, 10, 25) in stored_days


@pytest.mark.django_db
def test_a_settled_day_changed_since_the_refresh_counts_at_the_next_one(
    client, front_desk, practitioner
):
    start = timezone.now() - datetime.timedelta(days=2)
    visit = AppointmentFactory(practitioner=practitioner, start_at=start, status="completed")
    client.force_login(front_desk)
    url = reverse("reports:practice_csv", args=["attendance"])

    def no_shows() -> int:
        rows = list(csv.reader(io.StringIO(client.get(url).content.decode())))
        return sum(int(row[2]) for row in rows[1:])

    page = client.get(reverse("reports:practice")).content.decode()
    assert 'data-testid="practice-refreshed"' not in page  # nothing stored yet: all live
    refresh()
    Appointment.objects.filter(pk=visit.pk).update(status="no_show")
    page = client.get(reverse("reports:practice")).content.decode()
    assert 'data-testid="practice-refreshed"' in page
    assert "counts at the next refresh" in page
    assert no_shows() == 0
    refresh()
    assert no_shows() == 1


@pytest.mark.django_db
def test_a_second_refresh_while_one_runs_does_nothing():
    other = psycopg2.connect(
        **{k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
        assert refresh() is None
        out = io.StringIO()
        call_command("refresh_practice", stdout=out)
        assert "Another refresh is running" in out.getvalue()
        with other.cursor() as cursor:  # close() does not wait for the server to let go
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
    finally:
        other.close()
    out = io.StringIO()
    call_command("refresh_practice", stdout=out)
    assert "day sums to" in out.getvalue()


@pytest.mark.django_db
def test_stored_and_live_days_take_a_fixed_number_of_queries(
    client, front_desk, practitioner, django_assert_num_queries
):
    today = timezone.now()
    AppointmentFactory(practitioner=practitioner, start_at=today - datetime.timedelta(days=3))
    refresh()
    client.force_login(front_desk)
    url = reverse("reports:practice")
    client.get(url)
    # As with no stored days (test_practice_reports), plus the stored days summed
    # by period: session, user and the like, practitioners, rooms, closures,
    # working hours, exceptions, active rooms, the last refresh, the stored
    # sums, the live sums (in a savepoint with its own work_mem), new patients,
    # the waitlist.
    with django_assert_num_queries(19) as first:
        client.get(url)
    for days in (1, 2, 4, 5):  # more stored days, practitioners and rooms
        AppointmentFactory(start_at=today - datetime.timedelta(days=days), status="completed")
    AppointmentFactory(start_at=today + datetime.timedelta(hours=1))  # and a live one
    refresh()
    with django_assert_num_queries(len(first.captured_queries)):
        page = client.get(url).content.decode()
    assert 'data-testid="practice-refreshed"' in page
