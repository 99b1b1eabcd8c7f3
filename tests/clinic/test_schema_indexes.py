"""Every foreign key of the clinic's tables leads some index.

Django gives each foreign key an index of its own unless ``db_index=False``;
the appointment and audit tables drop theirs where a composite index leads
with the same column. This keeps that safe: a foreign key with no index would
make every PROTECT check, and every join from the other side, scan the table.
"""

import pytest
from django.db import connection

# Tables of Django's and the libraries' own apps are theirs to index.
OURS = (
    "accounts_",
    "audit_",
    "clinic_",
    "notifications_",
    "patients_",
    "portal_",
    "practitioners_",
    "reports_",
    "scheduling_",
    "treatment_sessions_",
)

UNINDEXED_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text AS table_name, a.attname AS column_name
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f'
  AND array_length(c.conkey, 1) = 1
  AND NOT EXISTS (
      SELECT 1 FROM pg_index i
      WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
  )
"""


@pytest.mark.django_db
def test_every_foreign_key_leads_an_index():
    with connection.cursor() as cursor:
        cursor.execute(UNINDEXED_FOREIGN_KEYS)
        missing = [
            f"{table}.{column}" for table, column in cursor.fetchall() if table.startswith(OURS)
        ]
    assert missing == []
