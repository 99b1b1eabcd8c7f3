from django.core.management.base import BaseCommand, CommandError

from audit.verification import first_broken_link


class Command(BaseCommand):
    """Recompute the audit trail's hash chain in PostgreSQL, in order, and
    report the first row whose hash or link to the previous row is wrong.
    Exits with an error when the chain is broken."""

    help = __doc__

    def handle(self, *args, **options):
        broken = first_broken_link()
        if broken is None:
            self.stdout.write(self.style.SUCCESS("Audit trail intact."))
            return
        raise CommandError(
            f"Audit trail broken at chain position {broken.chain_position} (row id {broken.id}): {broken.reason}"
        )
