"""The delivery worker behind ``manage.py deliver_messages``.

It LISTENs on the channel that the table's trigger NOTIFYs when a transaction
queues a message (migration 0002), sends everything due, and sleeps in
``select()`` on the database connection until the next notification or, at the
latest, ``sweep_seconds`` later: that sweep also picks up automatic retries
and anything queued while no worker listened. Several workers, on one host or
many, share the work through the row locks of services.deliver (SKIP LOCKED).
"""

from __future__ import annotations

import logging
import select
import threading
import time
from dataclasses import dataclass, field

from django.db import DatabaseError, InterfaceError, OperationalError, connection

from notifications.services import SendResult, send_queued

logger = logging.getLogger(__name__)

CHANNEL = "notifications_queued"
# select() waits at most this long at a time, so a stop request is seen soon.
STOP_CHECK_SECONDS = 1.0
RECONNECT_SECONDS = 5.0


@dataclass
class Progress:
    """What a worker has done, for its log and for tests."""

    rounds: int = 0
    notified_wakeups: int = 0
    sent: int = 0
    failed: int = 0
    results: list[SendResult] = field(default_factory=list)


class Worker:
    def __init__(self, *, sweep_seconds: float = 60.0, batch: int = 200, log=None):
        self.sweep_seconds = sweep_seconds
        self.batch = batch
        self.stop = threading.Event()
        self.listening = threading.Event()
        self.progress = Progress()
        self.log = log or (lambda line: logger.info(line))

    def run(self, *, max_rounds: int | None = None) -> Progress:
        """Deliver until ``stop`` is set (or after ``max_rounds`` rounds, for
        tests). A lost database connection is re-opened after a pause."""
        while not self.stop.is_set():
            try:
                self._listen()
                while not self.stop.is_set():
                    self._deliver_due()
                    if max_rounds is not None and self.progress.rounds >= max_rounds:
                        return self.progress
                    self._wait()
            except (OperationalError, InterfaceError, DatabaseError) as error:
                self.listening.clear()
                self.log(f"Database connection lost ({error}); reconnecting.")
                connection.close()
                self.stop.wait(RECONNECT_SECONDS)
        return self.progress

    def _listen(self):
        connection.close_if_unusable_or_obsolete()
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        self.listening.set()

    def _deliver_due(self):
        """Send everything due, a batch at a time, until a batch comes back short."""
        while True:
            result = send_queued(limit=self.batch)
            self.progress.rounds += 1
            self.progress.results.append(result)
            self.progress.sent += result.sent
            self.progress.failed += result.failed
            if result.sent or result.failed or result.outdated:
                self.log(
                    f"Sent {result.sent}, failed {result.failed}, no longer applied "
                    f"{result.outdated}."
                )
            handled = result.sent + result.failed + result.outdated + result.skipped
            if handled < self.batch or self.stop.is_set():
                return

    def _wait(self):
        """Sleep until a NOTIFY arrives, the sweep interval ends or stop is set."""
        raw = connection.connection
        deadline = time.monotonic() + self.sweep_seconds
        while not self.stop.is_set():
            raw.poll()  # reads notifications already on the socket
            if raw.notifies:
                raw.notifies.clear()
                self.progress.notified_wakeups += 1
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            select.select([raw], [], [], min(remaining, STOP_CHECK_SECONDS))
