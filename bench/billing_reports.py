#!/usr/bin/env python
"""Time the billing reports the front desk runs most: the end-of-day takings and
the outstanding balances by age (target: under 300 ms each, a fixed number of
queries), against a database filled by ``manage.py generate_scale_data``.

    DATABASE_URL=postgres://…/clinic_scale .venv/bin/python bench/billing_reports.py

Prints, for each report, the median and worst of --runs timings and the queries
it made. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from billing import reports  # noqa: E402
from billing.models import Invoice, InvoiceBalance, Payment  # noqa: E402

TARGET_MS = 300


def measure(label: str, work, runs: int) -> bool:
    timings, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            work()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    median, worst = statistics.median(timings), max(timings)
    ok = median < TARGET_MS
    print(
        f"{label:<42} median {median:7.1f} ms  worst {worst:7.1f} ms  {queries} queries  {'ok' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    invoices, payments = Invoice.objects.count(), Payment.objects.count()
    open_ = InvoiceBalance.objects.exclude(balance=0).count()
    print(f"{invoices:,} invoices, {payments:,} payments, {open_:,} with money owed")
    if not invoices:
        print("No invoices: run manage.py generate_scale_data first.")
        return 1
    busiest = (
        Payment.objects.values("taken_at__date").order_by("-taken_at__date").first() or {}
    ).get("taken_at__date") or timezone.localdate()
    results = [
        measure(f"takings, {busiest}", lambda: reports.takings(busiest), args.runs),
        measure(
            "takings, a week earlier",
            lambda: reports.takings(busiest - timedelta(days=7)),
            args.runs,
        ),
        measure("outstanding balances by age", lambda: reports.aged_balances(), args.runs),
    ]
    return 0 if all(results) else 2


if __name__ == "__main__":
    sys.exit(main())
