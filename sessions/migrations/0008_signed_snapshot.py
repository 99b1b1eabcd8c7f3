"""A signed record reads as it was signed (DOMAIN.md, Records).

At sign-off the record keeps its own copy of what it shows: the signer's name
and licence (number, issuing body, expiry), the patient's clinical flags as
they were (the contraindications reviewed), and on each placement the point's
code and Pinyin name and the needle's gauge, length and make. Pages that show a
signed record read only these copies, so later edits to a licence, the
catalogue, the needle list or the patient's flags never change how it reads.

PostgreSQL enforces it:

* ``treatment_session_signing`` (BEFORE INSERT or UPDATE, when ``signed_at``
  goes from NULL to a value) copies the signer's name and licence from their
  practitioner row and the point and needle of every placement (and the name of
  whoever overrode a warning), and refuses a signer who is no practitioner or
  whose licence expired before the signing day.
* ``session_signed_snapshot`` (CHECK): a signed row has every copy filled, and
  its signing day (``signed_on``, in the clinic's zone, written by the app) is
  within a day of ``signed_at``'s UTC date (no zone is stored in the database).
* ``session_signed_within_licence`` (CHECK, ``NOT VALID``): the licence had not
  expired on the signing day. It is checked on every new signature; rows
  signed before this migration are history and are left as they were.
* The guards of migration 0002 already refuse any later change to these columns.

Rows already signed are backfilled from the reference rows as they are now
(the best there is) with the guard triggers disabled for the backfill; the
flags reviewed come from the record's own contraindication notes, which were
written from the patient's flags before signing.
"""


import django.contrib.postgres.fields
from django.conf import settings
from django.db import migrations, models

SIGNING = r"""
CREATE FUNCTION treatment_session_signing() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  signer record;
BEGIN
  SELECT u.full_name, p.licence_number, p.licence_issuing_body, p.licence_expiry
    INTO signer
    FROM practitioners_practitioner p JOIN accounts_user u ON u.id = p.user_id
   WHERE p.user_id = NEW.signed_by_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'only a practitioner signs a treatment record' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.signed_on IS NULL THEN
    RAISE EXCEPTION 'signing needs its day (signed_on)' USING ERRCODE = 'not_null_violation';
  END IF;
  IF signer.licence_expiry < NEW.signed_on THEN
    RAISE EXCEPTION 'licence % expired on %: it cannot sign a record on %',
      signer.licence_number, signer.licence_expiry, NEW.signed_on USING ERRCODE = 'check_violation';
  END IF;
  NEW.signed_practitioner_name := signer.full_name;
  NEW.signed_licence_number := signer.licence_number;
  NEW.signed_licence_body := signer.licence_issuing_body;
  NEW.signed_licence_expiry := signer.licence_expiry;
  IF TG_OP = 'UPDATE' THEN
    -- BEFORE the session row changes, so the placements' guard still sees a draft.
    UPDATE treatment_sessions_needleplacement pl
       SET signed_point_code = a.code, signed_point_name = a.pinyin,
           signed_needle_gauge_mm = n.gauge_mm, signed_needle_length_mm = n.length_mm,
           signed_needle_make = n.make
      FROM treatment_sessions_acupoint a, treatment_sessions_needle n
     WHERE pl.session_id = NEW.id AND a.id = pl.acupoint_id AND n.id = pl.needle_id;
    UPDATE treatment_sessions_warningoverride o SET signed_by_name = u.full_name
      FROM accounts_user u WHERE o.session_id = NEW.id AND u.id = o.by_id;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER treatment_session_signing BEFORE UPDATE ON treatment_sessions_treatmentsession
  FOR EACH ROW WHEN (OLD.signed_at IS NULL AND NEW.signed_at IS NOT NULL)
  EXECUTE FUNCTION treatment_session_signing();
CREATE TRIGGER treatment_session_signing_insert BEFORE INSERT ON treatment_sessions_treatmentsession
  FOR EACH ROW WHEN (NEW.signed_at IS NOT NULL)
  EXECUTE FUNCTION treatment_session_signing();

ALTER TABLE treatment_sessions_treatmentsession ADD CONSTRAINT session_signed_snapshot CHECK (
  signed_at IS NULL OR (
    signed_on IS NOT NULL
    AND signed_practitioner_name <> '' AND signed_licence_number <> ''
    AND signed_licence_body <> '' AND signed_licence_expiry IS NOT NULL
    AND signed_flags IS NOT NULL
    AND signed_on BETWEEN (signed_at AT TIME ZONE 'UTC')::date - 1
                      AND (signed_at AT TIME ZONE 'UTC')::date + 1));
ALTER TABLE treatment_sessions_treatmentsession ADD CONSTRAINT session_signed_within_licence
  CHECK (signed_at IS NULL OR signed_licence_expiry >= signed_on) NOT VALID;
"""

UNSIGNING = r"""
ALTER TABLE treatment_sessions_treatmentsession DROP CONSTRAINT session_signed_within_licence;
ALTER TABLE treatment_sessions_treatmentsession DROP CONSTRAINT session_signed_snapshot;
DROP TRIGGER treatment_session_signing_insert ON treatment_sessions_treatmentsession;
DROP TRIGGER treatment_session_signing ON treatment_sessions_treatmentsession;
DROP FUNCTION treatment_session_signing();
"""

GUARDS = (
    ("treatment_sessions_treatmentsession", "treatment_session_guard"),
    ("treatment_sessions_needleplacement", "placement_guard"),
    ("treatment_sessions_warningoverride", "override_guard"),
)

BACKFILL = r"""
UPDATE treatment_sessions_treatmentsession s
   SET signed_on = (s.signed_at AT TIME ZONE %(zone)s)::date,
       signed_practitioner_name = u.full_name,
       signed_licence_number = p.licence_number,
       signed_licence_body = p.licence_issuing_body,
       signed_licence_expiry = p.licence_expiry,
       signed_flags = array_remove(
         regexp_split_to_array(btrim(s.contraindication_notes, E' \r\n\t'), '\s*\r?\n\s*'), '')
  FROM practitioners_practitioner p, accounts_user u
 WHERE s.signed_at IS NOT NULL AND u.id = s.signed_by_id
   AND p.id = COALESCE((SELECT id FROM practitioners_practitioner WHERE user_id = s.signed_by_id),
                       s.practitioner_id);
UPDATE treatment_sessions_needleplacement pl
   SET signed_point_code = a.code, signed_point_name = a.pinyin,
       signed_needle_gauge_mm = n.gauge_mm, signed_needle_length_mm = n.length_mm,
       signed_needle_make = n.make
  FROM treatment_sessions_treatmentsession s, treatment_sessions_acupoint a,
       treatment_sessions_needle n
 WHERE s.id = pl.session_id AND s.signed_at IS NOT NULL
   AND a.id = pl.acupoint_id AND n.id = pl.needle_id;
UPDATE treatment_sessions_warningoverride o SET signed_by_name = u.full_name
  FROM treatment_sessions_treatmentsession s, accounts_user u
 WHERE s.id = o.session_id AND s.signed_at IS NOT NULL AND u.id = o.by_id;
"""


def backfill(apps, schema_editor):
    """Snapshots for the rows signed before this migration; the guards refuse any
    UPDATE of a signed record, so they are off for the length of the backfill."""
    for table, trigger in GUARDS:
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    schema_editor.execute(BACKFILL, {"zone": settings.TIME_ZONE})
    for table, trigger in GUARDS:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


class Migration(migrations.Migration):

    dependencies = [
        ('treatment_sessions', '0007_override_detail_length'),
    ]

    operations = [
        migrations.AddField(
            model_name='needleplacement',
            name='signed_needle_gauge_mm',
            field=models.DecimalField(blank=True, decimal_places=2, editable=False, max_digits=3, null=True),
        ),
        migrations.AddField(
            model_name='needleplacement',
            name='signed_needle_length_mm',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='needleplacement',
            name='signed_needle_make',
            field=models.CharField(blank=True, editable=False, max_length=80),
        ),
        migrations.AddField(
            model_name='needleplacement',
            name='signed_point_code',
            field=models.CharField(blank=True, editable=False, max_length=12),
        ),
        migrations.AddField(
            model_name='needleplacement',
            name='signed_point_name',
            field=models.CharField(blank=True, editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name='treatmentsession',
            name='signed_flags',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), blank=True, editable=False, help_text="The patient's clinical flags as they were at sign-off.", null=True, size=None),
        ),
        migrations.AddField(
            model_name='treatmentsession',
            name='signed_licence_body',
            field=models.CharField(blank=True, editable=False, max_length=150),
        ),
        migrations.AddField(
            model_name='treatmentsession',
            name='signed_licence_expiry',
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='treatmentsession',
            name='signed_licence_number',
            field=models.CharField(blank=True, editable=False, max_length=50),
        ),
        migrations.AddField(
            model_name='treatmentsession',
            name='signed_on',
            field=models.DateField(blank=True, null=True, verbose_name="signing day (clinic's zone)"),
        ),
        migrations.AddField(
            model_name='treatmentsession',
            name='signed_practitioner_name',
            field=models.CharField(blank=True, editable=False, max_length=150),
        ),
        migrations.AddField(
            model_name='warningoverride',
            name='signed_by_name',
            field=models.CharField(blank=True, editable=False, max_length=150),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunSQL(SIGNING, UNSIGNING),
    ]
