"""The audit trail of the generated years, chained in PostgreSQL.

The rows are made server-side from the rows just loaded (INSERT ... SELECT):
each patient's registration, each booking and each signature, as the app
itself records them. Then they are chained, in time order, after the last row
already in the table.

The insert trigger (audit migration 0002) would do the chaining, but for bulk
rows it is slow: it looks up the chain's last row for every row (about 4,600
rows/s measured here). So with the triggers off (``scale.copy.triggers_off``)
one PL/pgSQL loop does the same work under the same advisory lock, with the
same ``audit_event_digest`` function, at ~50,000 rows/s. ``manage.py
verify_audit`` recomputes the chain and agrees.
"""

from __future__ import annotations

from django.db import connection

STAGE_SQL = """
CREATE TEMP TABLE scale_audit ON COMMIT DROP AS
SELECT p.created_at AS occurred_at, 1 AS kind, p.id AS row_id,
       desk.id AS actor_id, desk.email::text AS actor_label,
       'patients.patient.created'::text AS action, 'patients.patient'::text AS object_type,
       p.uuid::text AS object_id, p.id AS patient_id,
       jsonb_build_object('patient_number', p.patient_number, 'duplicate_confirmed', false) AS data
  FROM patients_patient p
  JOIN accounts_user desk ON desk.id = %(desk_first)s + p.id %% %(desk_count)s
 WHERE p.id BETWEEN %(patients_from)s AND %(patients_to)s
UNION ALL
SELECT a.created_at, 2, a.id, a.booked_by_id, coalesce(u.email, ''),
       'scheduling.appointment.booked', 'scheduling.appointment', a.uuid::text, a.patient_id,
       jsonb_build_object(
         'before', '{}'::jsonb,
         'after', jsonb_build_object(
           'start_at', to_char(a.start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
           'end_at', to_char(a.end_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
           'practitioner', a.practitioner_id, 'room', a.room_id, 'status', 'booked'),
         'note', '')
  FROM scheduling_appointment a
  LEFT JOIN accounts_user u ON u.id = a.booked_by_id
 WHERE a.id BETWEEN %(appointments_from)s AND %(appointments_to)s
UNION ALL
SELECT s.signed_at, 3, s.id, s.signed_by_id, u.email,
       'sessions.session.signed', 'treatment_sessions.treatmentsession', s.uuid::text,
       s.patient_id, '{}'::jsonb
  FROM treatment_sessions_treatmentsession s
  JOIN accounts_user u ON u.id = s.signed_by_id
 WHERE s.id BETWEEN %(sessions_from)s AND %(sessions_to)s AND s.signed_at IS NOT NULL
"""

CHAIN_SQL = """
DO $chain$
DECLARE
  r record;
  e audit_auditevent;
  pos bigint;
  previous text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('audit_auditevent_chain'));
  SELECT chain_position, hash INTO pos, previous
    FROM audit_auditevent WHERE chain_position IS NOT NULL
    ORDER BY chain_position DESC LIMIT 1;
  pos := coalesce(pos, 0);
  previous := coalesce(previous, '');
  FOR r IN SELECT * FROM scale_audit ORDER BY occurred_at, kind, row_id LOOP
    pos := pos + 1;
    e.occurred_at := r.occurred_at;
    e.actor_id := r.actor_id;
    e.actor_label := r.actor_label;
    e.action := r.action;
    e.object_type := r.object_type;
    e.object_id := r.object_id;
    e.patient_id := r.patient_id;
    e.client_address := NULL;
    e.data := r.data;
    e.chain_position := pos;
    e.prev_hash := previous;
    e.hash := audit_event_digest(previous, e);
    INSERT INTO audit_auditevent (occurred_at, actor_id, actor_label, action, object_type,
                                  object_id, patient_id, client_address, data,
                                  chain_position, prev_hash, hash)
    VALUES (e.occurred_at, e.actor_id, e.actor_label, e.action, e.object_type,
            e.object_id, e.patient_id, e.client_address, e.data,
            e.chain_position, e.prev_hash, e.hash);
    previous := e.hash;
  END LOOP;
END
$chain$;
"""


def write_audit_trail(ranges: dict[str, int]) -> int:
    """Stage and chain the audit rows of the given id ranges; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(STAGE_SQL, ranges)
        cursor.execute("SELECT count(*) FROM scale_audit")
        (count,) = cursor.fetchone()
        cursor.execute(CHAIN_SQL)
        cursor.execute("DROP TABLE scale_audit")
    return count
