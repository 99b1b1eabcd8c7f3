"""PostgreSQL's fast paths, as the generator uses them.

* ``copy_lines`` streams rows, already in COPY's text format, from a Python
  generator into ``COPY ... FROM STDIN`` (psycopg2's ``copy_expert``), in
  chunks of about a megabyte, updating a progress bar as it goes.
* ``reserve_ids`` hands out a block of primary keys, so rows can point at each
  other before they are written.
* ``deferred_indexes`` drops a table's plain indexes and exclusion constraints
  for the load and creates them again afterwards, from PostgreSQL's own
  definitions (building an index once is far cheaper than updating it row by
  row; adding the exclusion constraints back checks every row against them).
* ``triggers_off`` skips row triggers for the load (the hash chain of the audit
  trail, the guards of signed records and the foreign-key checks): the
  generator writes rows that satisfy them by construction and checks them in
  bulk afterwards (``scale.checks``).

Everything runs inside the generator's one transaction: when anything fails,
PostgreSQL rolls back the rows *and* the dropped indexes and constraints.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.utils import DatabaseError

CHUNK_BYTES = 1 << 20


def text(value: str) -> str:
    """A string as a COPY text-format field (backslash, tab and newlines escaped)."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def ts(epoch: int) -> str:
    """A UTC timestamp (whole seconds since 1970) as COPY reads a timestamptz."""
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(epoch))


class _Feed:
    """A read()-able view of a generator of lines, for ``copy_expert``."""

    def __init__(self, lines: Iterable[str], progress):
        self.lines: Iterator[str] = iter(lines)
        self.progress = progress
        self.rows = 0

    def read(self, size: int = -1) -> bytes:
        chunk: list[str] = []
        length = 0
        for line in self.lines:
            chunk.append(line)
            length += len(line)
            if length >= CHUNK_BYTES:
                break
        self.rows += len(chunk)
        if self.progress is not None:
            self.progress.update(len(chunk))
        return "".join(chunk).encode()

    readline = read


@dataclass
class Loaded:
    """What one step wrote: rows and seconds."""

    table: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def copy_lines(table: str, columns: list[str], lines: Iterable[str], progress=None) -> int:
    """COPY the lines (tab-separated, ``\\N`` for NULL, newline-terminated) into table."""
    feed = _Feed(lines, progress)
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, feed, CHUNK_BYTES)
    return feed.rows


def reserve_ids(table: str, count: int) -> int:
    """Reserve ``count`` ids of table (an identity column) and return the first.
    The table is locked against other writers until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute(  # table and sequence names come from this code, not from input
            f"SELECT greatest((SELECT coalesce(max(id), 0) FROM {table}),"  # noqa: S608
            f" (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}))"
        )
        (last,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, last + max(count, 1)])
    return last + 1


@contextmanager
def deferred_indexes(tables: list[str]):
    """Drop the tables' plain indexes and exclusion constraints; re-create them
    on leaving. Primary keys and unique indexes stay (ids and uuids must stay unique)."""
    saved: list[tuple[str, str, str]] = []  # (kind, table, definition)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'x' ORDER BY conname",
                [table],
            )
            for name, definition in cursor.fetchall():
                saved.append(("constraint", table, f"CONSTRAINT {name} {definition}"))
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
                " JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
                " ORDER BY i.relname",
                [table],
            )
            for name, definition in cursor.fetchall():
                saved.append(("index", table, definition))
                cursor.execute(f'DROP INDEX "{name}"')
    yield saved
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for kind, table, definition in saved:
            if kind == "constraint":
                cursor.execute(f"ALTER TABLE {table} ADD {definition}")
            else:
                cursor.execute(definition)


@contextmanager
def triggers_off(tables: list[str]):
    """Skip row triggers (and foreign-key checks) for the rest of the transaction.

    A superuser sets ``session_replication_role = replica``; any other owner of
    the tables disables their own triggers instead (foreign keys stay checked,
    which is slower) and enables them again on leaving."""
    disabled: list[str] = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        mode = "replica"
    except DatabaseError:
        mode = "disable"
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                disabled.append(table)
    yield mode
    with connection.cursor() as cursor:
        if mode == "replica":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        for table in disabled:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
