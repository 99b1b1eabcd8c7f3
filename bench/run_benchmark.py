#!/usr/bin/env python
"""Serve the app with gunicorn on loopback and load its key pages with locust.

    DATABASE_URL=postgres://…/clinic_scale .venv/bin/python bench/run_benchmark.py

against a database filled by ``manage.py generate_scale_data``. For each page
it runs locust headless twice: one user alone (the page's own latency), then
``--users`` users with no think time for ``--duration`` seconds, and prints
requests per second, p50 and p95 latency, SQL queries per request (the
X-Query-Count header of bench.settings) and the throughput as a share of the
bare view's (one trivial query behind the same middleware and login), measured
in the same run. ``--servers 2`` starts two gunicorns on the same database and
sends each user's requests to both in turn after logging in on the first, then
runs ``send_reminders`` twice at once, and checks that no reminder is doubled.

Not part of the test suite. Results go to stdout and, as JSON, to --json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGES = [
    "day_calendar",
    "patient_search",
    "find_a_time",
    "clinical_timeline",
    "session_edit",
    "floor_board",
    "portal_history",
]
# Report pages (issues 15 and 16): asked for now and then, not all day, so
# they are judged on their own latency alone, not on throughput.
REPORT_PAGES = ["outcomes", "practice_reports", "takings", "aged_debt"]
# Issue 14's targets, as multiples of the bare view measured in the same run
# (absolute times move ±15 % between runs on this machine).
TARGET_RATIO = 0.3  # key page's req/s at N users ÷ the bare view's
TARGET_P95_TIMES = 6  # key page's p95 ÷ the bare view's p95
TARGET_FIND_TIMES = 8  # find a time alone ÷ the bare view alone (p50)
TARGET_REPORT_TIMES = 100  # a report page alone ÷ the bare view alone (p50)


def environment(args) -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env.setdefault("DEBUG", "false")
    # A deployment keeps its database connections; Django's default (0) opens one per request.
    env.setdefault("CONN_MAX_AGE", "60")
    env.setdefault("LOG_LEVEL", "ERROR")
    env["PYTHONPATH"] = str(ROOT)
    return env


def pick_targets(count: int) -> dict:
    """Accounts and ids for the load: read from the database once, before the run."""
    import django

    django.setup()
    from django.db.models import Count, Q
    from django.utils import timezone

    from accounts.models import User
    from patients.models import Patient
    from scale.plan import SCALE_DOMAIN, SCALE_PASSWORD
    from scheduling.models import AppointmentType, ClinicClosure
    from sessions.models import TreatmentSession

    rng = random.Random(7)  # noqa: S311 (load, not security)
    today = timezone.localdate()
    desk = list(
        User.objects.filter(role="front_desk", email__endswith=f"@{SCALE_DOMAIN}")
        .order_by("email")
        .values_list("email", flat=True)[:count]
    )
    practitioners = []
    for user in User.objects.filter(
        role="practitioner", email__endswith=f"@{SCALE_DOMAIN}"
    ).order_by("email"):
        drafts = list(
            TreatmentSession.objects.drafts()
            .filter(practitioner__user=user)
            .values_list("uuid", flat=True)
        )
        if drafts:
            practitioners.append({"email": user.email, "drafts": [str(d) for d in drafts]})
        if len(practitioners) == count:
            break
    portal = list(
        Patient.objects.filter(user__email__endswith=f"@{SCALE_DOMAIN}")
        .annotate(
            signed=Count(
                "treatment_sessions", filter=Q(treatment_sessions__signed_at__isnull=False)
            )
        )
        .filter(signed__gte=5)
        .order_by("?")
        .values("user__email", "signed")[:count]
    )
    treated = list(
        Patient.objects.filter(treatment_sessions__signed_at__isnull=False)
        .distinct()
        .order_by("?")
        .values_list("uuid", flat=True)[:500]
    )
    sampled = list(
        Patient.objects.order_by("?").values_list(
            "first_name", "last_name", "patient_number", "date_of_birth"
        )[:60]
    )
    terms = []
    for first, last, number, born in sampled:
        terms += [last, f"{first} {last}", number, last[:4], f"{last} {born:%d/%m/%Y}"]
    closed = {
        c.start_date + timedelta(days=d)
        for c in ClinicClosure.objects.filter(end_date__gte=today - timedelta(days=14))
        for d in range((c.end_date - c.start_date).days + 1)
    }
    days = [
        (today + timedelta(days=d)).isoformat()
        for d in range(-7, 8)
        if (today + timedelta(days=d)).weekday() < 6 and today + timedelta(days=d) not in closed
    ]
    follow_up = AppointmentType.objects.filter(name="Follow-up treatment").first()
    kind = follow_up or AppointmentType.objects.active().first()
    rng.shuffle(terms)
    return {
        "password": SCALE_PASSWORD,
        "accounts": {
            "front_desk": [{"email": e} for e in desk],
            "practitioner": practitioners,
            "patient": [{"email": p["user__email"], "sessions": p["signed"]} for p in portal],
        },
        "days": days,
        "search_terms": terms,
        "find": {
            "type": str(kind.uuid),
            "from": today.isoformat(),
            "to": (today + timedelta(days=28)).isoformat(),
        },
        "timeline_patients": [str(u) for u in treated],
        "today": today.isoformat(),
    }


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds} s")


def start_gunicorn(port: int, workers: int, env: dict, log: Path) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "clinic.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    wait_for(f"http://127.0.0.1:{port}/healthz")
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def run_locust(page, users, seconds, hosts, targets_file, env, workdir) -> dict:
    """One headless locust run; the page's row of its CSV and its query counts."""
    prefix = workdir / f"{page}-{users}"
    queries = workdir / f"{page}-{users}-queries.json"
    run_env = dict(env)
    run_env |= {
        "BENCH_PAGE": page,
        "BENCH_HOSTS": ",".join(hosts),
        "BENCH_TARGETS": str(targets_file),
        "BENCH_QUERIES": str(queries),
    }
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--host",
        hosts[0],
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
    ]
    with open(workdir / f"{page}-{users}.log", "w", encoding="utf-8") as log:
        subprocess.run(  # noqa: S603
            command, cwd=ROOT, env=run_env, check=False, stdout=log, stderr=subprocess.STDOUT
        )
    row = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            if line["Name"] == page:
                row = line
    counts = json.loads(queries.read_text()).get(page, []) if queries.exists() else []
    if not row:
        # No request of the page finished in time (the logins took the run).
        return {
            "requests": 0,
            "failures": 0,
            "rps": 0.0,
            "p50": None,
            "p95": None,
            "queries": None,
            "queries_max": None,
        }
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "mean": float(row["Average Response Time"]),
        "queries": (sum(counts) / len(counts)) if counts else None,
        "queries_max": max(counts) if counts else None,
    }


def reminders_twice(env) -> dict:
    """send_reminders from two processes at once; then any reminder doubled?"""
    env = dict(
        env, EMAIL_URL="dummymail://", SMS_URL="locmem://"
    )  # nothing leaves, nothing printed
    command = [str(BIN / "python"), "manage.py", "send_reminders"]
    runs = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600)[0].strip() for run in runs]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT appointment_id, about_start_at, channel FROM"
            " notifications_outboundmessage WHERE kind = 'reminder'"
            " GROUP BY 1, 2, 3 HAVING count(*) > 1) doubled"
        )
        (doubled,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM notifications_outboundmessage WHERE kind = 'reminder'")
        (total,) = cursor.fetchone()
    return {"outputs": outputs, "reminders": total, "doubled": doubled}


def machine() -> str:
    cores = os.cpu_count()
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cores} cores{memory}; {model}; {platform.platform()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--duration", type=int, default=20, help="seconds per page under load")
    parser.add_argument("--solo", type=int, default=6, help="seconds per page with one user")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--servers", type=int, default=1, choices=(1, 2))
    parser.add_argument(
        "--pages", nargs="*", default=PAGES + REPORT_PAGES, choices=PAGES + REPORT_PAGES
    )
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()

    env = environment(args)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DEBUG", "CONN_MAX_AGE")})
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    targets = pick_targets(args.users)
    workdir = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
    targets_file = workdir / "targets.json"
    targets_file.write_text(json.dumps(targets))
    if not targets["accounts"]["practitioner"] or not targets["accounts"]["patient"]:
        raise SystemExit("No generated accounts found: run manage.py generate_scale_data first.")

    ports = [args.port + n for n in range(args.servers)]
    workers = max(args.workers // args.servers, 1)
    servers = [start_gunicorn(p, workers, env, workdir / f"gunicorn-{p}.log") for p in ports]
    hosts = [f"http://127.0.0.1:{p}" for p in ports]
    results: dict[str, dict] = {}
    try:
        print(
            f"{args.servers} gunicorn server(s) × {workers} sync workers; "
            f"{args.users} users, {args.duration} s per page; work files in {workdir}",
            flush=True,
        )
        order = ["bare", *args.pages, "bare"]
        for index, page in enumerate(order):
            solo = run_locust(page, 1, args.solo, hosts, targets_file, env, workdir)
            if page in REPORT_PAGES:  # judged alone; a short load run still shows its queries
                loaded = run_locust(page, 2, args.solo, hosts, targets_file, env, workdir)
            else:
                loaded = run_locust(
                    page, args.users, args.duration, hosts, targets_file, env, workdir
                )
            key = "bare_after" if page == "bare" and index else page
            results[key] = {"solo": solo, "load": loaded}
            print(
                f"  {key:<18} {loaded['rps']:7.1f} req/s  p50 {loaded['p50']} ms  "
                f"p95 {loaded['p95']} ms  alone p50 {solo['p50']} ms  "
                f"queries {loaded['queries']}  failures {loaded['failures']}",
                flush=True,
            )
        extra = reminders_twice(env) if args.servers > 1 else None
    finally:
        for server in servers:
            stop(server)

    bare_rps = (results["bare"]["load"]["rps"] + results["bare_after"]["load"]["rps"]) / 2
    report = summarise(results, bare_rps, args)
    print(report)
    if extra is not None:
        print(
            f"send_reminders twice at once: {extra['outputs']}; {extra['reminders']} reminders, "
            f"{extra['doubled']} doubled"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "users": args.users,
                    "duration": args.duration,
                    "servers": args.servers,
                    "workers": workers,
                    "bare_rps": bare_rps,
                    "results": results,
                    "reminders": extra,
                },
                indent=2,
            )
        )


def _mean(*values):
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def summarise(results: dict, bare_rps: float, args) -> str:
    bare, after = results["bare"], results["bare_after"]
    bare_p95 = _mean(bare["load"]["p95"], after["load"]["p95"])
    bare_alone = _mean(bare["solo"]["p50"], after["solo"]["p50"])
    lines = [
        f"machine: {machine()}",
        f"bare view: {bare_rps:.1f} req/s at {args.users} users, p95 {bare_p95} ms, "
        f"alone p50 {bare_alone} ms (means of the first and last run)",
        f"targets: key pages ≥ {TARGET_RATIO} × its req/s and p95 ≤ {TARGET_P95_TIMES} × its p95; "
        f"find a time alone ≤ {TARGET_FIND_TIMES} × its alone; "
        f"reports alone ≤ {TARGET_REPORT_TIMES} × its alone",
        "",
        "| page | req/s | p50 ms | p95 ms | alone p50 ms | queries/request "
        "| ratio to bare | p95 ÷ bare | alone ÷ bare | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for page, result in results.items():
        load, solo = result["load"], result["solo"]
        ratio = load["rps"] / bare_rps if bare_rps else 0.0
        p95_times = load["p95"] / bare_p95 if load["p95"] and bare_p95 else None
        alone_times = solo["p50"] / bare_alone if solo["p50"] and bare_alone else None
        missed = []
        if page in REPORT_PAGES:
            if alone_times is None or alone_times > TARGET_REPORT_TIMES:
                missed.append(f"alone > {TARGET_REPORT_TIMES} × bare")
        elif page not in ("bare", "bare_after"):
            if p95_times is None or p95_times > TARGET_P95_TIMES:
                missed.append(f"p95 > {TARGET_P95_TIMES} × bare")
            if ratio < TARGET_RATIO:
                missed.append(f"ratio < {TARGET_RATIO}")
            if page == "find_a_time" and (alone_times is None or alone_times > TARGET_FIND_TIMES):
                missed.append(f"alone > {TARGET_FIND_TIMES} × bare")
        if load["failures"]:
            missed.append(f"{load['failures']} failures")
        verdict = "—" if page.startswith("bare") else ("met" if not missed else "; ".join(missed))
        queries = "" if load["queries"] is None else f"{load['queries']:.1f}"
        p95_text = "" if p95_times is None else f"{p95_times:.1f}"
        alone_text = "" if alone_times is None else f"{alone_times:.1f}"
        lines.append(
            f"| {page} | {load['rps']:.1f} | {load['p50']} | {load['p95']} | {solo['p50']} "
            f"| {queries} | {ratio:.2f} | {p95_text} | {alone_text} | {verdict} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
