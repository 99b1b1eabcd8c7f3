"""manage.py send_reminders: each due reminder exactly once, also when two
runs overlap (row locks with SKIP LOCKED and a unique index, not luck)."""

import io
import re
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from notifications import services
from notifications.models import OutboundMessage
from scheduling import services as scheduling
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory
from tests.notifications.conftest import event_of, parse_invite

SUMMARY = re.compile(r"^Queued (\d+) reminders, sent (\d+), failed (\d+)\.$")


def run_command(**options) -> str:
    out = io.StringIO()
    call_command("send_reminders", stdout=out, **options)
    return out.getvalue().strip()


def appointment_in(hours, *, patient=None, **fields):
    start = timezone.now() + timedelta(hours=hours)
    return AppointmentFactory(start_at=start, patient=patient or PatientFactory(), **fields)


def reminders():
    return OutboundMessage.objects.filter(kind=OutboundMessage.Kind.REMINDER)


@pytest.mark.django_db
def test_only_due_booked_appointments_of_willing_patients_get_a_reminder(clinic):
    due = appointment_in(3, patient=PatientFactory(email="due@example.net"))
    appointment_in(30)  # not yet: the window is 24 hours
    appointment_in(-1)  # already started
    appointment_in(
        5,
        status="cancelled",
        cancelled_at=timezone.now(),
        cancelled_by="patient",
        cancellation_reason="Away",
    )
    appointment_in(6, status="arrived")
    appointment_in(7, patient=PatientFactory(email=""))
    appointment_in(8, patient=PatientFactory(appointment_reminders=False))
    appointment_in(9, patient=PatientFactory(allow_email=False))

    assert run_command() == "Queued 1 reminders, sent 1, failed 0."
    (email,) = mail.outbox
    assert email.to == ["due@example.net"]
    assert email.subject.startswith("Reminder: your appointment on ")
    assert "This is a reminder of your appointment." in email.body
    assert event_of(parse_invite(email))["uid"].startswith(str(due.uuid))
    reminder = reminders().get()
    assert (reminder.appointment, reminder.about_start_at, reminder.status) == (
        due,
        due.start_at,
        "sent",
    )


@pytest.mark.django_db
def test_running_again_sends_nothing_more(clinic):
    appointment_in(2)
    assert run_command() == "Queued 1 reminders, sent 1, failed 0."
    assert run_command() == "Queued 0 reminders, sent 0, failed 0."
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_window_is_the_clinics_setting(clinic):
    appointment_in(30)
    assert run_command() == "Queued 0 reminders, sent 0, failed 0."
    clinic.reminder_hours_before = 48
    clinic.save()
    assert run_command() == "Queued 1 reminders, sent 1, failed 0."


@pytest.mark.django_db
def test_a_moved_appointment_gets_a_reminder_for_its_new_time(clinic, front_desk):
    appointment = appointment_in(2)
    run_command()
    moved = scheduling.move_appointment(
        appointment=appointment,
        start_at=appointment.start_at + timedelta(hours=3),
        end_at=appointment.end_at + timedelta(hours=3),
        practitioner=appointment.practitioner,
        room=appointment.room,
        by=front_desk,
        outside_hours_reason="No working hours in this test",
    )
    # The change message (left queued: no on-commit in a test transaction) and the new reminder.
    assert run_command() == "Queued 1 reminders, sent 2, failed 0."
    assert sorted(reminders().values_list("about_start_at", flat=True)) == [
        appointment.start_at,
        moved.start_at,
    ]
    assert [m.subject.split(":")[0] for m in mail.outbox] == [
        "Reminder",
        "Your appointment has changed",
        "Reminder",
    ]


@pytest.mark.django_db
def test_a_queued_reminder_for_a_cancelled_appointment_is_not_sent(clinic, front_desk):
    appointment = appointment_in(2)
    assert services.queue_due_reminders() == 1
    scheduling.cancel_appointment(
        appointment=appointment, by=front_desk, cancelled_by="patient", reason="Away"
    )
    assert run_command() == "Queued 0 reminders, sent 1, failed 0."  # the cancellation went
    reminder = reminders().get()
    assert reminder.status == "failed"
    assert reminder.last_error == "Not sent: the appointment is no longer booked."
    assert [m.subject.split(" ")[0] for m in mail.outbox] == ["Your"]


@pytest.mark.django_db
def test_the_database_refuses_a_second_reminder_for_the_same_start(clinic):
    from django.db import IntegrityError, transaction

    appointment = appointment_in(2)
    services.queue_due_reminders()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.create(
            appointment=appointment,
            kind=OutboundMessage.Kind.REMINDER,
            recipient="x@example.net",
            about_start_at=appointment.start_at,
        )


@pytest.mark.django_db
def test_a_failing_mail_server_is_counted_and_stored(clinic, settings):
    settings.EMAIL_BACKEND = "tests.notifications.conftest.ExplodingBackend"
    appointment_in(2)
    assert run_command() == "Queued 1 reminders, sent 0, failed 1."
    assert reminders().get().last_error.startswith("ConnectionRefusedError")
    # A failed reminder is not sent again by cron (only by a person pressing Retry).
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_command() == "Queued 0 reminders, sent 0, failed 0."


# --- Two machines at once ----------------------------------------------------------


class SlowBackend(LocmemBackend):
    """A mail server that takes a moment per message, so that two runs overlap."""

    def send_messages(self, messages):
        time.sleep(0.05)
        return super().send_messages(messages)


def run_at_once(target, count=2):
    """Run ``target`` in ``count`` threads (each with its own database
    connection) released together by a barrier; or run each of a list of targets."""
    targets = target if isinstance(target, list) else [target] * count
    barrier = threading.Barrier(len(targets))
    results, errors = [], []
    lock = threading.Lock()

    def worker(target):
        try:
            barrier.wait(timeout=10)
            value = target()
        except Exception as error:  # reported below, not lost in the thread
            with lock:
                errors.append(error)
        else:
            with lock:
                results.append(value)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=worker, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(results) == len(targets)
    return results


@pytest.fixture
def many_due(clinic, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_send_reminders.SlowBackend"
    due = [
        appointment_in(1 + n, patient=PatientFactory(email=f"due{n}@example.net"))
        for n in range(12)
    ]
    appointment_in(30, patient=PatientFactory(email="later@example.net"))
    appointment_in(
        4,
        patient=PatientFactory(email="cancelled@example.net"),
        status="cancelled",
        cancelled_at=timezone.now(),
        cancelled_by="clinic",
        cancellation_reason="Closed",
    )
    appointment_in(5, patient=PatientFactory(email="nope@example.net", appointment_reminders=False))
    appointment_in(6, patient=PatientFactory(email=""))
    return due


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_send_each_due_reminder_exactly_once(many_due):
    outputs = run_at_once(run_command)

    expected = sorted(f"due{n}@example.net" for n in range(12))
    assert sorted(email.to[0] for email in mail.outbox) == expected  # each once, no others
    counts = [tuple(map(int, SUMMARY.match(out).groups())) for out in outputs]
    assert sum(c[0] for c in counts) == 12  # queued
    assert sum(c[1] for c in counts) == 12  # sent
    assert sum(c[2] for c in counts) == 0  # failed
    assert reminders().count() == 12
    assert set(reminders().values_list("status", flat=True)) == {"sent"}
    assert set(reminders().values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_that_starts_while_another_is_sending_shares_the_work(many_due):
    def second_run():
        deadline = time.monotonic() + 10
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.001)  # until the first run is sending
        return run_command()

    outputs = run_at_once([run_command, second_run])

    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        f"due{n}@example.net" for n in range(12)
    )
    counts = [tuple(map(int, SUMMARY.match(out).groups())) for out in outputs]
    assert sum(c[1] for c in counts) == 12
    # Both sent some: the second took the messages the first had not locked yet.
    assert all(c[1] > 0 for c in counts), outputs
    assert reminders().filter(status="sent", attempts=1).count() == 12


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_queueing_at_once_from_four_processes_queues_each_reminder_once(many_due):
    queued = run_at_once(services.queue_due_reminders, count=4)
    assert sum(queued) == 12
    assert reminders().count() == 12
    assert sorted(reminders().values_list("appointment_id", flat=True)) == sorted(
        a.pk for a in many_due
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sending_at_once_from_four_processes_sends_each_message_once(many_due):
    services.queue_due_reminders()
    results = run_at_once(lambda: services.send_queued(limit=100), count=4)
    assert sum(r.sent for r in results) == 12
    assert len(mail.outbox) == 12
    assert len({email.to[0] for email in mail.outbox}) == 12
