from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import CheckpointError, chain_head, checkpoint_problem, read_checkpoints
from audit.verification import first_broken_link


class Command(BaseCommand):
    """Recompute the audit trail's hash chain in PostgreSQL, in order, and
    report the first row whose hash or link to the previous row is wrong; then
    check the trail against the newest checkpoint in AUDIT_CHECKPOINT_FILE
    (written by audit_checkpoint), so that removed rows at the end, an emptied
    table or a rewritten chain are found too. Exits with an error when anything
    is wrong."""

    help = __doc__

    def handle(self, *args, **options):
        broken = first_broken_link()
        if broken is not None:
            raise CommandError(
                f"Audit trail broken at chain position {broken.chain_position} "
                f"(row id {broken.id}): {broken.reason}"
            )
        try:
            checkpoints = read_checkpoints()
        except CheckpointError as error:
            raise CommandError(f"Audit checkpoints unusable: {error}") from error
        problem = checkpoint_problem(checkpoints)
        if problem:
            raise CommandError(f"Audit trail does not match its checkpoints: {problem}")
        head, _ = chain_head()
        if checkpoints:
            newest = max(checkpoints, key=lambda c: c.position)
            anchor = f"matches the checkpoint of {newest.at} (position {newest.position})"
        else:
            anchor = "no checkpoints yet: run audit_checkpoint to anchor its end"
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact. {head} rows chained; {anchor}."))
