"""A trigram index for patient search, where the server offers pg_trgm.

Search is ``search_text LIKE '%word%'``, which no b-tree can serve: at 50,000
patients that is two sequential scans per search page (~45 ms). A GIN trigram
index serves the same LIKE unchanged (no query differs), so it is an optional
accelerator: PostgreSQL servers with the contrib extensions (Debian's, the
cloud ones) get it; the embedded development server, which has none, keeps
the scans and gives the same results.
"""

from django.db import migrations, transaction
from django.db.utils import DatabaseError

INDEX = "patients_search_trgm_idx"


def add_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        try:
            # pg_trgm is a trusted extension: a database owner may create it. A
            # role that may not simply goes without the index.
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON patients_patient "
            "USING gin (search_text gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_skin_lesion_points"),
    ]

    operations = [migrations.RunPython(add_index, drop_index)]
