from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic import embedded_postgres


class Command(BaseCommand):
    """Show or stop the embedded PostgreSQL in .pgdata (used when DATABASE_URL is unset)."""

    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action, **options):
        data_dir = settings.BASE_DIR / ".pgdata"
        if not settings.EMBEDDED_POSTGRES:
            raise CommandError(
                "DATABASE_URL is set: this app is not using the embedded PostgreSQL."
            )
        if action == "status":
            self.stdout.write(
                f"Embedded PostgreSQL in {data_dir}, socket in {settings.DATABASES['default']['HOST']}"
            )
        elif embedded_postgres.stop(data_dir):
            self.stdout.write("Embedded PostgreSQL stopped.")
        else:
            self.stdout.write("Embedded PostgreSQL was not running.")
