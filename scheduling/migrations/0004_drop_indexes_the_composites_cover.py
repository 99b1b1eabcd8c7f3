"""Drop the single-column foreign-key indexes that a composite index already leads with.

Only the indexes go: Django's own AlterField would also drop and re-add each
foreign-key constraint, re-checking every row (scheduling_appointment holds millions at a
clinic group's scale) under an exclusive lock. The names are Django's, for
these columns of this table.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0004_search_trigram_index'),
        ('practitioners', '0002_limit_account_roles'),
        ('scheduling', '0003_availability_index_and_longest_block'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql="""DROP INDEX IF EXISTS scheduling_appointment_patient_id_1a2fb708;
DROP INDEX IF EXISTS scheduling_appointment_practitioner_id_092c1b4b;
DROP INDEX IF EXISTS scheduling_appointment_room_id_79e598c5""",
                    reverse_sql="""CREATE INDEX IF NOT EXISTS scheduling_appointment_patient_id_1a2fb708 ON scheduling_appointment (patient_id);
CREATE INDEX IF NOT EXISTS scheduling_appointment_practitioner_id_092c1b4b ON scheduling_appointment (practitioner_id);
CREATE INDEX IF NOT EXISTS scheduling_appointment_room_id_79e598c5 ON scheduling_appointment (room_id)""",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='appointment',
                    name='patient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='patients.patient'),
                ),
                migrations.AlterField(
                    model_name='appointment',
                    name='practitioner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='practitioners.practitioner'),
                ),
                migrations.AlterField(
                    model_name='appointment',
                    name='room',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='scheduling.room'),
                ),
            ],
        ),
    ]
