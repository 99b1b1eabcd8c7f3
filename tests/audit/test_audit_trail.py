from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from audit.models import AuditEvent
from audit.services import record


@pytest.fixture
def events(db):
    created = [record(f"test.event.{n}", data={"n": n}) for n in range(3)]
    return AuditEvent.objects.filter(pk__in=[e.pk for e in created]).order_by("chain_position")


@pytest.mark.django_db
def test_each_row_is_chained_to_the_previous_one(events):
    first, second, third = events
    assert (first.chain_position, second.chain_position, third.chain_position) == (1, 2, 3)
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'forged'",
        "DELETE FROM audit_auditevent",
    ],
)
def test_postgresql_refuses_to_change_or_delete_rows(events, sql):
    with (
        pytest.raises(ProgrammingError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db
def test_the_orm_cannot_delete_rows_either(events):
    with pytest.raises(ProgrammingError), transaction.atomic():
        events.first().delete()


@pytest.mark.django_db
def test_verify_audit_reports_an_intact_chain(events):
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


@pytest.mark.django_db
def test_verify_audit_reports_the_first_tampered_row(events):
    # Someone with the database owner's rights switches the guard off and edits a row.
    tampered = events[1]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off
        cursor.execute("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [tampered.id])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    with pytest.raises(CommandError, match=f"chain position {tampered.chain_position}"):
        call_command("verify_audit", stdout=StringIO())
