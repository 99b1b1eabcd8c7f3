"""Fill a database with a clinic group's worth of data, fast.

One transaction: it either all lands or none of it does (the indexes and
constraints dropped for the load included). The steps:

1. refuse in production, or on a database holding other data (unless forced);
2. the small tables through the ORM: rooms, appointment types, practitioners'
   hours and time off, closures;
3. users, patients, appointments, treatment sessions and needle placements as
   COPY streams generated in Python (``scale.rows``), with row triggers off and
   the big tables' plain indexes and exclusion constraints dropped;
4. the audit trail, made and hash-chained in SQL (``scale.audit``);
5. indexes and exclusion constraints created again (which checks every
   appointment against them), bulk checks (``scale.checks``), commit;
6. VACUUM ANALYZE, so the benchmark starts from fresh statistics.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from clinic.models import ClinicSettings
from demo.schedule import TYPES
from patients.models import Patient
from practitioners.models import Practitioner
from scale import rows
from scale.audit import write_audit_trail
from scale.billing import write_billing
from scale.checks import run_checks
from scale.copy import Loaded, copy_lines, deferred_indexes, reserve_ids, text, triggers_off
from scale.plan import (
    DAY_END,
    DAY_START,
    SCALE_DOMAIN,
    SCALE_PASSWORD,
    TYPE_WEIGHTS,
    WORKDAYS,
    Plan,
)
from scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    ClinicClosure,
    Room,
    WorkingHours,
)
from sessions.models import Acupoint, Needle, TreatmentSession

BIG_TABLES = [
    "scheduling_appointment",
    "treatment_sessions_treatmentsession",
    "treatment_sessions_needleplacement",
    "audit_auditevent",
]
BILLING_TABLES = [
    "billing_invoice",
    "billing_invoiceline",
    "billing_payment",
    "billing_invoicebalance",
]
LOADED_TABLES = ["accounts_user", "patients_patient", *BIG_TABLES, *BILLING_TABLES]
# TRUNCATE ... CASCADE from these empties every table of clinic data; the
# catalogue (acupoints, needles) and the clinic's settings stay.
CLEARED = [
    "accounts_user",
    "patients_patient",
    "scheduling_room",
    "scheduling_appointmenttype",
    "scheduling_clinicclosure",
    "audit_auditevent",
    "django_session",
    "axes_accessattempt",
    "axes_accessfailurelog",
    "axes_accesslog",
]


PRODUCTION_REFUSAL = "generate_scale_data never runs with CLINIC_ENV=production."


class ScaleRefused(Exception):
    """The generator will not run here."""


@dataclass
class Report:
    plan: Plan
    steps: list[Loaded] = field(default_factory=list)
    seconds: float = 0.0
    trigger_mode: str = ""
    checks: list[str] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(step.rows for step in self.steps)


def existing_data() -> dict[str, int]:
    scale_users = User.objects.filter(email__iendswith=f"@{SCALE_DOMAIN}")
    return {
        "scale_users": scale_users.count(),
        "other_users": User.objects.exclude(pk__in=scale_users.values("pk")).count(),
        "patients": Patient.objects.count(),
        "appointments": Appointment.objects.count(),
        "sessions": TreatmentSession.objects.count(),
    }


def refusal(found: dict[str, int], *, clear: bool, force: bool) -> str | None:
    """Why the generator must not run on this database (None: it may)."""
    if getattr(settings, "PRODUCTION", False):
        return PRODUCTION_REFUSAL
    other = found["other_users"] or (
        not found["scale_users"]
        and (found["patients"] or found["appointments"] or found["sessions"])
    )
    if other and not force:
        return (
            "This database holds data the generator did not make "
            f"({found['other_users']} other users, {found['patients']} patients, "
            f"{found['appointments']} appointments). Use a database of its own, or --force "
            "(with --clear, --force empties it first)."
        )
    if found["scale_users"] and not clear:
        return "This database already holds scale data: --clear replaces it."
    return None


def clear_clinic_data() -> None:
    """PostgreSQL refuses TRUNCATE of clinical data (statement triggers); the
    generator, on a database of its own, turns the triggers off for this one
    transaction (a superuser or the tables' owner only)."""
    existing = set(connection.introspection.table_names())
    tables = [table for table in CLEARED if table in existing]
    with transaction.atomic(), triggers_off(sorted(existing)), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


class Steps:
    """Times each step and keeps a progress bar for the COPY ones."""

    def __init__(self, report: Report, progress: bool):
        self.report, self.progress = report, progress

    def bar(self, name: str, total: int | None):
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(
            total=total,
            desc=f"{name:<13}",
            unit=" rows",
            unit_scale=True,
            file=sys.stderr,
            mininterval=0.5,
            leave=True,
        )

    def copy(self, name: str, table: str, columns: list[str], lines, total: int | None = None):
        bar = self.bar(name, total)
        started = time.monotonic()
        try:
            count = copy_lines(table, columns, lines, bar)
        finally:
            if bar is not None:
                bar.close()
        self.done(name, count, started)
        return count

    def timed(self, name: str, work, rows_of=lambda result: 0):
        started = time.monotonic()
        if self.progress:
            print(f"{name} …", file=sys.stderr, flush=True)
        result = work()
        self.done(name, rows_of(result), started)
        return result

    def done(self, name: str, count: int, started: float) -> None:
        step = Loaded(name, count, time.monotonic() - started)
        self.report.steps.append(step)


def _small_tables(clinic: rows.Clinic) -> int:
    """Rooms, types, practitioners, hours, time off and closures (ORM: a few hundred rows)."""
    rng, plan = clinic.rng, clinic.plan
    ClinicSettings.load()
    types = []
    for name, minutes, buffer, colour, online in TYPES:
        kind, _ = AppointmentType.objects.get_or_create(
            name=name,
            defaults={
                "duration_minutes": minutes,
                "buffer_after_minutes": buffer,
                "colour": colour,
                "bookable_online": online,
            },
        )
        types.append(
            rows.Type(kind.id, kind.name, kind.duration_minutes, kind.buffer_after_minutes)
        )
    clinic.types = types
    taken = set(Room.objects.values_list("name", flat=True))
    names = [f"Scale room {n:02d}" for n in range(1, plan.practitioners + 1)]
    rooms = Room.objects.bulk_create(Room(name=name) for name in names if name not in taken)
    rooms += list(Room.objects.filter(name__in=taken & set(names)))
    rooms.sort(key=lambda room: room.name)
    practitioners = Practitioner.objects.bulk_create(
        Practitioner(
            user_id=user_id,
            licence_number=f"SCALE-{clinic.plan.seed}-{n:04d}",
            licence_issuing_body="British Acupuncture Council",
            licence_expiry=clinic.today + timedelta(days=rng.randint(60, 900)),
            qualifications="Lic.Ac.; MBAcC",
            calendar_colour=f"#{rng.randrange(0x1000000):06x}",
        )
        for n, user_id in enumerate(clinic.practitioner_user_ids, start=1)
    )
    names = dict(
        User.objects.filter(id__in=clinic.practitioner_user_ids).values_list("id", "full_name")
    )
    clinic.staff = [
        rows.Staff(
            practitioner.id,
            practitioner.user_id,
            room.id,
            "\t".join(
                text(value)
                for value in (
                    names[practitioner.user_id],
                    practitioner.licence_number,
                    practitioner.licence_issuing_body,
                    practitioner.licence_expiry.isoformat(),
                )
            ),
        )
        for practitioner, room in zip(practitioners, rooms, strict=True)
    ]
    hours = WorkingHours.objects.bulk_create(
        WorkingHours(
            practitioner_id=s.practitioner_id, weekday=d, start_time=DAY_START, end_time=DAY_END
        )
        for s in clinic.staff
        for d in WORKDAYS
    )
    weeks = rows.plan_calendar(clinic)
    zone = clinic.zone
    off = AvailabilityException.objects.bulk_create(
        AvailabilityException(
            practitioner_id=clinic.staff[index].practitioner_id,
            kind=AvailabilityException.Kind.TIME_OFF,
            start_at=datetime.combine(first, clock.min, tzinfo=zone),
            end_at=datetime.combine(last + timedelta(days=1), clock.min, tzinfo=zone),
            reason="Annual leave",
        )
        for index, mine in enumerate(weeks)
        for first, last in mine
    )
    closures = 0
    for day in sorted(clinic.closed):
        _, new = ClinicClosure.objects.get_or_create(
            start_date=day, end_date=day, defaults={"reason": "Bank holiday"}
        )
        closures += new
    return len(types) + len(rooms) + len(practitioners) + len(hours) + len(off) + closures


def generate(
    plan: Plan, *, clear: bool = False, force: bool = False, progress: bool = True
) -> Report:
    """Generate the data (see the module's docstring); raises ScaleRefused."""
    if getattr(settings, "PRODUCTION", False):  # before any query
        raise ScaleRefused(PRODUCTION_REFUSAL)
    reason = refusal(existing_data(), clear=clear, force=force)
    if reason:
        raise ScaleRefused(reason)
    report = Report(plan)
    steps = Steps(report, progress)
    started = time.monotonic()
    zone = ZoneInfo(settings.TIME_ZONE)
    now = int(timezone.now().timestamp()) // 60 * 60
    today = datetime.fromtimestamp(now, zone).date()
    rng = random.Random(plan.seed)  # noqa: S311 (test data, not security)
    first_day, last_day = plan.window(today)
    password = make_password(SCALE_PASSWORD)
    clinic = rows.Clinic(plan, rng, zone, today, now, first_day, last_day, password)
    stamps = rows.Stamps()
    acupoints = {a.code: (a.id, a.kind, a.is_midline) for a in Acupoint.objects.all()}
    stock = list(Needle.objects.filter(is_active=True).order_by("gauge_mm", "length_mm"))
    needles = [needle.id for needle in stock]
    # What a signed record copies of each point and needle (migration 0004), as COPY text.
    copies = {
        (point.code, needle.id): "\t".join(
            text(str(value))
            for value in (point.code, point.pinyin, needle.gauge_mm, needle.length_mm, needle.make)
        )
        for point in Acupoint.objects.filter(code__in=rows.POINTS)
        for needle in stock
    }
    if not acupoints or len(needles) < 3:
        raise ScaleRefused("The acupoint catalogue and needles are missing: run migrate first.")

    with transaction.atomic():
        if clear:
            steps.timed("clear", clear_clinic_data)
        with triggers_off(LOADED_TABLES) as mode:
            report.trigger_mode = mode
            users = rows.user_count(plan)
            clinic.user_base = reserve_ids("accounts_user", users)
            clinic.plan_users()
            clinic.patient_base = reserve_ids("patients_patient", plan.patients)
            names = rows.plan_patients(clinic)
            steps.copy(
                "users", "accounts_user", rows.USER_COLUMNS, rows.user_lines(clinic, names), users
            )
            steps.timed("clinic set-up", lambda: _small_tables(clinic), rows_of=lambda n: n)
            steps.copy(
                "patients",
                "patients_patient",
                rows.PATIENT_COLUMNS,
                rows.patient_lines(clinic, stamps),
                plan.patients,
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT coalesce(max(id), 0) FROM treatment_sessions_needleplacement"
                )
                (placements_after,) = cursor.fetchone()
            with deferred_indexes(BIG_TABLES) as deferred:
                estimate = plan.estimated_appointments()
                clinic.appointment_base = reserve_ids("scheduling_appointment", estimate * 2)
                steps.copy(
                    "appointments",
                    "scheduling_appointment",
                    rows.APPOINTMENT_COLUMNS,
                    rows.appointment_lines(clinic, stamps, TYPE_WEIGHTS),
                    estimate,
                )
                clinic.session_base = reserve_ids(
                    "treatment_sessions_treatmentsession", len(clinic.seeds)
                )
                sets = rows.point_sets(rng, acupoints, needles, copies)
                rows.choose_sets(clinic, sets)
                steps.copy(
                    "sessions",
                    "treatment_sessions_treatmentsession",
                    rows.SESSION_COLUMNS,
                    rows.session_lines(clinic, stamps),
                    len(clinic.seeds),
                )
                steps.copy(
                    "placements",
                    "treatment_sessions_needleplacement",
                    rows.PLACEMENT_COLUMNS,
                    rows.placement_lines(clinic, sets),
                    sum(len(sets[i][1]) for i in clinic.set_index if i >= 0),
                )
                ranges = {
                    "desk_first": clinic.front_desk_ids[0],
                    "desk_count": len(clinic.front_desk_ids),
                    "patients_from": clinic.patient_base,
                    "patients_to": clinic.patient_base + plan.patients - 1,
                    "appointments_from": clinic.appointment_base,
                    "appointments_to": clinic.appointment_base + clinic.appointments - 1,
                    "sessions_from": clinic.session_base,
                    "sessions_to": clinic.session_base + len(clinic.seeds) - 1,
                    "placements_after": placements_after,
                }
                steps.timed("audit trail", lambda: write_audit_trail(ranges), rows_of=lambda n: n)
                # Issue 15: invoices and payments for the past visits (scale/billing.py).
                steps.timed("billing", lambda: write_billing(ranges), rows_of=lambda n: n)
                rebuild_started = time.monotonic()
                if progress:
                    print(
                        f"indexes and constraints: {len(deferred)} to build …",
                        file=sys.stderr,
                        flush=True,
                    )
            steps.done("indexes and constraints", 0, rebuild_started)
            _fix_sequence("scheduling_appointment", ranges["appointments_to"])
        report.checks = steps.timed("checks", lambda: run_checks(ranges))
    steps.timed("vacuum analyze", _vacuum_analyze)
    report.seconds = time.monotonic() - started
    report.facts = _facts(clinic)
    return report


def _fix_sequence(table: str, last_id: int) -> None:
    """Hand back the ids reserved but not used (the appointment count was an estimate)."""
    with connection.cursor() as cursor:
        sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), greatest(%s, (SELECT coalesce(max(id), 1) FROM {table})))"  # noqa: S608 (a constant table name)
        cursor.execute(sql, [table, last_id])


def _vacuum_analyze() -> None:
    """Fresh statistics and visibility maps (inside a transaction, as under the
    test runner, VACUUM cannot run: statistics only)."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in [*LOADED_TABLES, "practitioners_practitioner", "scheduling_room"]:
            cursor.execute(f"{command} {table}")


def _facts(clinic: rows.Clinic) -> dict[str, object]:
    per_patient: dict[int, int] = {}
    for seed in clinic.seeds:
        per_patient[seed.patient] = per_patient.get(seed.patient, 0) + 1
    busiest = max(per_patient.values(), default=0)
    average = sum(per_patient.values()) / max(len(per_patient), 1)
    return {
        "window": f"{clinic.first_day} to {clinic.last_day} (today {clinic.today})",
        "appointments": clinic.appointments,
        "treatment sessions": len(clinic.seeds),
        "sessions per treated patient": f"{average:.1f} on average, {busiest} at most",
        "drafts (unsigned)": sum(1 for s in clinic.seeds if s.kind != rows.SIGNED),
        "logins": (
            f"admin@{SCALE_DOMAIN}, frontdesk01..{len(clinic.front_desk_ids):02d}@{SCALE_DOMAIN}, "
            f"practitioner01..{len(clinic.staff):02d}@{SCALE_DOMAIN}, "
            f"{len(clinic.portal)} patients (e.g. {rows.portal_email(min(clinic.portal, default=0))})"
        ),
        "generated at": datetime.fromtimestamp(clinic.now, UTC).isoformat(),
    }
