"""scripts/backup and scripts/restore, end to end, on the server the tests use.

The demo data goes into a fresh database (migrate and seed_demo in
subprocesses), scripts/backup dumps it, scripts/restore loads the dump into a
second, empty database, and the two are compared: every table's row count, a
sample of patients, the sequences, and the audit trail row for row, whose chain
``manage.py verify_audit`` then checks in the restored copy. Both databases are
dropped afterwards. Works against the machine's PostgreSQL (DATABASE_URL, as in
CI) and the embedded one alike: the server comes from Django's own connection.

Slower than most tests (about 10 s: two Django commands, pg_dump, pg_restore).
"""

import json
import os
import secrets
import subprocess
import sys
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

SCRIPTS = settings.BASE_DIR / "scripts"


def server_settings() -> dict:
    db = connection.settings_dict
    return {key: db.get(key) or "" for key in ("USER", "PASSWORD", "HOST", "PORT")}


def connect(server: dict, name: str):
    conn = psycopg2.connect(
        dbname=name,
        user=server["USER"] or None,
        password=server["PASSWORD"] or None,
        host=server["HOST"] or None,
        port=server["PORT"] or None,
    )
    conn.autocommit = True
    return conn


def database_url(server: dict, name: str) -> str:
    """A DATABASE_URL for ``name`` on the same server (a socket folder too)."""
    auth = quote(server["USER"], safe="")
    if server["PASSWORD"]:
        auth += ":" + quote(server["PASSWORD"], safe="")
    port = f":{server['PORT']}" if server["PORT"] else ""
    host = server["HOST"]
    if host.startswith("/"):  # postgres://user@:port//socket/folder/name
        return f"postgres://{auth}@{port}/{host}/{name}"
    return f"postgres://{auth}@{host}{port}/{name}"


def run(command, database_url, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env |= {"DATABASE_URL": database_url, "DEBUG": "True", "CLINIC_ENV": "development"}
    result = subprocess.run(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def manage(*args, database_url):
    return run([sys.executable, "manage.py", *args], database_url)


def query(conn, sql, params=None):
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def row_counts(conn) -> dict[str, int]:
    tables = query(
        conn,
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    return {t: query(conn, f'SELECT count(*) FROM "{t}"')[0][0] for (t,) in tables}  # noqa: S608


AUDIT_ROWS = """
SELECT chain_position, occurred_at, actor_id, action, patient_id, data::text, prev_hash, hash
FROM audit_auditevent ORDER BY chain_position
"""


@pytest.fixture
def databases_on_the_test_server():
    """Two new, empty databases on the server the tests use; dropped afterwards."""
    server = server_settings()
    suffix = secrets.token_hex(4)
    names = (f"clinic_backup_source_{suffix}", f"clinic_backup_target_{suffix}")
    admin = connect(server, "postgres")
    try:
        for name in names:
            query_none(admin, f'CREATE DATABASE "{name}"')
        yield server, names
    finally:
        for name in names:
            query_none(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def query_none(conn, sql):
    with conn.cursor() as cursor:
        cursor.execute(sql)


def test_a_backup_restores_into_an_empty_database_with_everything_intact(
    databases_on_the_test_server, tmp_path
):
    server, (source_name, target_name) = databases_on_the_test_server
    source_url, target_url = (database_url(server, n) for n in (source_name, target_name))

    manage("migrate", "--no-input", "-v", "0", database_url=source_url)
    manage("seed_demo", database_url=source_url)
    source = connect(server, source_name)
    target = None
    try:
        # A few more audit rows, chained by the database's own trigger.
        for n in range(5):
            query(
                source,
                "INSERT INTO audit_auditevent (actor_label, action, object_type, object_id, data) "
                "VALUES ('', 'backup.test', '', '', %s) RETURNING id",
                [json.dumps({"n": n})],
            )

        dump = tmp_path / "clinic.dump"
        out = run([str(SCRIPTS / "backup"), str(dump)], source_url)
        assert "Backed up database" in out
        assert dump.stat().st_size > 0
        assert oct(dump.stat().st_mode & 0o777) == "0o600"  # patient data: owner only

        out = run([str(SCRIPTS / "restore"), "--yes", str(dump)], target_url)
        assert "Restored" in out and "Audit trail intact." in out

        target = connect(server, target_name)
        counts = row_counts(source)
        assert counts["patients_patient"] >= 100 and counts["audit_auditevent"] >= 6
        assert row_counts(target) == counts

        sample = query(
            source,
            "SELECT patient_number, first_name, last_name, date_of_birth, uuid "
            "FROM patients_patient ORDER BY random() LIMIT 5",
        )
        restored = query(
            target,
            "SELECT patient_number, first_name, last_name, date_of_birth, uuid "
            "FROM patients_patient WHERE patient_number = ANY(%s)",
            [[row[0] for row in sample]],
        )
        assert sorted(restored) == sorted(sample)
        sequence = "SELECT last_value FROM patients_patient_number_seq"
        assert query(target, sequence) == query(source, sequence)

        # The audit trail row for row: same positions, same hashes (not re-chained).
        assert query(target, AUDIT_ROWS) == query(source, AUDIT_ROWS)
        # The guards came back with the schema: new rows chain on, changes are refused.
        query_none(
            target,
            "INSERT INTO audit_auditevent (actor_label, action, object_type, object_id, data) "
            "VALUES ('', 'after.restore', '', '', '{}')",
        )
        last, previous = query(
            target, "SELECT chain_position, prev_hash, hash FROM audit_auditevent "
            "ORDER BY chain_position DESC LIMIT 2",
        )  # fmt: skip
        assert last[0] == previous[0] + 1 and last[1] == previous[2]
        with pytest.raises(psycopg2.Error, match="append-only"):
            query_none(target, "UPDATE audit_auditevent SET action = 'forged'")
        assert "Audit trail intact." in manage("verify_audit", database_url=target_url)
    finally:
        source.close()
        if target is not None:
            target.close()


def test_restore_asks_before_replacing_a_database(tmp_path):
    dump = tmp_path / "clinic.dump"
    dump.write_bytes(b"not a dump")
    # A database that cannot exist: nothing could be replaced even by mistake.
    env = os.environ | {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/never"}
    result = subprocess.run(
        [str(SCRIPTS / "restore"), str(dump)],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "pass --yes" in result.stderr
