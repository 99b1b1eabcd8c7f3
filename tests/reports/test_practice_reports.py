"""Practice reports on hand-made bookings whose answers are worked out here
(reports/practice.py), and the page: who may see it, CSV, fixed queries."""

import csv
import datetime
import io
import random

import pytest
from django.urls import reverse

from reports.practice import (
    MONTH,
    WEEK,
    AppointmentRow,
    NewPatient,
    WaitlistRow,
    attendance,
    new_patients,
    period_label,
    periods_between,
    rebooked_visits,
    utilisation,
    waitlist_fill,
)
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory, RoomFactory, WorkingHoursFactory
from tests.reports.bookings import random_bookings

MON = datetime.date(2026, 3, 2)  # a Monday
UTC = datetime.UTC


def appt(day=MON, status="completed", minutes=45, practitioner=1, room=1, **kw):
    return AppointmentRow(1, practitioner, room, day, minutes, status, **kw)


def test_periods_are_iso_weeks_or_calendar_months():
    assert periods_between(datetime.date(2026, 3, 4), datetime.date(2026, 3, 17), WEEK) == [
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 9),
        datetime.date(2026, 3, 16),
    ]
    assert periods_between(datetime.date(2026, 1, 31), datetime.date(2026, 3, 1), MONTH) == [
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
        datetime.date(2026, 3, 1),
    ]
    assert period_label(MON, WEEK) == "Week of 2 Mar 2026"
    assert period_label(MON, MONTH) == "March 2026"


def test_utilisation_is_booked_over_working_minutes_cancelled_excluded():
    rows = [
        appt(minutes=45),
        appt(minutes=45, status="no_show"),  # the time was held: counts
        appt(minutes=60, status="cancelled"),  # does not
        appt(day=MON + datetime.timedelta(days=1), minutes=30),
        appt(practitioner=2, minutes=45),
    ]
    working = {(1, MON): 420, (1, MON + datetime.timedelta(days=1)): 420, (2, MON): 420}
    result = utilisation(rows, working, "practitioner_id", WEEK)
    assert (result[(1, MON)].count, result[(1, MON)].n) == (120, 840)
    assert result[(1, MON)].percent == 14.3  # 120 / 840
    assert result[(2, MON)].percent == 10.7  # 45 / 420


def test_no_show_late_cancellation_and_rebooking_rates():
    rows = [
        appt(status="completed", booked_by_day_end=True),
        appt(status="completed", booked_by_day_end=True),
        appt(status="completed"),
        appt(status="no_show"),
        appt(status="cancelled", late_cancellation=True),
        appt(status="cancelled"),
        appt(status="booked", started=False),  # not yet due
    ]
    f = attendance(rows, WEEK)[MON]
    assert (f.no_show.count, f.no_show.n) == (1, 4)  # of 3 completed + 1 no-show
    assert (f.late_cancellation.count, f.late_cancellation.n) == (1, 7)
    assert (f.rebooking.count, f.rebooking.n, f.rebooking.percent) == (2, 3, 66.7)


def test_rebooked_means_a_later_visit_booked_by_the_end_of_the_day():
    t = datetime.datetime(2026, 3, 2, 10, tzinfo=UTC)
    end_of = lambda day: datetime.datetime(2026, 3, 3, tzinfo=UTC)  # noqa: E731
    visits = [(1, 7, t, MON), (2, 8, t, MON), (3, 9, t, MON)]
    later = [
        (7, t + datetime.timedelta(days=7), t + datetime.timedelta(hours=1)),  # booked at the desk
        (8, t + datetime.timedelta(days=7), t + datetime.timedelta(days=2)),  # rang two days later
        (9, t - datetime.timedelta(days=7), t - datetime.timedelta(days=9)),  # an earlier visit
    ]
    assert rebooked_visits(visits, later, end_of) == {1}


def test_new_patients_by_source_and_days_to_first_appointment():
    result = new_patients(
        [
            NewPatient(MON, "gp", MON + datetime.timedelta(days=2)),
            NewPatient(MON, "gp", MON + datetime.timedelta(days=9)),
            NewPatient(MON, "web", MON + datetime.timedelta(days=4)),
            NewPatient(MON, "", None),  # no appointment yet
            NewPatient(datetime.date(2026, 4, 1), "friend", None),
        ],
        MONTH,
    )
    march = result[datetime.date(2026, 3, 1)]
    assert march.count == 4 and march.by_source == {"gp": 2, "web": 1, "": 1}
    assert (march.days_median, march.days_mean, march.days_n) == (4, 5.0, 3)


def test_waitlist_fill_rate_counts_closed_entries_only():
    today = MON + datetime.timedelta(days=20)
    entries = [
        WaitlistRow(MON, "booked", MON + datetime.timedelta(days=30)),
        WaitlistRow(MON, "withdrawn", MON + datetime.timedelta(days=30)),
        WaitlistRow(MON, "waiting", MON + datetime.timedelta(days=5)),  # lapsed
        WaitlistRow(MON, "waiting", MON + datetime.timedelta(days=30)),  # still open
    ]
    rate = waitlist_fill(entries, today, WEEK)[MON]
    assert (rate.count, rate.n, rate.percent) == (1, 3, 33.3)


# --- The page --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_makes_a_fixed_number_of_queries_and_exports_csv(
    client, front_desk, practitioner, django_assert_num_queries
):
    WorkingHoursFactory(practitioner=practitioner, weekday=0)
    client.force_login(front_desk)
    url = reverse("reports:practice")
    params = {"period": "week", "start": "2026-03-02", "end": "2026-03-15"}
    client.get(url, params)
    start = datetime.datetime(2026, 3, 2, 9, tzinfo=UTC)
    AppointmentFactory(practitioner=practitioner, start_at=start, status="completed")
    # The session, user, settings and the like, practitioners, rooms, closures,
    # working hours, exceptions, active rooms, the last refresh of the stored
    # day sums (none here), the appointments added up live (one query, in a
    # savepoint with its own work_mem: three more), new patients with their
    # first appointment, the waitlist.
    with django_assert_num_queries(18) as first:
        client.get(url, params)
    room = RoomFactory(name="Cedar")
    for i in range(1, 4):
        AppointmentFactory(
            patient=PatientFactory(referral_source="gp"),
            practitioner=practitioner,
            room=room,
            start_at=start + datetime.timedelta(hours=i),
            status="no_show",
        )
    with django_assert_num_queries(len(first.captured_queries)):
        page = client.get(url, params).content.decode()
    assert "Week of 2 Mar 2026" in page
    response = client.get(
        reverse("reports:practice_csv", args=["utilisation_practitioner"]), params
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # Monday 09:00–17:00 = 480 working minutes; four 45-minute visits booked = 180.
    assert rows[1][1:] == ["Pat Practitioner", "180", "480", "37.5 %"]
    attendance_rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("reports:practice_csv", args=["attendance"]), params
                ).content.decode()
            )
        )
    )
    assert attendance_rows[1][1:4] == ["4", "3", "75.0 %"]


@pytest.mark.django_db
def test_odd_input_is_explained(client, clinic_admin):
    client.force_login(clinic_admin)
    page = client.get(
        reverse("reports:practice"), {"start": "2026-05-01", "end": "2020-01-01"}
    ).content.decode()
    assert "The end of the range is before its start." in page


@pytest.mark.django_db
@pytest.mark.parametrize("period", [WEEK, MONTH])
def test_the_page_s_sql_sums_equal_the_pure_functions(practitioner, other_practitioner, period):
    """reports.practice_sums adds the appointments up in SQL; the pure
    functions above define the figures: the same on random bookings."""
    from django.utils import timezone

    from reports.practice import utilisation_of
    from reports.practice_sums import live_sums
    from scheduling.availability import day_bounds
    from scheduling.models import Appointment

    random_bookings([practitioner, other_practitioner])
    # March (the clocks go forward), seen from its middle; October (they go
    # back: 01:00–02:00 twice), seen from after it.
    for first, last, now in [
        (
            datetime.date(2026, 3, 1),
            datetime.date(2026, 3, 31),
            datetime.datetime(2026, 3, 20, 12, tzinfo=UTC),
        ),
        (
            datetime.date(2026, 10, 1),
            datetime.date(2026, 10, 31),
            datetime.datetime(2026, 10, 28, 12, tzinfo=UTC),
        ),
    ]:
        window = (day_bounds(first)[0], day_bounds(last)[1])
        sums = live_sums(first, last, period, now)
        booked, room_booked, counts = sums.booked, sums.room_booked, sums.counts

        everything = list(
            Appointment.objects.values_list("id", "patient_id", "start_at", "created_at")
        )
        in_range = list(
            Appointment.objects.filter(start_at__gte=window[0], start_at__lt=window[1]).values_list(
                "id", "patient_id", "practitioner_id", "room_id", "start_at", "end_at", "status",
                "late_cancellation",
            )
        )  # fmt: skip
        rebooked = rebooked_visits(
            [(a[0], a[1], a[4], timezone.localdate(a[4])) for a in in_range if a[6] == "completed"],
            [(patient, start, created) for _, patient, start, created in everything],
            lambda day: day_bounds(day)[1],
        )
        assert rebooked  # the data exercise it
        rows = [
            AppointmentRow(
                patient, practitioner_id, room, timezone.localdate(start),
                int((end - start).total_seconds() // 60), status, late, start <= now, aid in rebooked,
            )
            for aid, patient, practitioner_id, room, start, end, status, late in in_range
        ]  # fmt: skip
        assert utilisation_of(booked, {}, period) == utilisation(
            rows, {}, "practitioner_id", period
        )
        assert utilisation_of(room_booked, {}, period) == utilisation(rows, {}, "room_id", period)
        assert {k: c.figures for k, c in counts.items()} == attendance(rows, period)


@pytest.mark.django_db
@pytest.mark.parametrize("period", [WEEK, MONTH])
def test_the_page_s_new_patient_sql_equals_the_pure_function(period):
    """reports.practice_pages adds new patients up in SQL; new_patients above
    defines the figures: the same on random registrations and visits, across
    the clocks going forward (29 March)."""
    from django.utils import timezone

    from patients.models import Patient
    from reports.practice_pages import _new_patient_figures
    from scheduling.availability import day_bounds
    from scheduling.models import Appointment

    rng = random.Random(7)
    base = datetime.datetime(2026, 2, 20, tzinfo=UTC)
    for _ in range(60):
        patient = PatientFactory(referral_source=rng.choice(["", "gp", "web", "friend"]))
        registered = base + datetime.timedelta(minutes=rng.randrange(0, 60 * 24 * 45))
        Patient.objects.filter(pk=patient.pk).update(created_at=registered)
        for _ in range(rng.choice([0, 1, 1, 2])):  # each with a practitioner and room of its own
            start = registered + datetime.timedelta(hours=rng.choice([-20, 0.5, 5, 70, 250]))
            cancelled = rng.random() < 0.3
            AppointmentFactory(
                patient=patient,
                start_at=start,
                status="cancelled" if cancelled else rng.choice(["completed", "booked"]),
                **(
                    {
                        "cancelled_at": start,
                        "cancelled_by": Appointment.CancelledBy.PATIENT,
                        "cancellation_reason": "Unwell",
                    }
                    if cancelled
                    else {}
                ),
            )
    first, last = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
    window = (day_bounds(first)[0], day_bounds(last)[1])
    found = _new_patient_figures(*window, periods_between(first, last, period))
    registered = Patient.objects.filter(
        created_at__gte=window[0], created_at__lt=window[1]
    ).prefetch_related("appointments")
    expected = new_patients(
        [
            NewPatient(
                timezone.localdate(p.created_at),
                p.referral_source,
                min(
                    (
                        timezone.localdate(a.start_at)
                        for a in p.appointments.all()
                        if a.status != "cancelled"
                    ),
                    default=None,
                ),
            )
            for p in registered
        ],
        period,
    )
    assert any(f.days_n for f in expected.values())  # the data exercise it
    assert found == expected
