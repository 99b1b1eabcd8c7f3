"""Load the acupoint catalogue, the pregnancy-caution list and a starter needle list."""

from decimal import Decimal

from django.db import migrations

STARTER_NEEDLES = [
    (Decimal("0.20"), 25, "Seirin J-type"),
    (Decimal("0.25"), 30, "Seirin J-type"),
    (Decimal("0.25"), 40, "Hwato"),
    (Decimal("0.30"), 50, "Hwato"),
    (Decimal("0.30"), 60, "Hwato"),
    (Decimal("0.35"), 75, "Hwato"),
]


def load(apps, schema_editor):
    from sessions.catalogue import (
        MIDLINE_CHANNELS,
        catalogue_rows,
        point_key,
        pregnancy_caution_rows,
    )

    Acupoint = apps.get_model("treatment_sessions", "Acupoint")
    Caution = apps.get_model("treatment_sessions", "PregnancyCautionPoint")
    Needle = apps.get_model("treatment_sessions", "Needle")
    points = Acupoint.objects.bulk_create(
        Acupoint(
            **row,
            is_midline=row["channel"] in MIDLINE_CHANNELS,
            search_key=point_key(row["code"]),
            sort_order=position,
        )
        for position, row in enumerate(catalogue_rows(), start=1)
    )
    by_code = {point.code: point for point in points}
    Caution.objects.bulk_create(
        Caution(acupoint=by_code[row["code"]], reason=row["reason"])
        for row in pregnancy_caution_rows()
    )
    Needle.objects.bulk_create(
        Needle(gauge_mm=gauge, length_mm=length, make=make)
        for gauge, length, make in STARTER_NEEDLES
    )


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0002_signed_records_are_final")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
