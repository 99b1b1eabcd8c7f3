#!/usr/bin/env python
"""Time each report page (issue 16) on a database of scale data.

    DATABASE_URL=postgres://…/clinic_scale .venv/bin/python bench/reports_benchmark.py

against a database filled by ``manage.py generate_scale_data`` (or the demo's).
Requests each page in-process with Django's test client, signed in as a
practitioner made clinical lead for the run (the outcome pages) and as the
front desk (the practice reports), ``--repeat`` times after one warm-up, and
prints the median and slowest time and the SQL queries of each against the
target (500 ms). Not part of the test suite; it changes nothing but the
practitioner's clinical-lead flag, which it puts back.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DEBUG", "false")

TARGET_MS = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--practitioner", help="e-mail (default: the first practitioner by e-mail)")
    parser.add_argument("--front-desk", help="e-mail (default: the first front desk by e-mail)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from sessions.models import PainCause, TreatmentSession

    settings.ALLOWED_HOSTS = ["*"]
    users = User.objects.filter(is_active=True).order_by("email")
    practitioner = (
        users.get(email=args.practitioner)
        if args.practitioner
        else users.filter(role=Role.PRACTITIONER, practitioner__isnull=False).first()
    )
    desk = (
        users.get(email=args.front_desk)
        if args.front_desk
        else users.filter(role=Role.FRONT_DESK).first()
    )
    if practitioner is None or desk is None:
        print("No practitioner or front desk in this database: generate the scale data first.")
        return 1
    signed = TreatmentSession.objects.signed().count()
    print(f"{signed:,} signed sessions; practitioner {practitioner.email}, front desk {desk.email}")

    profile = practitioner.practitioner
    was_lead = profile.is_clinical_lead
    profile.is_clinical_lead = True
    profile.save(update_fields=["is_clinical_lead"])
    # The widest range the form allows (two years, to today).
    two_years_ago = (timezone.localdate() - datetime.timedelta(days=730)).isoformat()
    pages = [
        (practitioner, "outcomes", "/reports/outcomes/"),
        (
            practitioner,
            "outcomes, one cause",
            f"/reports/outcomes/?cause={PainCause.HERNIATED_DISC}",
        ),
        (practitioner, "outcomes CSV", "/reports/outcomes/cause.csv"),
        (practitioner, "explanation", "/reports/outcomes/how/"),
        (desk, "practice, by month", "/reports/practice/"),
        (desk, "practice, by week", "/reports/practice/?period=week"),
        (desk, "practice CSV", "/reports/practice/attendance.csv"),
        (desk, "practice, 2 years by month", f"/reports/practice/?start={two_years_ago}"),
        (
            desk,
            "practice, 2 years by week",
            f"/reports/practice/?period=week&start={two_years_ago}",
        ),
    ]
    from reports.practice_sums import last_refresh

    practice = last_refresh()
    print(
        f"Practice day sums: to {practice.settled_through}, refreshed {practice.refreshed_at:%Y-%m-%d %H:%M}"
        if practice
        else "No practice day sums: every day is added up live (run manage.py refresh_practice)."
    )
    failures = 0
    try:
        print(f"{'page':<24} {'median ms':>10} {'max ms':>8} {'queries':>8}  target {TARGET_MS} ms")
        for user, name, url in pages:
            client = Client()
            client.force_login(user)
            client.get(url)  # warm-up
            timings, queries = [], 0
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                queries = len(captured)
                assert response.status_code == 200, (url, response.status_code)
            median = statistics.median(timings)
            verdict = "ok" if median < TARGET_MS else "MISSED"
            failures += verdict != "ok"
            print(f"{name:<24} {median:>10.0f} {max(timings):>8.0f} {queries:>8}  {verdict}")
    finally:
        profile.is_clinical_lead = was_lead
        profile.save(update_fields=["is_clinical_lead"])
    print("Portal typical course: part of /portal/progress/ (bench/run_benchmark.py portal pages).")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
