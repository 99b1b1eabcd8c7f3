"""Documents are never deleted, and a document's file never changes.

``documents_document`` refuses DELETE (row trigger) and TRUNCATE
(``refuse_truncate_clinical()``), and any change to which patient and which
file a row is; only the filed-in-error columns (and the flags kind, date,
clinical, shared) may change.
"""

from django.db import migrations

SQL = r"""
CREATE FUNCTION document_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'documents are never deleted: mark one as filed in error'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.patient_id IS DISTINCT FROM OLD.patient_id OR NEW.file IS DISTINCT FROM OLD.file
     OR NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.uuid IS DISTINCT FROM OLD.uuid
     OR NEW.uploaded_by_id IS DISTINCT FROM OLD.uploaded_by_id
     OR (OLD.filed_in_error_at IS NOT NULL AND NEW.filed_in_error_at IS DISTINCT FROM OLD.filed_in_error_at) THEN
    RAISE EXCEPTION 'a document keeps its patient, its file and its filing: upload a new one instead'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER document_guard BEFORE UPDATE OR DELETE ON documents_document
  FOR EACH ROW EXECUTE FUNCTION document_guard();
CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON documents_document
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_clinical();
"""

REVERSE = """
DROP TRIGGER refuse_truncate ON documents_document;
DROP TRIGGER document_guard ON documents_document;
DROP FUNCTION document_guard();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_patient_documents"),
        ("treatment_sessions", "0005_placement_rules_and_lesion_sites"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
