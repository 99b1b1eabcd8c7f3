"""Checkpoints anchor the end of the audit trail outside the database.

The hash chain (migration 0002) shows that no row was changed or removed in the
middle of the trail, but not that its newest rows are all there: remove the
last rows (triggers off) or empty the table, and what remains is still a valid
chain. A checkpoint records the chain's head (position and hash) at a moment,
authenticated with HMAC-SHA256 under AUDIT_CHECKPOINT_KEY, a key that is not in
the database, and is appended to AUDIT_CHECKPOINT_FILE, a file outside the
database (copied off the server by the clinic). ``verify_audit`` then checks
that the row at the newest checkpoint's position is still there with the same
hash: a removed tail, an emptied table or a re-written chain fails, and a
forged checkpoint fails without the key.

One line per checkpoint, JSON: {"at": ..., "position": ..., "hash": ..., "mac": ...}.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone


@dataclass(frozen=True)
class Checkpoint:
    at: str
    position: int
    hash: str

    def mac(self, key: str) -> str:
        message = f"audit-checkpoint\x1f{self.at}\x1f{self.position}\x1f{self.hash}"
        return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()

    def line(self, key: str) -> str:
        fields = {"at": self.at, "position": self.position, "hash": self.hash}
        return json.dumps(fields | {"mac": self.mac(key)}, sort_keys=True) + "\n"


class CheckpointError(Exception):
    """The checkpoint file is unreadable, or a line in it is not authentic."""


def chain_head() -> tuple[int, str]:
    """(position, hash) of the newest row of the trail; (0, "") when it is empty."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT chain_position, hash FROM audit_auditevent "
            "WHERE chain_position IS NOT NULL ORDER BY chain_position DESC LIMIT 1"
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, "")


def read_checkpoints(path: Path | None = None, key: str | None = None) -> list[Checkpoint]:
    """Every checkpoint in the file, oldest first; raises CheckpointError on a
    line that does not parse or whose MAC is wrong. No file: no checkpoints."""
    path = Path(path or settings.AUDIT_CHECKPOINT_FILE)
    key = key or settings.AUDIT_CHECKPOINT_KEY
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as error:
        raise CheckpointError(f"Cannot read the checkpoint file {path}: {error}") from error
    checkpoints = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
            checkpoint = Checkpoint(str(fields["at"]), int(fields["position"]), str(fields["hash"]))
            mac = str(fields["mac"])
        except (ValueError, KeyError, TypeError) as error:
            raise CheckpointError(f"{path}, line {number}: not a checkpoint") from error
        if not hmac.compare_digest(mac, checkpoint.mac(key)):
            raise CheckpointError(
                f"{path}, line {number}: its MAC is wrong (forged, altered, or another key)"
            )
        checkpoints.append(checkpoint)
    return checkpoints


def write_checkpoint(path: Path | None = None, key: str | None = None) -> tuple[Checkpoint, bool]:
    """Append the chain's head to the checkpoint file, unless the newest
    checkpoint already records it. Returns (checkpoint, written).

    Safe from cron and on several machines at once: the file is locked while
    it is read and appended to, and each checkpoint is one line written at once."""
    path = Path(path or settings.AUDIT_CHECKPOINT_FILE)
    key = key or settings.AUDIT_CHECKPOINT_KEY
    position, head_hash = chain_head()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        existing = read_checkpoints(path, key)
        if existing and (existing[-1].position, existing[-1].hash) == (position, head_hash):
            return existing[-1], False
        checkpoint = Checkpoint(timezone.now().isoformat(timespec="seconds"), position, head_hash)
        os.write(fd, checkpoint.line(key).encode())
        os.fsync(fd)
        return checkpoint, True
    finally:
        os.close(fd)  # also releases the lock


def checkpoint_problem(checkpoints: list[Checkpoint]) -> str | None:
    """What is wrong with the trail against its newest checkpoint, or None.

    The chain itself is verified separately (verification.first_broken_link):
    when it is intact and its row at the newest checkpoint's position has the
    checkpoint's hash, every row up to that checkpoint is the one checkpointed."""
    if not checkpoints:
        return None
    newest = max(checkpoints, key=lambda c: c.position)
    if newest.position == 0:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT hash FROM audit_auditevent WHERE chain_position = %s", [newest.position]
        )
        row = cursor.fetchone()
    head, _ = chain_head()
    if row is None:
        return (
            f"the trail ends at position {head}, but the checkpoint of {newest.at} recorded "
            f"position {newest.position}: rows at the end were removed"
            + (" (the table is empty)" if head == 0 else "")
        )
    if row[0] != newest.hash:
        return (
            f"the row at position {newest.position} does not have the hash recorded by the "
            f"checkpoint of {newest.at}: the trail was rewritten"
        )
    return None
