"""Patient search's trigram index: there exactly where the server offers pg_trgm.

The embedded development server has no contrib extensions, so the index is an
optional accelerator (patients/migrations/0004): this pins that the migration
adds it wherever it can, and that the search gives the same answers through it.
"""

import pytest
from django.db import connection

from patients.models import Patient
from tests.factories import PatientFactory


def _one(sql: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone() is not None


@pytest.mark.django_db
def test_the_index_exists_exactly_when_the_server_offers_pg_trgm():
    offered = _one("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    indexed = _one("SELECT 1 FROM pg_indexes WHERE indexname = 'patients_search_trgm_idx'")
    assert indexed == offered


@pytest.mark.django_db
def test_search_through_the_index_finds_what_a_scan_finds():
    wanted = PatientFactory(first_name="Zoë", last_name="Ellingham-Brown")
    PatientFactory(first_name="Zoe", last_name="Smith")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # use the index if there is one
        found = list(Patient.objects.active().search("lingham zoe"))
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert found == [wanted]
