from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import CheckpointError, write_checkpoint


class Command(BaseCommand):
    """Append the audit trail's head (chain position and hash, with an HMAC under
    AUDIT_CHECKPOINT_KEY) to AUDIT_CHECKPOINT_FILE, outside the database, so that
    verify_audit can tell when rows at the end were removed or the table emptied.
    Run it from cron (every few minutes to daily) and copy the file off the
    server; nothing is written when the head has not moved. Safe to overlap."""

    help = __doc__

    def handle(self, *args, **options):
        try:
            checkpoint, written = write_checkpoint()
        except CheckpointError as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(f"Cannot write the checkpoint file: {error}") from error
        state = "Checkpoint written" if written else "Checkpoint unchanged"
        self.stdout.write(
            f"{state}: position {checkpoint.position}, hash {checkpoint.hash[:16] or '-'}."
        )
