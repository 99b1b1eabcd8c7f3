"""Migration 0008 backfills the copies of records signed before it: run its
backfill on signed rows stripped of their copies (as they were before the
migration), the guard triggers and the CHECK set aside for the set-up only."""

import importlib

import pytest
from django.db import connection

from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory, point, sign

pytestmark = pytest.mark.django_db
migration = importlib.import_module("sessions.migrations.0008_signed_snapshot")


def strip_copies(session):
    """The signed row as it was before migration 0008 (rolled back with the test)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE treatment_sessions_treatmentsession DROP CONSTRAINT session_signed_snapshot"
        )
        for table, trigger in migration.GUARDS:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        cursor.execute(
            "UPDATE treatment_sessions_treatmentsession SET signed_on = NULL,"
            " signed_practitioner_name = '', signed_licence_number = '',"
            " signed_licence_body = '', signed_licence_expiry = NULL, signed_flags = NULL"
            " WHERE id = %s",
            [session.pk],
        )
        cursor.execute(
            "UPDATE treatment_sessions_needleplacement SET signed_point_code = '',"
            " signed_point_name = '', signed_needle_gauge_mm = NULL,"
            " signed_needle_length_mm = NULL, signed_needle_make = '' WHERE session_id = %s",
            [session.pk],
        )
        for table, trigger in migration.GUARDS:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def test_the_migration_backfills_records_signed_before_it(practitioner):
    session = TreatmentSessionFactory(
        practitioner=practitioner,
        contraindication_notes="Pregnant (due 01 Jun 2027)\r\n\r\n  Latex allergy  \n",
    )
    placement = NeedlePlacementFactory(session=session, acupoint=point("KI3"))
    draft = NeedlePlacementFactory()
    sign(session)
    strip_copies(session)

    with connection.schema_editor() as editor:
        migration.backfill(None, editor)

    session.refresh_from_db()
    placement.refresh_from_db()
    draft.refresh_from_db()
    assert session.signed_practitioner_name == "Pat Practitioner"
    assert session.signed_licence_number == practitioner.licence_number
    assert session.signed_licence_expiry == practitioner.licence_expiry
    assert session.signed_on is not None
    assert session.signed_flags == ["Pregnant (due 01 Jun 2027)", "Latex allergy"]
    assert (placement.signed_point_code, placement.signed_point_name) == ("KI3", "Taixi")
    assert placement.signed_needle_make == placement.needle.make
    assert draft.signed_point_code == ""  # drafts copy nothing
    with connection.cursor() as cursor:  # and the guards are back on
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname IN %s AND tgenabled = 'D'",
            [tuple(trigger for _, trigger in migration.GUARDS)],
        )
        assert cursor.fetchone() == (0,)


def placed_under_older_rules(session):
    """EX-B2 with no levels and a side on EX-B8: what the app accepted before
    migration 0005 (inserted past today's placement trigger, as old rows were)."""
    from sessions.models import NeedlePlacement

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before ALTER
        cursor.execute(
            "ALTER TABLE treatment_sessions_needleplacement DISABLE TRIGGER placement_side_fits_point"
        )
    old = [
        NeedlePlacementFactory(session=session, acupoint=point("EX-B2"), side="bilateral"),
        NeedlePlacementFactory(session=session, acupoint=point("EX-B8"), side="left"),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE treatment_sessions_needleplacement ENABLE TRIGGER placement_side_fits_point"
        )
    assert NeedlePlacement.objects.filter(pk__in=[p.pk for p in old], named_points=[]).count() == 2
    return old


def test_records_placed_under_older_rules_are_backfilled_and_signed(practitioner):
    signed = TreatmentSessionFactory(practitioner=practitioner)
    old_signed = placed_under_older_rules(signed)
    sign(signed)
    strip_copies(signed)
    with connection.schema_editor() as editor:
        migration.backfill(None, editor)  # the migration does not trip on them
    for placement in old_signed:
        placement.refresh_from_db()
    assert [p.signed_point_code for p in old_signed] == ["EX-B2", "EX-B8"]

    draft = TreatmentSessionFactory(practitioner=practitioner)
    placed_under_older_rules(draft)
    sign(draft)  # signing copies into the rows without re-judging what was placed
    assert draft.is_signed
