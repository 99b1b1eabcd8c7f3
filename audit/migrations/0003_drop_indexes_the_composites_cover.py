"""Drop the single-column foreign-key indexes that a composite index already leads with.

Only the indexes go: Django's own AlterField would also drop and re-add each
foreign-key constraint, re-checking every row (audit_auditevent holds millions at a
clinic group's scale) under an exclusive lock. The names are Django's, for
these columns of this table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only_hash_chain'),
        ('patients', '0004_search_trigram_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql="""DROP INDEX IF EXISTS audit_auditevent_actor_id_270bb4b7;
DROP INDEX IF EXISTS audit_auditevent_patient_id_82c45eaf""",
                    reverse_sql="""CREATE INDEX IF NOT EXISTS audit_auditevent_actor_id_270bb4b7 ON audit_auditevent (actor_id);
CREATE INDEX IF NOT EXISTS audit_auditevent_patient_id_82c45eaf ON audit_auditevent (patient_id)""",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='auditevent',
                    name='actor',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='auditevent',
                    name='patient',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='patients.patient'),
                ),
            ],
        ),
    ]
