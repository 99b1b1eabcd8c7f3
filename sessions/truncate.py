"""Emptying a database on purpose, past the TRUNCATE guard.

PostgreSQL refuses TRUNCATE on the tables of signed clinical data (migration
0005, triggers named ``refuse_truncate``). Two callers empty whole databases
on purpose: the test runner's flush between transactional tests and the scale
generator's ``--clear``. They run their TRUNCATE inside ``truncate_allowed()``,
which disables those triggers by name for that moment; only the tables' owner
may (ALTER TABLE), so the app's ordinary queries never can by accident.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection as default_connection
from django.db import transaction

TRIGGER = "refuse_truncate"


def guarded_tables(connection=None) -> list[str]:
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = %s ORDER BY 1",
            [TRIGGER],
        )
        return [row[0] for row in cursor.fetchall()]


def toggle_sql(tables: list[str], *, enable: bool) -> list[str]:
    state = "ENABLE" if enable else "DISABLE"
    return [f"ALTER TABLE {table} {state} TRIGGER {TRIGGER}" for table in tables]


@contextmanager
def truncate_allowed(connection=None):
    """TRUNCATE of the guarded tables works inside this block (one transaction)."""
    connection = connection or default_connection
    with transaction.atomic(using=connection.alias):
        tables = guarded_tables(connection)
        with connection.cursor() as cursor:
            for sql in toggle_sql(tables, enable=False):
                cursor.execute(sql)
            yield
            for sql in toggle_sql(tables, enable=True):
                cursor.execute(sql)
