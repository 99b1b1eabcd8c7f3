"""PostgreSQL keeps issued money documents final.

* An issued invoice refuses every UPDATE except voiding (status issued → void
  with voided_at, voided_by and void_reason, once); a void invoice refuses
  every UPDATE; neither is ever deleted. Issuing (draft → issued) must carry a
  number and totals equal to the sums of its lines.
* Lines of an issued or void invoice refuse INSERT, UPDATE and DELETE.
* Credit notes, payments, refunds and account-credit entries are append-only.
* The number series start at 1; the clinic's diagnosis codes are seeded from
  DOMAIN.md (Billing and insurance), editable afterwards.
"""

from django.db import migrations

SQL = r"""
CREATE FUNCTION billing_invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  line_net numeric; line_tax numeric;
  void_fields text[] := ARRAY['status', 'voided_at', 'voided_by_id', 'void_reason'];
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'invoice % is issued: it is never deleted (void it instead)', OLD.number
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'draft' THEN
    IF NEW.status <> 'draft' THEN
      SELECT coalesce(sum(net), 0), coalesce(sum(tax), 0) INTO line_net, line_tax
        FROM billing_invoiceline WHERE invoice_id = NEW.id;
      IF NEW.status <> 'issued' OR NEW.subtotal <> line_net OR NEW.tax_total <> line_tax THEN
        RAISE EXCEPTION 'invoice % must be issued with the totals of its lines', NEW.id
          USING ERRCODE = 'check_violation';
      END IF;
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.status = 'issued' AND NEW.status = 'void'
     AND (to_jsonb(NEW) - void_fields) = (to_jsonb(OLD) - void_fields) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'invoice % is %: it never changes (issue a credit note, or void it)',
    OLD.number, OLD.status USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER billing_invoice_guard BEFORE UPDATE OR DELETE ON billing_invoice
  FOR EACH ROW EXECUTE FUNCTION billing_invoice_guard();

CREATE FUNCTION billing_invoice_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
      SELECT 1 FROM billing_invoice WHERE id = OLD.invoice_id AND status <> 'draft') THEN
    RAISE EXCEPTION 'invoice % is issued: its lines never change', OLD.invoice_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
      SELECT 1 FROM billing_invoice WHERE id = NEW.invoice_id AND status <> 'draft') THEN
    RAISE EXCEPTION 'invoice % is issued: no line can be added to it', NEW.invoice_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER billing_invoice_line_guard BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
  FOR EACH ROW EXECUTE FUNCTION billing_invoice_line_guard();

CREATE FUNCTION billing_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER billing_credit_note_final BEFORE UPDATE OR DELETE ON billing_creditnote
  FOR EACH ROW EXECUTE FUNCTION billing_append_only();
CREATE TRIGGER billing_payment_final BEFORE UPDATE OR DELETE ON billing_payment
  FOR EACH ROW EXECUTE FUNCTION billing_append_only();
CREATE TRIGGER billing_refund_final BEFORE UPDATE OR DELETE ON billing_refund
  FOR EACH ROW EXECUTE FUNCTION billing_append_only();
CREATE TRIGGER billing_credit_entry_final BEFORE UPDATE OR DELETE ON billing_creditentry
  FOR EACH ROW EXECUTE FUNCTION billing_append_only();

-- A credit note's or payment's invoice must be issued (not a draft, not void).
CREATE FUNCTION billing_needs_issued_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM billing_invoice WHERE id = NEW.invoice_id AND status = 'issued') THEN
    RAISE EXCEPTION 'invoice % is not issued (a draft or void): % refused', NEW.invoice_id, TG_TABLE_NAME
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER billing_credit_note_issued BEFORE INSERT ON billing_creditnote
  FOR EACH ROW EXECUTE FUNCTION billing_needs_issued_invoice();
CREATE TRIGGER billing_payment_issued BEFORE INSERT ON billing_payment
  FOR EACH ROW EXECUTE FUNCTION billing_needs_issued_invoice();

INSERT INTO billing_numberseries (key, next_number) VALUES ('invoice', 1), ('credit_note', 1);
"""

REVERSE = r"""
DROP TRIGGER billing_payment_issued ON billing_payment;
DROP TRIGGER billing_credit_note_issued ON billing_creditnote;
DROP FUNCTION billing_needs_issued_invoice();
DROP TRIGGER billing_credit_entry_final ON billing_creditentry;
DROP TRIGGER billing_refund_final ON billing_refund;
DROP TRIGGER billing_payment_final ON billing_payment;
DROP TRIGGER billing_credit_note_final ON billing_creditnote;
DROP FUNCTION billing_append_only();
DROP TRIGGER billing_invoice_line_guard ON billing_invoiceline;
DROP FUNCTION billing_invoice_line_guard();
DROP TRIGGER billing_invoice_guard ON billing_invoice;
DROP FUNCTION billing_invoice_guard();
DELETE FROM billing_numberseries;
"""

# DOMAIN.md, Billing and insurance: codes and the causes that suggest them.
ICD10 = [
    ("M54.5", "Low back pain", "other"),
    ("M54.4", "Lumbago with sciatica", ""),
    ("M54.3", "Sciatica", ""),
    ("M51.1", "Lumbar and other intervertebral disc disorders with radiculopathy", "herniated_disc"),
    ("M51.2", "Other specified intervertebral disc displacement", "herniated_disc"),
    ("M47.8", "Other spondylosis", "arthritis"),
    ("S39.0", "Injury of muscle and tendon of abdomen, lower back and pelvis", "muscle_strain"),
]
ICD10_CM = [
    ("M54.50", "Low back pain, unspecified", "other"),
    ("M54.51", "Vertebrogenic low back pain", ""),
    ("M54.59", "Other low back pain", ""),
    ("M54.41", "Lumbago with sciatica, right side", ""),
    ("M54.42", "Lumbago with sciatica, left side", ""),
    ("M51.16", "Intervertebral disc disorders with radiculopathy, lumbar region", "herniated_disc"),
    ("M51.17", "Intervertebral disc disorders with radiculopathy, lumbosacral region", "herniated_disc"),
    ("M47.816", "Spondylosis without myelopathy or radiculopathy, lumbar region", "arthritis"),
    ("M47.817", "Spondylosis without myelopathy or radiculopathy, lumbosacral region", "arthritis"),
    ("S39.012A", "Strain of muscle, fascia and tendon of lower back, initial encounter", "muscle_strain"),
]


def seed_codes(apps, schema_editor):
    DiagnosisCode = apps.get_model("billing", "DiagnosisCode")
    for system, rows in (("icd10", ICD10), ("icd10cm", ICD10_CM)):
        for code, description, causes in rows:
            DiagnosisCode.objects.get_or_create(
                system=system,
                code=code,
                defaults={"description": description, "suggested_for": causes},
            )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        migrations.RunSQL(SQL, REVERSE),
        migrations.RunPython(seed_codes, migrations.RunPython.noop),
    ]
