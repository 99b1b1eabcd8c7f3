"""PostgreSQL keeps signed treatment records final and clinical data undeleted.

* A signed session refuses every UPDATE; no session is ever deleted.
* Placements, warning overrides and adverse events of a signed session refuse
  INSERT, UPDATE and DELETE.
* Addenda are append-only.
* A placement's side must fit its point: GV and CV points are midline and take
  no side; channel and extra points take left, right or bilateral; an Ashi
  point needs its location written down.
"""

from django.db import migrations

SQL = r"""
CREATE FUNCTION treatment_session_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'treatment sessions are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.signed_at IS NOT NULL THEN
    RAISE EXCEPTION 'treatment session % is signed: add an addendum instead', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER treatment_session_guard BEFORE UPDATE OR DELETE ON treatment_sessions_treatmentsession
  FOR EACH ROW EXECUTE FUNCTION treatment_session_guard();

CREATE FUNCTION treatment_session_child_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  parent_id bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN parent_id := OLD.session_id; ELSE parent_id := NEW.session_id; END IF;
  IF EXISTS (SELECT 1 FROM treatment_sessions_treatmentsession
             WHERE id = parent_id AND signed_at IS NOT NULL) THEN
    RAISE EXCEPTION 'treatment session % is signed: % refused on %', parent_id, TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.session_id <> NEW.session_id AND EXISTS (
      SELECT 1 FROM treatment_sessions_treatmentsession WHERE id = OLD.session_id AND signed_at IS NOT NULL) THEN
    RAISE EXCEPTION 'treatment session % is signed', OLD.session_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER placement_guard BEFORE INSERT OR UPDATE OR DELETE ON treatment_sessions_needleplacement
  FOR EACH ROW EXECUTE FUNCTION treatment_session_child_guard();
CREATE TRIGGER override_guard BEFORE INSERT OR UPDATE OR DELETE ON treatment_sessions_warningoverride
  FOR EACH ROW EXECUTE FUNCTION treatment_session_child_guard();
CREATE TRIGGER adverse_event_guard BEFORE INSERT OR UPDATE OR DELETE ON treatment_sessions_adverseevent
  FOR EACH ROW EXECUTE FUNCTION treatment_session_child_guard();

CREATE FUNCTION addendum_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'addenda are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER addendum_append_only BEFORE UPDATE OR DELETE ON treatment_sessions_addendum
  FOR EACH ROW EXECUTE FUNCTION addendum_append_only();

CREATE FUNCTION placement_side_fits_point() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  point treatment_sessions_acupoint;
BEGIN
  SELECT * INTO point FROM treatment_sessions_acupoint WHERE id = NEW.acupoint_id;
  IF point.kind = 'ashi' THEN
    IF btrim(NEW.ashi_location) = '' THEN
      RAISE EXCEPTION 'an Ashi point needs its location' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF point.is_midline AND NEW.side <> 'midline' THEN
    RAISE EXCEPTION '% lies on the midline and takes no side', point.code USING ERRCODE = 'check_violation';
  ELSIF NOT point.is_midline AND NEW.side = 'midline' THEN
    RAISE EXCEPTION '% needs a side: left, right or bilateral', point.code USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER placement_side_fits_point BEFORE INSERT OR UPDATE ON treatment_sessions_needleplacement
  FOR EACH ROW EXECUTE FUNCTION placement_side_fits_point();
"""

REVERSE = """
DROP TRIGGER placement_side_fits_point ON treatment_sessions_needleplacement;
DROP FUNCTION placement_side_fits_point();
DROP TRIGGER addendum_append_only ON treatment_sessions_addendum;
DROP FUNCTION addendum_append_only();
DROP TRIGGER adverse_event_guard ON treatment_sessions_adverseevent;
DROP TRIGGER override_guard ON treatment_sessions_warningoverride;
DROP TRIGGER placement_guard ON treatment_sessions_needleplacement;
DROP FUNCTION treatment_session_child_guard();
DROP TRIGGER treatment_session_guard ON treatment_sessions_treatmentsession;
DROP FUNCTION treatment_session_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
