"""Bring the practice reports' day sums up to date from the appointments.

Cron-safe: a second run while one is working exits at once, and the pages keep
the previous sums until the new ones are committed. Days after the last run are
always added up live, so a late or missed run makes the page slower, never
wrong about them. Run it every 15 minutes, e.g.
``*/15 * * * * … manage.py refresh_practice``.
"""

from django.core.management.base import BaseCommand

from reports.practice_sums import refresh


class Command(BaseCommand):
    help = "Recompute the practice reports' sums of each day before today."

    def handle(self, *args, **options):
        done = refresh()
        if done is None:
            self.stdout.write("Another refresh is running: nothing done.")
            return
        self.stdout.write(
            f"{done.rows} day sums to {done.settled_through:%d %b %Y} in {done.seconds} s."
        )
