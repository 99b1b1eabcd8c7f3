"""Bring the outcome reports' course summary up to date from the signed records.

Cron-safe: a second run while one is working exits at once, and the pages keep
showing the previous figures until the new ones are committed. Run it every
15 minutes or nightly, e.g. ``*/15 * * * * … manage.py refresh_outcomes``.
"""

from django.core.management.base import BaseCommand

from reports.summary import refresh


class Command(BaseCommand):
    help = "Recompute the outcome reports' course summary from the signed records."

    def handle(self, *args, **options):
        done = refresh()
        if done is None:
            self.stdout.write("Another refresh is running: nothing done.")
            return
        self.stdout.write(f"{done.courses} courses summarised in {done.seconds} s.")
