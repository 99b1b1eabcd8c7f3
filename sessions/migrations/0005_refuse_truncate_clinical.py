"""TRUNCATE refused on every table that holds signed clinical data.

The row triggers of migration 0002 refuse UPDATE and DELETE of a signed
record, but TRUNCATE fires no row trigger: ``TRUNCATE
treatment_sessions_needleplacement CASCADE`` emptied the placements of every
signed record. A statement-level BEFORE TRUNCATE trigger now refuses it (a
CASCADE that reaches one of these tables is refused too).

``refuse_truncate_clinical()`` is one function for every such table: a new
table of clinical data gets ``CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON
<table> FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_clinical();``.
The trigger is named ``refuse_truncate`` on every table, so that the few who
must empty a database on purpose (the test runner's flush, the scale
generator's ``--clear``) disable it by name as the tables' owner
(``sessions/truncate.py``).
"""

from django.db import migrations

TABLES = (
    "treatment_sessions_treatmentsession",
    "treatment_sessions_needleplacement",
    "treatment_sessions_warningoverride",
    "treatment_sessions_adverseevent",
    "treatment_sessions_addendum",
)

FUNCTION = r"""
CREATE FUNCTION refuse_truncate_clinical() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'TRUNCATE of % refused: it holds signed clinical records, which are never deleted',
    TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
"""

SQL = FUNCTION + "".join(
    f"CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON {table}\n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_clinical();\n"
    for table in TABLES
)

REVERSE = "".join(f"DROP TRIGGER refuse_truncate ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION refuse_truncate_clinical();\n"
)


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0004_signed_snapshot")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
