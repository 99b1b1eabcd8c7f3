"""Send queued e-mails and text messages as soon as they are queued.

Runs until stopped (SIGTERM or Ctrl+C), woken by PostgreSQL NOTIFY; run one or
more on any hosts (they share the work under row locks). ``send_reminders``
from cron stays the backup sweep.
"""

import signal

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.worker import Worker


class Command(BaseCommand):
    help = (
        "Deliver queued patient messages, woken by PostgreSQL LISTEN/NOTIFY, until stopped. "
        "Safe to run on several hosts at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sweep-seconds",
            type=float,
            default=60.0,
            help="Look for due messages (retries, anything missed) at least this often "
            "(default 60).",
        )
        parser.add_argument(
            "--batch", type=int, default=200, help="Messages per batch (default 200)."
        )

    def handle(self, *args, sweep_seconds, batch, **options):
        def log(line):
            self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} {line}")

        worker = Worker(sweep_seconds=sweep_seconds, batch=batch, log=log)

        def stop(signum, frame):
            worker.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log(f"Delivering messages (waiting for NOTIFY, sweeping every {sweep_seconds:g} s).")
        progress = worker.run()
        log(f"Stopped: sent {progress.sent}, failed {progress.failed}.")
