"""Queue due reminders and send every queued message; meant for cron.

Safe to run every few minutes and from several machines at once: reminders are
unique per appointment and start time in the database, and each message is
sent under its row lock (SKIP LOCKED), so none goes out twice.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.services import queue_due_reminders, send_queued


class Command(BaseCommand):
    help = (
        "Queue reminders for appointments within the clinic's reminder window, then send "
        "all queued messages. Safe to run concurrently."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=500,
            help="Send at most this many queued messages in this run (default 500).",
        )

    def handle(self, *args, limit, **options):
        queued = queue_due_reminders(timezone.now())
        result = send_queued(limit=limit)
        self.stdout.write(f"Queued {queued} reminders, sent {result.sent}, failed {result.failed}.")
