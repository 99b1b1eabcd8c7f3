"""Course of care: N appointments at an interval, every conflict shown before
anything is saved, then all or the chosen ones booked in one transaction."""

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import ClinicSettings
from scheduling import services
from scheduling.availability import local_datetime
from scheduling.course import Pattern, book_course, course_dates, plan_course
from scheduling.models import Appointment
from tests.factories import PatientFactory, PractitionerFactory
from tests.factories.scheduling import (
    AppointmentFactory,
    AppointmentTypeFactory,
    AvailabilityExceptionFactory,
    ClinicClosureFactory,
    RoomFactory,
    WorkingHoursFactory,
)

URL = "/calendar/course/"
MONDAY = dt.date(2030, 1, 7)


def week(n):
    """The Monday n weeks after MONDAY."""
    return MONDAY + dt.timedelta(weeks=n)


def ten(day):
    return local_datetime(day, dt.time(10))


# --- The dates of a course ----------------------------------------------------------


def test_weekly_dates():
    assert course_dates(MONDAY, 3, Pattern.WEEKLY) == [week(0), week(1), week(2)]


def test_twice_weekly_dates_alternate_three_and_four_days():
    got = course_dates(MONDAY, 5, Pattern.TWICE_WEEKLY)
    assert [f"{d:%a %d}" for d in got] == ["Mon 07", "Thu 10", "Mon 14", "Thu 17", "Mon 21"]


def test_every_n_days():
    assert course_dates(MONDAY, 3, Pattern.EVERY_N_DAYS, 10) == [
        MONDAY,
        dt.date(2030, 1, 17),
        dt.date(2030, 1, 27),
    ]


def test_one_visit_is_just_the_first_date():
    assert course_dates(MONDAY, 1, Pattern.WEEKLY) == [MONDAY]


@pytest.mark.parametrize(("pattern", "every"), [("fortnightly", None), (Pattern.EVERY_N_DAYS, None), (Pattern.EVERY_N_DAYS, 0)])  # fmt: skip
def test_unknown_patterns_are_refused(pattern, every):
    with pytest.raises(ValueError, match="Unknown pattern"):
        course_dates(MONDAY, 3, pattern, every)


# --- The page ------------------------------------------------------------------------


@pytest.fixture
def clinic(db):
    ClinicSettings.load()
    practitioner = PractitionerFactory(user__full_name="Mia Morning")
    for weekday in (0, 3):  # Mondays and Thursdays
        WorkingHoursFactory(practitioner=practitioner, weekday=weekday, start_time=dt.time(9), end_time=dt.time(17))  # fmt: skip
    return {
        "practitioner": practitioner,
        "room": RoomFactory(name="Room A"),
        "kind": AppointmentTypeFactory(
            name="Treatment", duration_minutes=45, buffer_after_minutes=15
        ),
        "patient": PatientFactory(first_name="Nina", last_name="Needle"),
    }


def course_data(clinic, **overrides):
    data = {
        "patient": clinic["patient"].uuid,
        "appointment_type": clinic["kind"].uuid,
        "practitioner": clinic["practitioner"].uuid,
        "room": "",
        "first_date": MONDAY.isoformat(),
        "time": "10:00",
        "count": "4",
        "pattern": "weekly",
        "every_days": "",
        "outside_hours_reason": "",
        "notes": "",
        "action": "preview",
    }
    return {k: v for k, v in (data | overrides).items() if v is not None}


def preview(client, clinic, **overrides):
    return client.post(URL, course_data(clinic, **overrides))


def save(client, clinic, rows, plan, **overrides):
    return client.post(URL, course_data(clinic, action="save", rows=rows, plan=plan, **overrides))


def statuses(response):
    return [
        (f"{visit.day:%d %b}", visit.ok, visit.blocked, visit.problems)
        for visit, _ in response.context["rows"]
    ]


def ticked(response):
    return [visit.key for visit, checked in response.context["rows"] if checked]


def test_the_page_pre_fills_from_a_link(client_for, front_desk, clinic):
    response = client_for(front_desk).get(URL, {"patient": clinic["patient"].uuid})
    assert response.status_code == 200
    assert "Nina Needle" in response.content.decode()


def test_the_preview_saves_nothing_and_marks_every_conflict(client_for, front_desk, clinic):
    other_room = RoomFactory(name="Room B")
    # Week 1: Mia is busy at 10:00.
    AppointmentFactory(practitioner=clinic["practitioner"], room=other_room, start_at=ten(week(1)))
    # Week 2: the clinic is closed.
    ClinicClosureFactory(start_date=week(2), end_date=week(2))
    # Week 3: the patient has another appointment then, with someone else.
    AppointmentFactory(patient=clinic["patient"], room=other_room, start_at=ten(week(3)))
    # Week 4: Mia has time off.
    AvailabilityExceptionFactory(
        practitioner=clinic["practitioner"], start_at=ten(week(4)), end_at=ten(week(4)) + dt.timedelta(hours=2)
    )  # fmt: skip
    # Week 5: both rooms are taken by other practitioners.
    AppointmentFactory(room=clinic["room"], start_at=ten(week(5)))
    AppointmentFactory(room=other_room, start_at=ten(week(5)))
    # Week 6: Room A is taken, Room B is free.
    AppointmentFactory(room=clinic["room"], start_at=ten(week(6)))
    before = Appointment.objects.count()

    response = preview(client_for(front_desk), clinic, count="7")

    assert response.status_code == 200
    assert Appointment.objects.count() == before
    assert statuses(response) == [
        ("07 Jan", True, False, []),
        ("14 Jan", False, True, ["Mia Morning already has an appointment then"]),
        ("21 Jan", False, False, ["The clinic is closed that day"]),
        ("28 Jan", False, False, ["Nina Needle already has an appointment then"]),
        ("04 Feb", False, False, ["Outside Mia Morning's working hours (or time off)"]),
        ("11 Feb", False, True, ["No room is free then"]),
        ("18 Feb", True, False, []),
    ]
    rows = [visit for visit, _ in response.context["rows"]]
    assert [v.room for v in rows if v.ok] == [clinic["room"], other_room]
    assert ticked(response) == ["2030-01-07", "2030-02-18"]
    body = response.content.decode()
    assert "No room is free then" in body and "The clinic is closed that day" in body
    assert body.count('name="rows"') == 7
    assert body.count(" disabled") >= 2  # the taken times cannot be ticked


def test_a_chosen_room_that_is_taken_is_a_conflict(client_for, front_desk, clinic):
    RoomFactory(name="Room B")
    AppointmentFactory(room=clinic["room"], start_at=ten(week(1)))
    response = preview(client_for(front_desk), clinic, room=clinic["room"].uuid, count="2")
    assert statuses(response) == [
        ("07 Jan", True, False, []),
        ("14 Jan", False, True, ["Room A is already taken then"]),
    ]


def test_the_buffer_counts_for_conflicts(client_for, front_desk, clinic):
    # A visit at 09:00 blocks Mia until 10:00 (45 min + 15 min buffer): 10:00 is free.
    AppointmentFactory(practitioner=clinic["practitioner"], appointment_type=clinic["kind"], start_at=local_datetime(MONDAY, dt.time(9)))  # fmt: skip
    assert statuses(preview(client_for(front_desk), clinic, count="1"))[0][1] is True
    # One at 10:50 would fall in the new visit's buffer (10:45–11:00).
    AppointmentFactory(practitioner=clinic["practitioner"], appointment_type=clinic["kind"], start_at=local_datetime(week(1), dt.time(10, 50)))  # fmt: skip
    response = preview(client_for(front_desk), clinic, count="2")
    assert statuses(response)[1][2] is True


def test_twice_weekly_through_the_page(client_for, front_desk, clinic):
    response = preview(client_for(front_desk), clinic, pattern="twice_weekly", count="4")
    assert [f"{v.start:%a %d}" for v, _ in response.context["rows"]] == [
        "Mon 07",
        "Thu 10",
        "Mon 14",
        "Thu 17",
    ]
    assert all(visit.ok for visit, _ in response.context["rows"])


def test_save_all(client_for, front_desk, clinic):
    client = client_for(front_desk)
    shown = preview(client, clinic, notes="Course for low back pain")
    response = save(client, clinic, ticked(shown), shown.context["plan_key"], notes="Course for low back pain")  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{clinic['patient'].uuid}/"
    booked = list(Appointment.objects.filter(patient=clinic["patient"]).order_by("start_at"))
    assert [a.start_at for a in booked] == [ten(week(n)) for n in range(4)]
    assert {a.practitioner for a in booked} == {clinic["practitioner"]}
    assert {a.room for a in booked} == {clinic["room"]}
    assert {a.notes for a in booked} == {"Course for low back pain"}
    assert {a.booked_by for a in booked} == {front_desk}
    assert all(a.events.filter(kind="booked").exists() for a in booked)
    assert AuditEvent.objects.filter(action="scheduling.appointment.booked").count() == 4
    page = client.get(response["Location"]).content.decode()
    assert "Booked 4 appointments for Nina Needle" in page


def test_save_only_the_chosen_rows(client_for, front_desk, clinic):
    client = client_for(front_desk)
    shown = preview(client, clinic)
    response = save(client, clinic, ["2030-01-07", "2030-01-21"], shown.context["plan_key"])
    assert response.status_code == 302
    booked = Appointment.objects.filter(patient=clinic["patient"]).order_by("start_at")
    assert [a.start_at for a in booked] == [ten(week(0)), ten(week(2))]


def test_nothing_ticked_saves_nothing(client_for, front_desk, clinic):
    client = client_for(front_desk)
    shown = preview(client, clinic)
    response = save(client, clinic, [], shown.context["plan_key"])
    assert response.status_code == 200
    assert "Tick at least one appointment to book" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_time_taken_since_the_preview_saves_nothing(client_for, front_desk, clinic):
    client = client_for(front_desk)
    shown = preview(client, clinic)
    assert all(visit.ok for visit, _ in shown.context["rows"])
    # Someone else books Mia on the third Monday meanwhile.
    AppointmentFactory(practitioner=clinic["practitioner"], room=RoomFactory(name="Room B"), start_at=ten(week(2)))  # fmt: skip

    response = save(client, clinic, ticked(shown), shown.context["plan_key"])

    assert response.status_code == 200
    assert not Appointment.objects.filter(patient=clinic["patient"]).exists()
    body = response.content.decode()
    assert "Nothing was saved" in body
    assert "Mia Morning already has an appointment then" in body
    assert statuses(response)[2] == ("21 Jan", False, True, ["Mia Morning already has an appointment then"])  # fmt: skip
    # The other rows stay ticked, the taken one is not: saving again books those.
    assert ticked(response) == ["2030-01-07", "2030-01-14", "2030-01-28"]
    again = save(client, clinic, ticked(response), response.context["plan_key"])
    assert again.status_code == 302
    assert Appointment.objects.filter(patient=clinic["patient"]).count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_time_taken_while_saving_rolls_back_the_whole_course(
    client_for, front_desk, clinic, monkeypatch
):
    """The race the re-check cannot see: another connection commits a booking of
    the third time after the first two visits were booked; PostgreSQL refuses the
    third and none of the course stays."""
    client = client_for(front_desk)
    shown = preview(client, clinic)
    real_book = services.book_appointment
    calls = []

    def someone_else_books(start_at):
        def run():
            try:
                AppointmentFactory(
                    practitioner=clinic["practitioner"],
                    room=RoomFactory(name="Room Z"),
                    start_at=start_at,
                )
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=30)

    def book_and_lose_the_race(**kwargs):
        calls.append(kwargs["start_at"])
        if len(calls) == 3:
            someone_else_books(kwargs["start_at"])
        return real_book(**kwargs)

    monkeypatch.setattr(services, "book_appointment", book_and_lose_the_race)
    response = save(client, clinic, ticked(shown), shown.context["plan_key"])

    assert len(calls) == 3
    assert response.status_code == 200
    assert not Appointment.objects.filter(patient=clinic["patient"]).exists()
    assert Appointment.objects.count() == 1  # the other connection's booking
    assert not AuditEvent.objects.filter(action="scheduling.appointment.booked").exists()
    body = response.content.decode()
    assert "Nothing was saved: Mia Morning already has an appointment" in body
    # The preview is shown again, the new conflict marked and unticked.
    assert statuses(response)[2] == ("21 Jan", False, True, ["Mia Morning already has an appointment then"])  # fmt: skip
    assert ticked(response) == ["2030-01-07", "2030-01-14", "2030-01-28"]


def test_book_course_is_all_or_nothing(clinic, front_desk):
    visits = plan_course(
        patient=clinic["patient"],
        appointment_type=clinic["kind"],
        practitioner=clinic["practitioner"],
        room=None,
        first_date=MONDAY,
        start_time=dt.time(10),
        count=3,
        pattern=Pattern.WEEKLY,
    )
    AppointmentFactory(room=clinic["room"], start_at=ten(week(2)))  # after the plan was made
    with pytest.raises(services.BookingError, match="Room A is already taken"):
        book_course(
            visits,
            patient=clinic["patient"],
            appointment_type=clinic["kind"],
            practitioner=clinic["practitioner"],
            by=front_desk,
        )
    assert not Appointment.objects.filter(patient=clinic["patient"]).exists()


def test_outside_working_hours_needs_a_reason(client_for, front_desk, clinic):
    client = client_for(front_desk)
    # Tuesdays are not working days.
    shown = preview(client, clinic, first_date="2030-01-08", count="2")
    assert all(visit.outside_hours and not visit.blocked for visit, _ in shown.context["rows"])
    assert ticked(shown) == []
    rows = ["2030-01-08", "2030-01-15"]
    same = {"first_date": "2030-01-08", "count": "2"}
    refused = save(client, clinic, rows, shown.context["plan_key"], **same)
    assert refused.status_code == 200
    assert not Appointment.objects.exists()
    assert "a reason is needed for appointments outside working hours" in refused.content.decode()
    assert refused.context["form"].errors["outside_hours_reason"]

    reason = "Patient can only come on Tuesdays"
    booked = save(
        client, clinic, rows, shown.context["plan_key"], outside_hours_reason=reason, **same
    )
    assert booked.status_code == 302
    assert set(Appointment.objects.values_list("outside_hours_reason", flat=True)) == {reason}


def test_the_reason_is_kept_only_on_visits_outside_the_hours(client_for, front_desk, clinic):
    client = client_for(front_desk)
    ClinicClosureFactory(start_date=week(1), end_date=week(1))
    shown = preview(client, clinic, count="2")
    rows = ["2030-01-07", "2030-01-14"]
    save(
        client,
        clinic,
        rows,
        shown.context["plan_key"],
        count="2",
        outside_hours_reason="Closure cover",
    )
    booked = Appointment.objects.order_by("start_at")
    assert [a.outside_hours_reason for a in booked] == ["", "Closure cover"]


def test_the_patients_other_appointment_can_be_booked_on_purpose(client_for, front_desk, clinic):
    client = client_for(front_desk)
    AppointmentFactory(patient=clinic["patient"], room=RoomFactory(name="Room B"), start_at=ten(week(0)))  # fmt: skip
    shown = preview(client, clinic, count="1")
    assert ticked(shown) == []
    assert (
        save(client, clinic, ["2030-01-07"], shown.context["plan_key"], count="1").status_code
        == 302
    )
    assert Appointment.objects.filter(patient=clinic["patient"]).count() == 2


def test_a_ticked_row_that_is_taken_cannot_be_forced(client_for, front_desk, clinic):
    client = client_for(front_desk)
    AppointmentFactory(practitioner=clinic["practitioner"], room=RoomFactory(name="Room B"), start_at=ten(week(0)))  # fmt: skip
    shown = preview(client, clinic, count="2")
    response = save(
        client, clinic, ["2030-01-07", "2030-01-14"], shown.context["plan_key"], count="2"
    )
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert not Appointment.objects.filter(patient=clinic["patient"]).exists()


def test_details_changed_since_the_preview_save_nothing(client_for, front_desk, clinic):
    client = client_for(front_desk)
    shown = preview(client, clinic)
    response = save(client, clinic, ticked(shown), shown.context["plan_key"], time="11:00")
    assert response.status_code == 200
    assert "The details changed since the preview" in response.content.decode()
    assert not Appointment.objects.exists()
    assert response.context["rows"][0][0].start == local_datetime(MONDAY, dt.time(11))


def test_save_without_a_preview_saves_nothing(client_for, front_desk, clinic):
    response = save(client_for(front_desk), clinic, ["2030-01-07"], None)
    assert response.status_code == 200
    assert not Appointment.objects.exists()


def test_past_dates_are_conflicts(client_for, front_desk, clinic):
    response = preview(client_for(front_desk), clinic, first_date="2020-01-06", count="1")
    assert statuses(response)[0][1:3] == (False, True)
    assert "In the past" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"count": "0"}, "Book between 1 and 24 appointments."),
        ({"count": "100"}, "Book between 1 and 24 appointments."),
        ({"count": "-3"}, "Book between 1 and 24 appointments."),
        ({"count": "lots"}, "Enter a number of appointments between 1 and 24."),
        ({"count": None}, "This field is required."),
        ({"patient": "00000000-0000-4000-8000-000000000000"}, "Choose the patient"),
        ({"patient": "not-a-uuid"}, "Choose the patient"),
        ({"patient": None}, "Choose the patient."),
        ({"appointment_type": "00000000-0000-4000-8000-000000000000"}, "That appointment type is not offered"),
        ({"practitioner": "00000000-0000-4000-8000-000000000000"}, "That practitioner is unknown"),
        ({"practitioner": None}, "Choose the practitioner."),
        ({"room": "00000000-0000-4000-8000-000000000000"}, "That room is unknown"),
        ({"first_date": None}, "This field is required."),
        ({"first_date": "2030-02-30"}, "Enter a valid date."),
        ({"first_date": "9999-12-31"}, "Choose a date between the years 2000 and 2099."),
        ({"time": "25:00"}, "Enter a valid time."),
        ({"time": None}, "This field is required."),
        ({"pattern": "fortnightly"}, "Choose weekly, twice weekly or every N days."),
        ({"pattern": "every_n_days"}, "Say every how many days."),
        ({"pattern": "every_n_days", "every_days": "0"}, "Enter a number of days between 1 and 56."),
        ({"pattern": "every_n_days", "every_days": "1000"}, "Enter a number of days between 1 and 56."),
        ({"first_date": "\x00", "time": "\x00", "count": "\x00"}, "Enter a valid date."),
    ],
)  # fmt: skip
@pytest.mark.parametrize("action", ["preview", "save"])
def test_bad_input_is_explained_and_saves_nothing(client_for, front_desk, clinic, overrides, message, action):  # fmt: skip
    data = course_data(clinic, action=action, rows=["2030-01-07"], plan="x", **overrides)
    response = client_for(front_desk).post(URL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "rows" not in response.context
    assert not Appointment.objects.exists()


def test_an_archived_patient_cannot_be_chosen(client_for, front_desk, clinic):
    clinic["patient"].archived_at = timezone.now()
    clinic["patient"].save()
    response = preview(client_for(front_desk), clinic)
    assert "Choose the patient" in response.content.decode()


def test_a_practitioner_who_does_not_offer_the_type_is_refused(client_for, front_desk, clinic):
    other = PractitionerFactory(user__full_name="Olly Other")
    clinic["kind"].practitioners.set([other])
    response = preview(client_for(front_desk), clinic)
    assert "Mia Morning does not offer Treatment." in response.content.decode()


def test_an_unknown_action_only_previews(client_for, front_desk, clinic):
    shown = preview(client_for(front_desk), clinic, action="delete-everything")
    assert shown.status_code == 200 and len(shown.context["rows"]) == 4
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("count", [2, 24])
def test_the_preview_makes_the_same_number_of_queries_whatever_n(
    client_for, front_desk, clinic, django_assert_num_queries, count
):
    for n in range(count):
        AppointmentFactory(practitioner=clinic["practitioner"], room=clinic["room"], start_at=ten(week(n)) + dt.timedelta(hours=3))  # fmt: skip
    client = client_for(front_desk)
    # Session, user / patient, type, practitioner (form) / the type's practitioners
    # / hours, exceptions, closures, rooms, appointments, the patient's appointments
    # / the form's choices: types, practitioners, rooms / savepoint, session save, release.
    with django_assert_num_queries(18):
        response = preview(client, clinic, count=str(count))
    assert len(response.context["rows"]) == count
