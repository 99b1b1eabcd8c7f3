"""PostgreSQL refuses TRUNCATE of the audit trail, as it refuses UPDATE and DELETE.

TRUNCATE fires no row trigger, so migration 0002's guards did not stop it: any
role with the TRUNCATE privilege could empty the table, and ``verify_audit``
then found an empty, "intact" chain. A statement-level trigger refuses it,
whoever asks. (The table's owner or a superuser can still switch triggers off;
the checkpoints of ``manage.py audit_checkpoint``, kept outside the database,
detect what they remove.)
"""

from django.db import migrations

SQL = """
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();
"""

REVERSE = "DROP TRIGGER audit_event_no_truncate ON audit_auditevent;"


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_drop_indexes_the_composites_cover")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
