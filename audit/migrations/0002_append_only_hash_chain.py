"""PostgreSQL guards the audit trail itself.

* ``audit_event_digest`` is the one definition of a row's hash: SHA-256 over the
  previous hash and the row's fields in a fixed text form. The trigger and
  ``manage.py verify_audit`` both use it.
* A BEFORE INSERT trigger takes a transaction-scoped advisory lock, numbers the
  row after the last one (``chain_position``) and chains its hash to that row's.
  The lock serialises writers, so the chain has no forks.
* BEFORE UPDATE and BEFORE DELETE triggers refuse every change, whoever asks.
"""

from django.db import migrations

SQL = r"""
CREATE FUNCTION audit_event_digest(prev_hash text, e audit_auditevent) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(concat_ws(E'\x1f',
      prev_hash,
      e.chain_position::text,
      to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
      coalesce(e.actor_id::text, ''),
      e.actor_label,
      e.action,
      e.object_type,
      e.object_id,
      coalesce(e.patient_id::text, ''),
      coalesce(host(e.client_address), ''),
      e.data::text
  ), 'UTF8')), 'hex')
$$;

CREATE FUNCTION audit_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_position bigint;
  last_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('audit_auditevent_chain'));
  SELECT chain_position, hash INTO last_position, last_hash
    FROM audit_auditevent WHERE chain_position IS NOT NULL
    ORDER BY chain_position DESC LIMIT 1;
  NEW.chain_position := coalesce(last_position, 0) + 1;
  NEW.prev_hash := coalesce(last_hash, '');
  NEW.hash := audit_event_digest(NEW.prev_hash, NEW);
  RETURN NEW;
END
$$;

CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_event_chain();
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
"""

REVERSE = """
DROP TRIGGER audit_event_no_delete ON audit_auditevent;
DROP TRIGGER audit_event_no_update ON audit_auditevent;
DROP TRIGGER audit_event_chain ON audit_auditevent;
DROP FUNCTION audit_event_refuse_change();
DROP FUNCTION audit_event_chain();
DROP FUNCTION audit_event_digest(text, audit_auditevent);
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
