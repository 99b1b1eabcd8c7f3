"""Version 1 of the intake questions, and answers and flag reviews kept as given.

* ``intake_intakeanswer`` and ``intake_flagreview`` refuse UPDATE and DELETE
  (row triggers) and TRUNCATE (``refuse_truncate_clinical()``, the guard of
  every table of clinical records): what a patient answered and what the
  practitioner decided stay on the record.
"""

from django.db import migrations

SQL = r"""
CREATE FUNCTION intake_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'intake answers and reviews are never changed or deleted (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER intake_append_only BEFORE UPDATE OR DELETE ON intake_intakeanswer
  FOR EACH ROW EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON intake_intakeanswer
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_clinical();
CREATE TRIGGER intake_append_only BEFORE UPDATE OR DELETE ON intake_flagreview
  FOR EACH ROW EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON intake_flagreview
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_clinical();
"""

REVERSE = """
DROP TRIGGER refuse_truncate ON intake_flagreview;
DROP TRIGGER intake_append_only ON intake_flagreview;
DROP TRIGGER refuse_truncate ON intake_intakeanswer;
DROP TRIGGER intake_append_only ON intake_intakeanswer;
DROP FUNCTION intake_append_only();
"""


def questions_v1(apps, schema_editor):
    from intake.defaults import create_default_form

    create_default_form(apps.get_model("intake", "IntakeForm"), apps.get_model("intake", "IntakeQuestion"))


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_intake_questions_requests_answers_reviews"),
        ("treatment_sessions", "0005_placement_rules_and_lesion_sites"),
    ]

    operations = [
        migrations.RunSQL(SQL, REVERSE),
        migrations.RunPython(questions_v1, migrations.RunPython.noop),
    ]
