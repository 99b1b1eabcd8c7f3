"""The end of the audit trail is tamper-evident (issue 12.3): PostgreSQL refuses
TRUNCATE, and checkpoints kept outside the database let verify_audit find a
removed tail, an emptied table or a rewritten chain."""

import json
import os
import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from audit.checkpoints import read_checkpoints
from audit.models import AuditEvent
from audit.services import record


@pytest.fixture
def events(db):
    created = [record(f"test.event.{n}", data={"n": n}) for n in range(5)]
    # Run the deferred foreign-key checks now: PostgreSQL refuses TRUNCATE of a
    # table with pending trigger events, whatever its own triggers say.
    sql("SET CONSTRAINTS ALL IMMEDIATE")
    return created


def checkpoint() -> str:
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    return out.getvalue()


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# --- TRUNCATE -----------------------------------------------------------------------


@pytest.mark.django_db
def test_postgresql_refuses_truncate_even_to_a_role_with_the_privilege(events):
    # A role with ordinary table privileges, TRUNCATE included (not the owner).
    with transaction.atomic():
        sql("CREATE ROLE audit_vandal NOLOGIN")
        sql("GRANT SELECT, INSERT, TRUNCATE ON audit_auditevent TO audit_vandal")
        sql("SET LOCAL ROLE audit_vandal")
        with (
            pytest.raises(ProgrammingError, match="append-only: TRUNCATE refused"),
            transaction.atomic(),
        ):
            sql("TRUNCATE audit_auditevent")
        sql("RESET ROLE")
        transaction.set_rollback(True)
    assert AuditEvent.objects.count() == 5


@pytest.mark.django_db
def test_the_owner_is_refused_too_while_the_trigger_is_on(events):
    with pytest.raises(ProgrammingError, match="TRUNCATE refused"), transaction.atomic():
        sql("TRUNCATE audit_auditevent CASCADE")
    assert AuditEvent.objects.count() == 5


# --- Checkpoints ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_checkpoint_records_the_head_with_a_mac_in_a_private_file(events, settings):
    assert "Checkpoint written: position 5" in checkpoint()
    path = settings.AUDIT_CHECKPOINT_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    (line,) = path.read_text().splitlines()
    fields = json.loads(line)
    head = AuditEvent.objects.get(chain_position=5)
    assert (fields["position"], fields["hash"]) == (5, head.hash)
    assert len(fields["mac"]) == 64
    assert settings.AUDIT_CHECKPOINT_KEY not in line


@pytest.mark.django_db
def test_checkpoints_are_appended_only_when_the_head_moves(events, settings):
    checkpoint()
    assert "Checkpoint unchanged" in checkpoint()
    record("test.event.more")
    checkpoint()
    positions = [c.position for c in read_checkpoints()]
    assert positions == [5, 6]


@pytest.mark.django_db
def test_verify_audit_says_the_trail_matches_its_checkpoint(events):
    assert "no checkpoints yet" in verify()
    checkpoint()
    record("test.event.after")  # rows after the newest checkpoint are fine
    assert "matches the checkpoint" in verify()


@pytest.mark.django_db
def test_verify_audit_finds_removed_rows_at_the_end(events):
    checkpoint()
    # The database's owner switches the guards off and removes the newest rows:
    # what remains is still a valid chain.
    sql("SET LOCAL session_replication_role = replica")
    sql("DELETE FROM audit_auditevent WHERE chain_position >= 4")
    sql("SET LOCAL session_replication_role = DEFAULT")
    with pytest.raises(CommandError, match=r"ends at position 3.*recorded position 5"):
        verify()


@pytest.mark.django_db
def test_verify_audit_finds_an_emptied_table(events):
    checkpoint()
    sql("DROP TRIGGER audit_event_no_truncate ON audit_auditevent")
    sql("TRUNCATE audit_auditevent CASCADE")
    with pytest.raises(CommandError, match="the table is empty"):
        verify()


@pytest.mark.django_db
def test_verify_audit_finds_a_tail_replaced_by_new_rows(events):
    checkpoint()
    sql("SET LOCAL session_replication_role = replica")
    sql("DELETE FROM audit_auditevent WHERE chain_position = 5")
    sql("SET LOCAL session_replication_role = DEFAULT")
    record("test.event.forged")  # takes position 5 again, with another hash
    with pytest.raises(CommandError, match="position 5 does not have the hash"):
        verify()


@pytest.mark.django_db
def test_a_forged_checkpoint_is_refused(events, settings):
    checkpoint()
    path = settings.AUDIT_CHECKPOINT_FILE
    fields = json.loads(path.read_text())
    fields["position"] = 2  # as if the trail had ended earlier
    path.write_text(json.dumps(fields) + "\n")
    with pytest.raises(CommandError, match="MAC is wrong"):
        verify()


@pytest.mark.django_db
def test_a_checkpoint_made_with_another_key_is_refused(events, settings):
    checkpoint()
    settings.AUDIT_CHECKPOINT_KEY = "another-key-" * 4
    with pytest.raises(CommandError, match="MAC is wrong"):
        verify()
