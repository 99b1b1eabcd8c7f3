"""TRUNCATE is refused on every table of signed clinical data (issue 11, point
5; migration 0005): TRUNCATE fires no row trigger, so the guards that refuse
UPDATE and DELETE of a signed record did not stop it."""

import pytest
from django.db import DatabaseError, connection, transaction

from sessions.models import NeedlePlacement
from tests.factories.sessions import NeedlePlacementFactory, sign

pytestmark = pytest.mark.django_db

CLINICAL = [
    "treatment_sessions_addendum",
    "treatment_sessions_adverseevent",
    "treatment_sessions_needleplacement",
    "treatment_sessions_skinlesionsite",
    "treatment_sessions_treatmentsession",
    "treatment_sessions_warningoverride",
]


def checked():
    """Run the foreign-key checks deferred so far: PostgreSQL will not TRUNCATE or
    ALTER a table with trigger events pending (rows inserted in this test)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def truncate(sql):
    checked()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def test_truncate_of_the_placements_cascade_is_refused():
    placement = NeedlePlacementFactory()
    sign(placement.session)
    with pytest.raises(DatabaseError, match=r"TRUNCATE of .* refused"):
        truncate("TRUNCATE treatment_sessions_needleplacement CASCADE")
    assert NeedlePlacement.objects.filter(pk=placement.pk).exists()


@pytest.mark.parametrize("table", CLINICAL)
def test_every_table_of_signed_data_refuses_truncate(table):
    with pytest.raises(DatabaseError, match="refused: it holds clinical records"):
        truncate(f"TRUNCATE {table} CASCADE")


def test_a_cascade_from_the_patients_reaching_the_records_is_refused():
    with pytest.raises(DatabaseError, match="refused"):
        truncate("TRUNCATE patients_patient CASCADE")


def guarded_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger"
            " WHERE tgname = 'refuse_truncate' AND tgrelid::regclass::text LIKE 'treatment%%'"
            " ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def test_the_guard_is_one_function_on_each_table():
    assert guarded_tables() == CLINICAL
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE t.tgname = 'refuse_truncate'"
        )
        assert cursor.fetchall() == [("refuse_truncate_clinical",)]


def test_emptying_on_purpose_needs_replica_mode_for_that_transaction_only():
    """Replica mode skips the guard (the test flush uses it); only a superuser may
    set it, so an application role cannot."""
    NeedlePlacementFactory()
    checked()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("TRUNCATE treatment_sessions_needleplacement CASCADE")
        # A test runs inside one transaction: end replica mode as its commit would.
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    assert not NeedlePlacement.objects.exists()
    with pytest.raises(DatabaseError, match="refused"):
        truncate("TRUNCATE treatment_sessions_needleplacement CASCADE")
