"""manage.py deliver_messages: the worker is woken by PostgreSQL NOTIFY when a
transaction queues a message, sends it, never twice however many workers run,
and a booking never waits for the mail server."""

import datetime
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import message_from_string
from email.policy import default
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connections, transaction
from django.utils import timezone

from notifications import services
from notifications.models import OutboundMessage
from notifications.worker import Worker
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory, WorkingHoursFactory
from tests.notifications.conftest import SUMMER
from tests.notifications.slow_smtp import SlowSMTPServer


class SlowBackend(LocmemBackend):
    """A mail server that takes a moment per message, so that workers overlap."""

    def send_messages(self, messages):
        time.sleep(0.05)
        return super().send_messages(messages)


class Running:
    """A Worker in a thread, with its own database connection; stopped on exit."""

    def __init__(self, **options):
        self.worker = Worker(log=lambda line: None, **options)
        self.errors = []
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            self.worker.run()
        except Exception as error:  # reported by the test, not lost in the thread
            self.errors.append(error)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.worker.listening.wait(timeout=15), "the worker never listened"
        return self.worker

    def __exit__(self, *exc):
        self.worker.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
        assert not self.errors, self.errors


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def queue_confirmations(count):
    """Queue one confirmation each for ``count`` appointments, in one transaction."""
    with transaction.atomic():
        for n in range(count):
            appointment = AppointmentFactory(
                start_at=timezone.now() + timedelta(days=2, hours=n),
                patient=PatientFactory(email=f"p{n}@example.net"),
            )
            services.queue_for(appointment, OutboundMessage.Kind.CONFIRMATION)


def sent():
    return OutboundMessage.objects.filter(status="sent").count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_queued_message_wakes_the_worker_which_sends_it(clinic):
    # A sweep interval far longer than the test: only the NOTIFY can wake it.
    with Running(sweep_seconds=600) as worker:
        queue_confirmations(1)
        assert wait_until(lambda: sent() == 1)
    assert worker.progress.notified_wakeups >= 1
    assert [m.to for m in mail.outbox] == [["p0@example.net"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_transaction_wakes_no_worker(clinic):
    with Running(sweep_seconds=600) as worker:
        with pytest.raises(RuntimeError), transaction.atomic():
            queue_confirmations(1)
            raise RuntimeError("the booking failed")
        time.sleep(1.5)
    assert worker.progress.notified_wakeups == 0
    assert not OutboundMessage.objects.exists() and mail.outbox == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sweep_sends_what_was_queued_while_no_worker_listened(clinic):
    queue_confirmations(2)
    with Running(sweep_seconds=600):
        assert wait_until(lambda: sent() == 2)
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_never_send_a_message_twice(clinic, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_worker.SlowBackend"
    with Running(sweep_seconds=600) as one, Running(sweep_seconds=600) as two:
        queue_confirmations(12)
        assert wait_until(lambda: sent() == 12)
        time.sleep(0.5)  # time for a second send, were there one
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"p{n}@example.net" for n in range(12))
    assert set(OutboundMessage.objects.values_list("attempts", flat=True)) == {1}
    assert one.progress.sent + two.progress.sent == 12
    assert one.progress.notified_wakeups >= 1 and two.progress.notified_wakeups >= 1


SMTP_DELAY = 5.0  # seconds before the slow mail server says hello


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_booking_does_not_wait_for_a_slow_mail_server(
    client_for, front_desk, clinic, practitioner, room, follow_up, patient, settings
):
    WorkingHoursFactory(
        practitioner=practitioner,
        weekday=0,
        start_time=datetime.time(9),
        end_time=datetime.time(17),
    )
    client = client_for(front_desk)
    with SlowSMTPServer(delay=SMTP_DELAY) as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 30
        with Running(sweep_seconds=600) as worker:
            started = time.monotonic()
            r = client.post(
                "/calendar/appointments/new/",
                {
                    "patient": patient.uuid,
                    "practitioner": practitioner.uuid,
                    "room": room.uuid,
                    "appointment_type": follow_up.uuid,
                    "date": SUMMER.date().isoformat(),
                    "time": "10:00",
                    "notes": "",
                    "outside_hours_reason": "",
                },
            )
            answered_after = time.monotonic() - started
            assert r.status_code == 302
            message = OutboundMessage.objects.get()
            # The page answered while the mail server had not even said hello:
            # the message is still waiting to go.
            assert (message.status, message.sent_at, smtp.messages) == ("queued", None, [])
            assert answered_after < SMTP_DELAY
            # ... and the worker delivers it through the slow server.
            assert wait_until(lambda: sent() == 1, timeout=SMTP_DELAY + 20)
        assert worker.progress.notified_wakeups >= 1
    (received,) = smtp.messages
    email = message_from_string(received, policy=default)
    assert email["To"] == "peggy@example.net"
    assert email["Subject"].strip().startswith("Your appointment is booked")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_command_delivers_until_sigterm_then_stops(clinic):
    """manage.py deliver_messages itself, as a process of its own on the test database."""
    database = connections["default"].settings_dict
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    url = (
        f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}"
        f":{database['PORT'] or 5432}/{database['NAME']}"
    )
    env = dict(os.environ, DATABASE_URL=url, EMAIL_URL="dummymail://", SMS_URL="locmem://")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "deliver_messages", "--sweep-seconds", "600"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert worker.stdout.readline().strip().endswith("sweeping every 600 s).")
        queue_confirmations(3)
        assert wait_until(lambda: sent() == 3)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0
    assert "Sent 3, failed 0" in output
    assert output.strip().endswith("Stopped: sent 3, failed 0.")
