"""PostgreSQL enforces where a needle may go, and keeps skin-lesion sites.

* A placement's side fits its point's side rule (extra_point_sides.csv): paired
  points take left, right or bilateral; midline points and groups take none;
  a one-sided extra point takes its own side. An Ashi point needs its side and
  location.
* A multi-point extra needles at most its points per side; Jiaji names its
  levels, and its count follows them (L3, L4, L5 bilateral = 6 needles).
* A "do not needle" point (ST17, CV8) is refused; no needle goes deeper than
  its own length.
* Skin-lesion sites are never deleted (a healed one is marked resolved), and no
  table of clinical data can be emptied with TRUNCATE.
* The old free-text "points at a skin lesion" field is carried over into sites:
  codes the catalogue knows become sites; anything else is added to the
  patient's skin conditions text, so nothing typed is lost.
"""

from django.db import migrations

SQL = r"""
CREATE OR REPLACE FUNCTION placement_side_fits_point() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  point treatment_sessions_acupoint;
  needle_length smallint;
BEGIN
  SELECT * INTO point FROM treatment_sessions_acupoint WHERE id = NEW.acupoint_id;
  IF point.kind = 'ashi' THEN
    IF btrim(NEW.ashi_location) = '' THEN
      RAISE EXCEPTION 'an Ashi point needs its location' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.side = 'midline' THEN
      RAISE EXCEPTION 'an Ashi point needs its side' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF point.side_rule = 'midline' AND NEW.side <> 'midline' THEN
    RAISE EXCEPTION '% lies on the midline and takes no side', point.code USING ERRCODE = 'check_violation';
  ELSIF point.side_rule = 'group' AND NEW.side <> 'midline' THEN
    RAISE EXCEPTION '% is a group of points and takes no side', point.code USING ERRCODE = 'check_violation';
  ELSIF point.side_rule = 'paired' AND NEW.side = 'midline' THEN
    RAISE EXCEPTION '% needs a side: left, right or bilateral', point.code USING ERRCODE = 'check_violation';
  ELSIF point.side_rule IN ('left', 'right') AND NEW.side <> point.side_rule THEN
    RAISE EXCEPTION '% lies on the % only', point.code, point.side_rule USING ERRCODE = 'check_violation';
  END IF;
  IF point.depth_rule = 'do_not_needle' THEN
    RAISE EXCEPTION '% is not needled (%)', point.code, point.structure_at_risk
      USING ERRCODE = 'check_violation';
  END IF;
  IF cardinality(point.named_points) > 0 THEN
    IF cardinality(NEW.named_points) = 0
       OR NOT NEW.named_points <@ point.named_points
       OR (SELECT count(DISTINCT level) FROM unnest(NEW.named_points) AS level) <> cardinality(NEW.named_points)
       OR NEW.points_needled <> cardinality(NEW.named_points) THEN
      RAISE EXCEPTION '% names the points needled (%), one each', point.code, array_to_string(point.named_points, ', ')
        USING ERRCODE = 'check_violation';
    END IF;
  ELSIF cardinality(NEW.named_points) > 0 OR NEW.points_needled > point.points_per_side THEN
    RAISE EXCEPTION '% has % point(s) on each side', point.code, point.points_per_side
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT length_mm INTO needle_length FROM treatment_sessions_needle WHERE id = NEW.needle_id;
  IF NEW.depth_mm IS NOT NULL AND NEW.depth_mm > needle_length THEN
    RAISE EXCEPTION 'a depth of % mm is more than the needle''s % mm', NEW.depth_mm, needle_length
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

-- Checked when what was needled changes, not when sign-off copies the point and
-- needle into the row (migration 0008): records placed under older rules keep
-- reading as they were and can still be signed and backfilled.
DROP TRIGGER placement_side_fits_point ON treatment_sessions_needleplacement;
CREATE TRIGGER placement_side_fits_point
  BEFORE INSERT OR UPDATE OF acupoint_id, side, needle_id, depth_mm, points_needled, named_points, ashi_location
  ON treatment_sessions_needleplacement
  FOR EACH ROW EXECUTE FUNCTION placement_side_fits_point();

CREATE OR REPLACE FUNCTION refuse_truncate_clinical() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'TRUNCATE of % refused: it holds clinical records, which are never deleted', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION lesion_site_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'skin-lesion sites are never deleted: mark the site resolved'
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER lesion_site_kept BEFORE DELETE ON treatment_sessions_skinlesionsite
  FOR EACH ROW EXECUTE FUNCTION lesion_site_kept();
CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON treatment_sessions_skinlesionsite
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_clinical();
"""

REVERSE = """
DROP TRIGGER placement_side_fits_point ON treatment_sessions_needleplacement;
CREATE OR REPLACE FUNCTION placement_side_fits_point() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TRIGGER refuse_truncate ON treatment_sessions_skinlesionsite;
DROP FUNCTION refuse_truncate_clinical();
DROP TRIGGER lesion_site_kept ON treatment_sessions_skinlesionsite;
DROP FUNCTION lesion_site_kept();
"""


def carry_over_lesion_points(apps, schema_editor):
    from sessions.catalogue import point_key

    Patient = apps.get_model("patients", "Patient")
    Acupoint = apps.get_model("treatment_sessions", "Acupoint")
    Site = apps.get_model("treatment_sessions", "SkinLesionSite")
    by_key = {point.search_key: point for point in Acupoint.objects.exclude(kind="ashi")}
    for patient in Patient.objects.exclude(skin_lesion_points=""):
        unknown = []
        for token in patient.skin_lesion_points.split(","):
            words = token.split()
            if not words:
                continue
            point = by_key.get(point_key(words[0]))
            if point is None:
                unknown.append(token.strip())
                continue
            side = words[1].lower() if len(words) > 1 and words[1].lower() in ("left", "right") else ""
            Site.objects.create(
                patient=patient,
                acupoint=point,
                side=side,
                description=(patient.skin_conditions.strip() or "Skin lesion")[:200],
            )
        if unknown:
            note = "Lesion sites noted before (not point codes): " + ", ".join(unknown)
            patient.skin_conditions = f"{patient.skin_conditions}\n{note}".strip()
            patient.save(update_fields=["skin_conditions"])


class Migration(migrations.Migration):
    dependencies = [
        ("treatment_sessions", "0004_needling_safety_schema"),
        ("patients", "0004_search_trigram_index"),
    ]
    operations = [
        migrations.RunSQL(SQL, REVERSE),
        migrations.RunPython(carry_over_lesion_points, migrations.RunPython.noop),
    ]
