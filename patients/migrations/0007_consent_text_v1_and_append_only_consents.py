"""Consent records are final, consent wording is kept as it was, and version 1
of the wording is there from the start.

* ``patients_consent`` refuses UPDATE and DELETE (row triggers) and TRUNCATE
  (a statement trigger): a withdrawal, or a new consent, is a new row.
* ``patients_consenttext`` refuses DELETE, TRUNCATE and any change to a
  version's label or wording; only which version is current may change.
* TRUNCATE is refused by ``refuse_truncate_clinical()``, the one guard of every
  table of clinical records (treatment_sessions migration 0005). A TRUNCATE of
  ``patients_patient ... CASCADE`` reaches the consents and is refused too.
"""

from django.db import migrations

SQL = r"""
CREATE FUNCTION consent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'consent records are never changed or deleted (% refused): record a new consent or a withdrawal', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER consent_append_only BEFORE UPDATE OR DELETE ON patients_consent
  FOR EACH ROW EXECUTE FUNCTION consent_append_only();
CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON patients_consent
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_clinical();

CREATE FUNCTION consent_text_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'consent texts are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.version IS DISTINCT FROM OLD.version OR NEW.text IS DISTINCT FROM OLD.text THEN
    RAISE EXCEPTION 'consent text version % keeps its wording: add a new version instead', OLD.version
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER consent_text_guard BEFORE UPDATE OR DELETE ON patients_consenttext
  FOR EACH ROW EXECUTE FUNCTION consent_text_guard();
CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON patients_consenttext
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_clinical();
"""

REVERSE = """
DROP TRIGGER refuse_truncate ON patients_consenttext;
DROP TRIGGER consent_text_guard ON patients_consenttext;
DROP FUNCTION consent_text_guard();
DROP TRIGGER refuse_truncate ON patients_consent;
DROP TRIGGER consent_append_only ON patients_consent;
DROP FUNCTION consent_append_only();
"""

VERSION_1 = """\
Acupuncture treatment: information and consent

What acupuncture involves. Your practitioner will place thin, sterile, single-use \
needles at chosen points on your body and usually leave them in place for about 20 to \
30 minutes. They may turn the needles gently, pass a small electrical current through \
them (electroacupuncture) or warm them. You can ask questions at any time.

Common, mild effects. Some people have slight bleeding or bruising where a needle was, \
a short-lived ache at a needle site, tiredness, or feel light-headed or faint during or \
after treatment. Pain may briefly feel worse before it improves.

Rare, serious risks. Very rarely a needle can injure an organ under the skin, most \
often the lung (pneumothorax), or cause an infection. A needle can break or be left \
behind; your practitioner counts every needle in and out.

Tell your practitioner if you are or may be pregnant, have a pacemaker or other \
implanted electrical device, take blood thinners or have a bleeding disorder, have \
epilepsy, have fainted before or are afraid of needles, or have a skin problem where \
needles may go. Tell us if any of this changes.

Your choice. Acupuncture may not help your back pain. You may refuse treatment, ask \
for a needle to be removed, stop a session at any time and withdraw this consent at \
any time, without affecting your other care. A parent or guardian consents for a \
patient under 18.

By signing, I confirm that I have read this information (or had it read to me), that \
my questions have been answered, and that I consent to acupuncture treatment.
"""


def add_version_1(apps, schema_editor):
    ConsentText = apps.get_model("patients", "ConsentText")
    if not ConsentText.objects.exists():
        ConsentText.objects.create(version="1", text=VERSION_1, is_current=True)


class Migration(migrations.Migration):
    dependencies = [("patients", "0006_informed_consent")]
    operations = [
        migrations.RunSQL(SQL, REVERSE),
        migrations.RunPython(add_version_1, migrations.RunPython.noop),
    ]
