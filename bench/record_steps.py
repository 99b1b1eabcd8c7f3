"""In-process timing of the treatment record's edit pages (issue 14).

Builds a realistic draft (assessment filled, 8 placements, needles not in yet,
an earlier signed session to copy from, two protocols, an adverse event) in a
transaction that is rolled back, then times GET requests through Django's test
client: the record URL (before the steps: the whole editable page) and, where
they exist, each step page, full and as an htmx fragment. Wall time (median
and mean) and this process's CPU time (median: the app's own work, less
disturbed by other load on the machine; PostgreSQL's share is not in it).

    DATABASE_URL=postgres://…/clinic_x .venv/bin/python bench/record_steps.py [--requests 50]

Needs a migrated database with the acupoint catalogue (any development one).
Nothing is left behind.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument(
        "--crispy",
        action="store_true",
        help="every field through crispy's |as_crispy_field, as before |fast_field",
    )
    args = parser.parse_args()

    import django

    django.setup()
    if args.crispy:
        from clinic.templatetags import fast_fields

        fast_fields.FAST = set()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from django.core import signals
    from django.db import close_old_connections, connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from sessions.models import AdverseEvent, Protocol, ProtocolPoint
    from tests.factories import PatientFactory, PractitionerFactory
    from tests.factories.sessions import (
        NeedlePlacementFactory,
        TreatmentSessionFactory,
        point,
        sign,
    )

    # As Django's TestCase does: the data lives in a transaction that a request's
    # end must not close.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    codes = ["BL23", "BL25", "GV4", "GB30", "BL40", "KI3", "LR3", "SI3"]
    with transaction.atomic():
        practitioner = PractitionerFactory()
        patient = PatientFactory(has_implanted_device=True)
        earlier = TreatmentSessionFactory(practitioner=practitioner, patient=patient)
        NeedlePlacementFactory(session=earlier, acupoint=point("BL23"), side="bilateral")
        sign(earlier)
        draft = TreatmentSessionFactory(
            practitioner=practitioner,
            patient=patient,
            pain_locations=["lumbar_left", "buttock_left"],
            odi_pain_intensity=3,
            odi_lifting=2,
            nprs_best=3,
            nprs_worst=8,
        )
        for code in codes:
            acupoint = point(code)
            side = "midline" if acupoint.is_midline else "bilateral"
            NeedlePlacementFactory(session=draft, acupoint=acupoint, side=side)
        for name in ("Lumbar strain", "Sciatica"):
            protocol = Protocol.objects.create(practitioner=practitioner, name=name)
            ProtocolPoint.objects.create(
                protocol=protocol, acupoint=point("BL23"), side="bilateral"
            )
        AdverseEvent.objects.create(
            session=draft, type="pain", severity="mild", action_taken="Reassured"
        )

        client = Client()
        client.force_login(practitioner.user)
        pages = [("the record URL", reverse("records:record", args=[draft.uuid]), {})]
        try:
            for step in ("assessment", "needles", "retention", "follow-up", "sign"):
                url = reverse("records:step", args=[draft.uuid, step])
                pages.append((f"step {step}", url, {}))
                pages.append((f"step {step} (htmx)", url, {"HX-Request": "true"}))
        except NoReverseMatch:
            pass

        print(
            f"{'page':32} {'status':>6} {'queries':>7} {'kB':>6} {'median ms':>9} "
            f"{'mean ms':>8} {'CPU ms':>7}"
        )
        for label, url, headers in pages:
            client.get(url, headers=headers)  # warm the session and template caches
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, headers=headers)
            count = len(queries)  # before the next requests reset the log
            times, cpu = [], []
            for _ in range(args.requests):
                start, start_cpu = time.perf_counter(), time.process_time()
                client.get(url, headers=headers)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            print(
                f"{label:32} {response.status_code:>6} {count:>7} "
                f"{len(response.content) / 1024:>6.1f} {statistics.median(times):>9.1f} "
                f"{statistics.mean(times):>8.1f} {statistics.median(cpu):>7.1f}"
            )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
