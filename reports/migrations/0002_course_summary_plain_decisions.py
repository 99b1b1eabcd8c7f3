"""The course summary gets its decisions as plain columns (decidable, improved,
first session improved at, improved by visit 4/6/8/10), its point set as text
and a count of safety events, so that the outcome pages aggregate it in SQL,
with the aggregated columns first. The table holds
nothing that ``manage.py refresh_outcomes`` cannot rebuild: it is created
anew (empty), and the refresh records are dropped so that the pages say the
figures have not been worked out until the next refresh."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


def forget_refreshes(apps, schema_editor):
    apps.get_model("reports", "OutcomeRefresh").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0009_patient_referral_source"),
        ("practitioners", "0004_practitioner_is_clinical_lead"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="CourseSummary"),
        migrations.CreateModel(
            name="CourseSummary",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("patient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="patients.patient")),
                ("number", models.PositiveSmallIntegerField()),
                ("practitioner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="practitioners.practitioner")),
                ("start", models.DateField()),
                ("end", models.DateField()),
                ("sessions", models.PositiveSmallIntegerField()),
                ("cause", models.CharField(blank=True, max_length=16)),
                ("baseline_band", models.CharField(blank=True, max_length=40)),
                ("protocol", models.CharField(blank=True, max_length=100)),
                ("decidable", models.BooleanField()),
                ("improved", models.BooleanField()),
                ("first_improved_at", models.PositiveSmallIntegerField(null=True)),
                ("improved_by_4", models.BooleanField(null=True)),
                ("improved_by_6", models.BooleanField(null=True)),
                ("improved_by_8", models.BooleanField(null=True)),
                ("improved_by_10", models.BooleanField(null=True)),
                ("nprs_change", models.FloatField(null=True)),
                ("odi_change", models.FloatField(null=True)),
                ("discharged", models.BooleanField()),
                ("point_set", models.TextField(blank=True)),
                ("practitioner_ids", django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), size=None)),
                ("nprs_text", models.CharField(blank=True, max_length=40)),
                ("odi_text", models.CharField(blank=True, max_length=40)),
                ("safety", django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), default=list, size=None)),
                ("safety_events", models.PositiveIntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["cause", "sessions"], name="course_summary_cause"),
                    models.Index(fields=["-start", "-patient_id"], name="course_summary_recent"),
                    models.Index(condition=models.Q(("safety_events__gt", 0)), fields=["id"], name="course_summary_safety"),
                ],
                "constraints": [models.UniqueConstraint(fields=("patient", "number"), name="course_summary_unique")],
            },
        ),
        migrations.AddField(
            model_name="outcomerefresh",
            name="protocols",
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=100), default=list, size=None),
        ),
        migrations.RunPython(forget_refreshes, migrations.RunPython.noop),
    ]
