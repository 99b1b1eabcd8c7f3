"""TRUNCATE refused on every table that holds signed clinical data.

The row triggers of migration 0002 refuse UPDATE and DELETE of a signed
record, but TRUNCATE fires no row trigger: ``TRUNCATE
treatment_sessions_needleplacement CASCADE`` emptied the placements of every
signed record. A statement-level BEFORE TRUNCATE trigger now refuses it (a
CASCADE that reaches one of these tables is refused too).

``refuse_truncate_clinical()`` is one function for every such table: a new
table of clinical data gets ``CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON
<table> FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_clinical();``.
The function was first made by migration 0005 (for the skin-lesion sites);
this one gives it its final wording. Those who must empty a database on
purpose (the test runner's flush, the scale generator's ``--clear``) do it in
replica mode (superuser) or with the tables' triggers disabled (owner).
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
CREATE OR REPLACE FUNCTION refuse_truncate_clinical() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'TRUNCATE of % refused: it holds clinical records, which are never deleted',
    TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
"""

SQL = FUNCTION + "".join(
    f"CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON {table}\n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_clinical();\n"
    for table in TABLES
)

# The function stays: migration 0005 made it and its trigger on the lesion sites uses it.
REVERSE = "".join(f"DROP TRIGGER refuse_truncate ON {table};\n" for table in TABLES)


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0008_signed_snapshot")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
