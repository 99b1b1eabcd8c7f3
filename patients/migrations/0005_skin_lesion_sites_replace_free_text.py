"""The free-text "points at a skin lesion" field goes: its values were carried
over into structured sites (treatment_sessions 0005) before it is dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0004_search_trigram_index"),
        ("treatment_sessions", "0005_placement_rules_and_lesion_sites"),
    ]

    operations = [
        migrations.RemoveField(model_name="patient", name="skin_lesion_points"),
    ]
