"""Checks, in bulk, of what the row triggers would have checked row by row.

The load skips the row triggers (``scale.copy.triggers_off``), so before the
transaction commits these set-based queries confirm the rules they enforce:
foreign keys point at rows, signed records are complete (with the copies the
signing trigger would have made), placements fit their points. The exclusion constraints need no query: adding them back after the
load (``scale.copy.deferred_indexes``) checks every row.
"""

from __future__ import annotations

from django.db import connection

CHECKS = {
    "appointments point at patients, practitioners, rooms and types": """
        SELECT count(*) FROM scheduling_appointment a
         WHERE a.id BETWEEN %(appointments_from)s AND %(appointments_to)s
           AND (NOT EXISTS (SELECT 1 FROM patients_patient p WHERE p.id = a.patient_id)
             OR NOT EXISTS (SELECT 1 FROM practitioners_practitioner p WHERE p.id = a.practitioner_id)
             OR NOT EXISTS (SELECT 1 FROM scheduling_room r WHERE r.id = a.room_id)
             OR NOT EXISTS (SELECT 1 FROM scheduling_appointmenttype t
                             WHERE t.id = a.appointment_type_id)
             OR (a.booked_by_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM accounts_user u WHERE u.id = a.booked_by_id)))
    """,
    "sessions point at their appointment, of the same patient and practitioner": """
        SELECT count(*) FROM treatment_sessions_treatmentsession s
          LEFT JOIN scheduling_appointment a ON a.id = s.appointment_id
         WHERE s.id BETWEEN %(sessions_from)s AND %(sessions_to)s
           AND (a.id IS NULL OR a.patient_id <> s.patient_id
                OR a.practitioner_id <> s.practitioner_id)
    """,
    "placements point at sessions, acupoints and needles": """
        SELECT count(*) FROM treatment_sessions_needleplacement p
          LEFT JOIN treatment_sessions_treatmentsession s ON s.id = p.session_id
          LEFT JOIN treatment_sessions_acupoint a ON a.id = p.acupoint_id
          LEFT JOIN treatment_sessions_needle n ON n.id = p.needle_id
         WHERE p.id > %(placements_after)s AND (s.id IS NULL OR a.id IS NULL OR n.id IS NULL)
    """,
    "signed sessions have 4 to 12 placements": """
        SELECT count(*) FROM (
          SELECT s.id, count(p.id) AS placements
            FROM treatment_sessions_treatmentsession s
            LEFT JOIN treatment_sessions_needleplacement p ON p.session_id = s.id
           WHERE s.id BETWEEN %(sessions_from)s AND %(sessions_to)s
             AND s.signed_at IS NOT NULL
           GROUP BY s.id) counted
         WHERE placements NOT BETWEEN 4 AND 12
    """,
    "needles removed match needles inserted (each placement's needle_count)": """
        SELECT count(*) FROM (
          SELECT s.id, s.needles_removed,
                 sum(p.needle_count) AS inserted
            FROM treatment_sessions_treatmentsession s
            JOIN treatment_sessions_needleplacement p ON p.session_id = s.id
           WHERE s.id BETWEEN %(sessions_from)s AND %(sessions_to)s
             AND s.needles_out_at IS NOT NULL
           GROUP BY s.id, s.needles_removed) counted
         WHERE needles_removed IS DISTINCT FROM inserted
    """,
    "placement sides fit their points (midline, Ashi location)": """
        SELECT count(*) FROM treatment_sessions_needleplacement p
          JOIN treatment_sessions_acupoint a ON a.id = p.acupoint_id
         WHERE p.id > %(placements_after)s
           AND CASE WHEN a.kind = 'ashi' THEN btrim(p.ashi_location) = ''
                    WHEN a.is_midline THEN p.side <> 'midline'
                    ELSE p.side = 'midline' END
    """,
    "signed sessions belong to completed appointments": """
        SELECT count(*) FROM treatment_sessions_treatmentsession s
          JOIN scheduling_appointment a ON a.id = s.appointment_id
         WHERE s.id BETWEEN %(sessions_from)s AND %(sessions_to)s
           AND s.signed_at IS NOT NULL AND a.status <> 'completed'
    """,
    "signed sessions copy their signer's name and licence (migration 0004)": """
        SELECT count(*) FROM treatment_sessions_treatmentsession s
          JOIN practitioners_practitioner p ON p.user_id = s.signed_by_id
          JOIN accounts_user u ON u.id = p.user_id
         WHERE s.id BETWEEN %(sessions_from)s AND %(sessions_to)s
           AND s.signed_at IS NOT NULL
           AND (s.signed_practitioner_name <> u.full_name
                OR s.signed_licence_number <> p.licence_number
                OR s.signed_licence_expiry <> p.licence_expiry
                OR s.signed_licence_expiry < s.signed_on
                OR s.signed_flags IS NULL)
    """,
    "signed placements copy their point and needle, drafts none (migration 0004)": """
        SELECT count(*) FROM treatment_sessions_needleplacement pl
          JOIN treatment_sessions_treatmentsession s ON s.id = pl.session_id
          JOIN treatment_sessions_acupoint a ON a.id = pl.acupoint_id
          JOIN treatment_sessions_needle n ON n.id = pl.needle_id
         WHERE pl.id > %(placements_after)s
           AND CASE WHEN s.signed_at IS NULL THEN pl.signed_point_code <> ''
                    ELSE (pl.signed_point_code, pl.signed_point_name, pl.signed_needle_gauge_mm,
                          pl.signed_needle_length_mm, pl.signed_needle_make)
                         IS DISTINCT FROM (a.code, a.pinyin, n.gauge_mm, n.length_mm, n.make)
               END
    """,
    "portal patients point at patient accounts": """
        SELECT count(*) FROM patients_patient p
          LEFT JOIN accounts_user u ON u.id = p.user_id
         WHERE p.id BETWEEN %(patients_from)s AND %(patients_to)s
           AND p.user_id IS NOT NULL AND (u.id IS NULL OR u.role <> 'patient')
    """,
}


class ScaleCheckFailed(Exception):
    pass


def run_checks(ranges: dict[str, int]) -> list[str]:
    """Every check's name; raises ScaleCheckFailed naming the first that finds bad rows."""
    passed = []
    with connection.cursor() as cursor:
        for name, sql in CHECKS.items():
            cursor.execute(sql, ranges)
            (bad,) = cursor.fetchone()
            if bad:
                raise ScaleCheckFailed(f"{bad} rows fail the check: {name}")
            passed.append(name)
    return passed
