"""Planning and execution time of the treatment record's lookup (issue 14):
the 7-join select_related it had against the 5-join one of
sessions.access.get_session_for_user, by EXPLAIN (ANALYZE, SUMMARY), 35 times
each after 5 to warm the catalog caches. Read-only (the connection refuses
writes), so it may run on the scale database:

    DATABASE_URL=postgres://…/clinic_scale .venv/bin/python bench/record_lookup_plan.py
"""

import os
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Q

    from sessions.models import TreatmentSession

    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = on")
    draft = TreatmentSession.objects.drafts().select_related("practitioner").order_by("-id").first()
    # TreatmentSession.objects.visible_to(the draft's practitioner), spelled out.
    base = TreatmentSession.objects.filter(
        Q(signed_at__isnull=False) | Q(practitioner__user=draft.practitioner.user_id)
    )
    variants = {
        "before": base.select_related(
            "patient", "practitioner__user", "appointment__appointment_type", "room", "signed_by"
        ),
        "after": base.select_related("patient", "practitioner__user", "appointment", "room"),
    }
    for label, queryset in variants.items():
        sql, params = queryset.filter(uuid=draft.uuid).query.sql_with_params()
        planning, execution = [], []
        with connection.cursor() as cursor:
            for attempt in range(40):
                cursor.execute("EXPLAIN (ANALYZE, SUMMARY) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                if attempt < 5:
                    continue
                planning.append(float(re.search(r"Planning Time: ([\d.]+)", plan).group(1)))
                execution.append(float(re.search(r"Execution Time: ([\d.]+)", plan).group(1)))
        print(
            f"{label}: {sql.count(' JOIN ')} joins, planning median "
            f"{statistics.median(planning):.2f} ms (min {min(planning):.2f}), "
            f"execution median {statistics.median(execution):.2f} ms"
        )


if __name__ == "__main__":
    main()
