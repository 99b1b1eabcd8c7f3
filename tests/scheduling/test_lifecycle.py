import datetime

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from scheduling import services
from scheduling.models import Appointment
from tests.factories.scheduling import AppointmentFactory, RoomFactory

START = datetime.datetime(2030, 1, 7, 10, tzinfo=datetime.UTC)


@pytest.fixture
def appointment(practitioner):
    return AppointmentFactory(practitioner=practitioner, start_at=START)


@pytest.fixture
def todays(practitioner):
    """An appointment at noon today in the clinic's zone: the patient may arrive."""
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    return AppointmentFactory(practitioner=practitioner, start_at=noon)


def url(appointment, action=""):
    return f"/calendar/appointments/{appointment.uuid}/{action}"


@pytest.mark.django_db
def test_it_walks_the_lifecycle_and_keeps_the_history(client_for, front_desk, todays):
    appointment = todays
    client = client_for(front_desk)
    for step in ["arrived", "in_treatment", "completed"]:
        appointment.refresh_from_db()
        r = client.post(
            url(appointment, "status/"), {"status": step, "version": appointment.version}
        )
        assert r.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "completed"
    assert [e.after["status"] for e in appointment.events.all()] == [
        "arrived",
        "in_treatment",
        "completed",
    ]
    assert AuditEvent.objects.filter(action="scheduling.appointment.completed").exists()


@pytest.mark.django_db
def test_it_refuses_a_step_out_of_order(client_for, front_desk, appointment):
    r = client_for(front_desk).post(
        url(appointment, "status/"),
        {"status": "completed", "version": appointment.version},
        follow=True,
    )
    assert "cannot become completed" in r.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "booked"


@pytest.mark.django_db
@pytest.mark.parametrize("days", [-1, 1, 30])
def test_mark_arrived_on_another_day_is_refused_with_a_message(client_for, front_desk, days):
    start = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    start += datetime.timedelta(days=days)
    appointment = AppointmentFactory(start_at=start)
    r = client_for(front_desk).post(
        url(appointment, "status/"), {"status": "arrived", "version": 1}, follow=True
    )
    day = timezone.localtime(start)
    expected = (
        f"This appointment is on {day:%A} {day.day} {day:%B}: a patient can be marked "
        "arrived only on the day of their appointment. Nothing changed."
    )
    assert [str(m) for m in r.context["messages"]] == [expected]
    assert expected in r.content.decode()
    appointment.refresh_from_db()
    assert (appointment.status, appointment.version) == ("booked", 1)
    assert not appointment.events.exists()


@pytest.mark.django_db
def test_mark_arrived_on_the_day_works_even_after_the_start(client_for, front_desk, todays):
    r = client_for(front_desk).post(
        url(todays, "status/"), {"status": "arrived", "version": 1}, follow=True
    )
    assert r.status_code == 200
    todays.refresh_from_db()
    assert todays.status == "arrived"


@pytest.mark.django_db
def test_a_future_appointment_cannot_be_a_no_show(front_desk, appointment):
    with pytest.raises(services.BookingError, match="before it starts"):
        services.change_status(appointment=appointment, status="no_show", by=front_desk)


@pytest.mark.django_db
def test_it_moves_and_resizes_keeping_the_old_time(client_for, front_desk, appointment):
    room = RoomFactory(name="Room 7")
    r = client_for(front_desk).post(
        url(appointment, "move/"),
        {
            "version": appointment.version,
            "date": "2030-01-08",
            "time": "11:30",
            "duration_minutes": 60,
            "practitioner": appointment.practitioner.uuid,
            "room": room.uuid,
            "outside_hours_reason": "No hours set in this test",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert r["HX-Trigger"] == "calendarChanged"
    appointment.refresh_from_db()
    assert appointment.start_at == datetime.datetime(2030, 1, 8, 11, 30, tzinfo=datetime.UTC)
    assert appointment.duration_minutes == 60
    assert appointment.room == room
    assert appointment.sequence == 1
    moved = appointment.events.get(kind="moved")
    assert moved.before["start_at"].startswith("2030-01-07T10:00")


@pytest.mark.django_db
def test_a_move_from_an_out_of_date_page_is_refused(client_for, front_desk, appointment):
    # Two changes that leave it booked (each bumps the version).
    Appointment.objects.filter(pk=appointment.pk).update(version=3)
    r = client_for(front_desk).post(
        url(appointment, "move/"),
        {
            "version": 1,
            "date": "2030-01-08",
            "time": "11:30",
            "duration_minutes": 45,
            "practitioner": appointment.practitioner.uuid,
            "room": appointment.room.uuid,
            "outside_hours_reason": "test",
        },
    )
    assert "changed this appointment since you opened it" in r.content.decode()
    appointment.refresh_from_db()
    assert appointment.start_at == START


@pytest.mark.django_db
def test_cancelling_needs_a_reason_and_flags_late_cancellations(
    client_for, front_desk, practitioner
):
    soon = AppointmentFactory(
        practitioner=practitioner, start_at=timezone.now() + datetime.timedelta(hours=3)
    )
    client = client_for(front_desk)
    r = client.post(
        url(soon, "cancel/"), {"version": soon.version, "cancelled_by": "patient", "reason": "  "}
    )
    assert r.status_code == 200 and "reason" in r.context["form"].errors
    r = client.post(
        url(soon, "cancel/"), {"version": soon.version, "cancelled_by": "patient", "reason": "Flu"}
    )
    assert r.status_code == 302
    soon.refresh_from_db()
    assert soon.status == "cancelled" and soon.late_cancellation
    assert soon.cancellation_reason == "Flu" and soon.cancelled_by == "patient"
    assert Appointment.objects.count() == 1  # kept, never deleted


@pytest.mark.django_db
def test_an_early_cancellation_is_not_late(front_desk, appointment):
    cancelled = services.cancel_appointment(
        appointment=appointment, by=front_desk, cancelled_by="clinic", reason="Practitioner ill"
    )
    assert cancelled.late_cancellation is False
    assert cancelled.sequence == 1


@pytest.mark.django_db
def test_practitioners_change_only_their_own_appointments(
    client_for, other_practitioner, appointment
):
    client = client_for(other_practitioner.user)
    assert client.get(url(appointment)).status_code == 200  # every calendar is visible
    r = client.post(url(appointment, "status/"), {"status": "arrived", "version": 1})
    assert r.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "booked"


@pytest.mark.django_db
def test_the_appointment_page_has_a_fixed_number_of_queries(
    client_for, front_desk, todays, django_assert_num_queries
):
    appointment = todays
    for _ in range(3):
        services.change_status(appointment=appointment, status="arrived", by=front_desk)
        services.change_status(appointment=appointment, status="booked", by=front_desk)
    client = client_for(front_desk)
    # session / user / appointment with patient, practitioner, room, type / history
    # / messages / the patient's latest intake (intake panel) / session save
    # (savepoint, update, release)
    with django_assert_num_queries(9):
        r = client.get(url(appointment))
    assert r.status_code == 200
    assert "Mark arrived" in r.content.decode()


@pytest.mark.django_db
def test_the_history_reads_in_plain_words_with_one_date_format(client_for, front_desk, todays):
    """No ISO strings, no "Status changed" without the new status, no leading zeros."""
    tuesday = datetime.datetime(2030, 1, 1, 14, 30, tzinfo=datetime.UTC)  # GMT: local = UTC
    appointment = AppointmentFactory(practitioner=todays.practitioner, start_at=tuesday)
    front_desk.full_name = "Tom Bradley"
    front_desk.save(update_fields=["full_name"])
    client = client_for(front_desk)
    r = client.post(
        url(appointment, "move/"),
        {
            "version": appointment.version,
            "date": "2030-01-02",
            "time": "10:00",
            "duration_minutes": appointment.duration_minutes,
            "practitioner": appointment.practitioner.uuid,
            "room": appointment.room.uuid,
            "outside_hours_reason": "No hours set in this test",
        },
        follow=True,
    )
    text = r.content.decode()
    assert "Moved to Wednesday 2 January at 10:00" in text
    assert "Moved from Tuesday 1 January 14:30 to Wednesday 2 January 10:00 by Tom Bradley" in text
    assert "2030-01-01T" not in text and " 01 " not in text and "(was" not in text
    client.post(url(todays, "status/"), {"status": "arrived", "version": todays.version})
    text = client.get(url(todays)).content.decode()
    assert "Status changed to Arrived by Tom Bradley" in text


@pytest.mark.django_db
def test_after_a_move_the_page_shows_the_new_time_and_the_form_again(
    client_for, front_desk, appointment
):
    r = client_for(front_desk).post(
        url(appointment, "move/"),
        {
            "version": appointment.version,
            "date": "2030-01-09",
            "time": "11:30",
            "duration_minutes": appointment.duration_minutes,
            "practitioner": appointment.practitioner.uuid,
            "room": appointment.room.uuid,
            "outside_hours_reason": "No hours set in this test",
        },
        headers={"HX-Request": "true"},
    )
    body = r.content.decode()
    # The form's "Now:" line says the new time (on the page and in the calendar's panel)…
    assert 'id="move-now" data-testid="move-now">Now: Wednesday 9 January' in body
    assert "Now: Monday 7 January" not in body
    # …and the form comes back at the new time and version, with the news on top.
    assert 'data-testid="move-done"' in body and "Moved to Wednesday 9 January at 11:30" in body
    assert 'data-testid="move-form"' in body
    assert r.context["form"]["time"].value().strftime("%H:%M") == "11:30"
    assert f'name="version" value="{appointment.version + 1}"' in body


@pytest.mark.django_db
def test_only_the_steps_allowed_now_are_offered(client_for, front_desk):
    """Another day's appointment offers no "Mark arrived", a future one no
    "Mark no-show": the same rule that refuses them (Appointment.timing_problem)."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories.scheduling import AppointmentFactory

    tomorrow = AppointmentFactory(start_at=timezone.now() + timedelta(days=1))
    page = client_for(front_desk).get(f"/calendar/appointments/{tomorrow.uuid}/").content.decode()
    assert "Mark arrived" not in page and "Mark no-show" not in page
    assert tomorrow.next_statuses() == []
