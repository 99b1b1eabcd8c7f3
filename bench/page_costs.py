#!/usr/bin/env python
"""Where a key page's time goes, in-process, on the scale data (issue 14).

    DATABASE_URL=postgres://…/clinic_scale .venv/bin/python bench/page_costs.py

Requests each key page of bench/run_benchmark.py through Django's test client
(no HTTP, no load), ``--repeat`` times after a warm-up, as the same kind of
account the load test uses, and splits the median request into: waiting for
PostgreSQL (the cursor's execute and fetch), rendering templates (Django's and
Jinja2's, crispy's included), and the rest (the view's Python: building ORM
objects, forms, middleware, the session). A profile of each page (cProfile,
cumulative) attributes the time; the split is printed as a share of the
profiled time, and the wall median without the profiler beside it. Not part of
the test suite; it writes only sessions (the logins) and the record-read audit
events the pages write anyway.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")  # adds the bare view
os.environ.setdefault("DEBUG", "false")

# (file fragment, function) whose cumulative time is counted, per bucket.
BUCKETS = {
    "database": [("django/db/backends/utils.py", "execute"), ("psycopg2", "fetch")],
    "templates": [
        ("django/template/backends/django.py", "render"),
        ("django/template/backends/jinja2.py", "render"),
    ],
}


def _bucket_seconds(stats: pstats.Stats, bucket) -> float:
    """The largest cumulative time among the bucket's entry points (they nest:
    a Jinja2 grid is rendered inside a Django page, so they are not added)."""
    best = 0.0
    for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        for fragment, function in bucket:
            if fragment in filename and name.startswith(function):
                best = max(best, cumulative)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count, Q
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from patients.models import Patient
    from scheduling.models import AppointmentType
    from sessions.models import TreatmentSession

    settings.ALLOWED_HOSTS = ["*"]
    desk = User.objects.get(email="frontdesk01@scale.example")
    draft = TreatmentSession.objects.drafts().select_related("practitioner__user").first()
    practitioner = draft.practitioner.user
    treated = Patient.objects.filter(treatment_sessions__signed_at__isnull=False).first()
    portal = (
        Patient.objects.filter(user__email__endswith="@scale.example")
        .annotate(
            n=Count("treatment_sessions", filter=Q(treatment_sessions__signed_at__isnull=False))
        )
        .filter(n__gte=10)
        .first()
    )
    today = timezone.localdate()
    kind = AppointmentType.objects.filter(name="Follow-up treatment").first()
    pages = [
        ("bare", desk, "/bench/bare/"),
        ("day calendar", desk, f"/calendar/?date={today.isoformat()}"),
        ("patient search", desk, "/patients/?q=smith"),
        (
            "find a time",
            desk,
            f"/calendar/find/?appointment_type={kind.uuid}&from_date={today}"
            f"&to_date={today + datetime.timedelta(days=28)}",
        ),
        ("clinical timeline", practitioner, f"/records/patient/{treated.uuid}/"),
        ("session edit (needles step)", practitioner, f"/records/{draft.uuid}/step/needles/"),
        ("floor board", desk, "/records/floor/"),
        ("portal history", portal.user, "/portal/history/"),
    ]
    print(f"{'page':<30} {'median ms':>9}  {'database':>8} {'templates':>9} {'rest':>6}")
    for entry in pages:
        name, user, url = entry
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.repeat):
            client.get(url)
        profile.disable()
        stats = pstats.Stats(profile)
        total = stats.total_tt or 1.0
        shares = {
            bucket: _bucket_seconds(stats, entries) / total for bucket, entries in BUCKETS.items()
        }
        rest = max(0.0, 1 - shares["database"] - shares["templates"])
        print(
            f"{name:<30} {statistics.median(timings):>9.1f}  {shares['database']:>8.0%} "
            f"{shares['templates']:>9.0%} {rest:>6.0%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
