"""Past courses of care, so that the outcome reports (reports/) have a
clinic's worth of signed history to show: about 200 courses over the last
year and a half, each ended more than 90 days before the demo's current
weeks (so they count as courses of their own).

Each course keeps one cause and one practitioner; pain (NPRS, every visit)
and disability (ODI, every other visit) either ease from a visit onwards
(most courses) or wander; some patients stop after one or two visits without
being discharged (drop-out), most are discharged at the end (no next visit).
The demo practitioner applies her saved protocols (written to the audit
trail, as the record page does); a few sessions have an adverse event, four
an overridden depth caution (BL40 perpendicular), one a needle-count incident
found at once, a few a red-flag referral to the GP.

Also for the practice reports: patients' referral sources and registration
dates, appointments booked ahead (most at the previous visit), and waitlist
entries. Once only: nothing is added when signed history is already there.
"""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Min, Q

import audit.services
from demo.records import POINT_SETS, place_and_sign
from patients.models import Patient
from practitioners.models import Practitioner
from scheduling.availability import local_datetime
from scheduling.models import Appointment, AppointmentType, WaitlistEntry
from sessions.models import (
    Acupoint,
    AdverseEvent,
    Needle,
    NeedlePlacement,
    RedFlagDecision,
    TreatmentSession,
    WarningOverride,
)
from sessions.outcomes import ODI_SECTIONS

COURSES = 200
EARLIEST_DAYS = 540  # the oldest course starts about eighteen months ago
# Ends more than 90 days before the current weeks (for patients seen in them).
GAP_BEFORE_NOW_DAYS = 21 + 95
LENGTHS = (1, 2, 3, 4, 5, 6, 6, 7, 8, 8, 9, 10)
CAUSES = (
    "muscle_strain",
    "muscle_strain",
    "herniated_disc",
    "herniated_disc",
    "arthritis",
    "other",
)
PROTOCOL_SETS = {
    "Lumbar strain": POINT_SETS[0],
    "Sciatica, left leg": [
        ("BL25", "bilateral"), ("GB30", "left"), ("GB34", "left"), ("BL57", "left"),
    ],
    "Chronic low back, with kidney support": [
        ("BL23", "bilateral"), ("BL52", "bilateral"), ("GV4", "midline"), ("KI3", "bilateral"),
    ],
}  # fmt: skip
ADVERSE = (
    (AdverseEvent.Type.BRUISING, AdverseEvent.Severity.MILD, "Pressure applied; settled."),
    (AdverseEvent.Type.PAIN, AdverseEvent.Severity.MILD, "Needle withdrawn; eased within minutes."),
    (AdverseEvent.Type.DROWSINESS, AdverseEvent.Severity.MILD, "Rested 15 minutes before leaving."),
    (AdverseEvent.Type.FAINTING, AdverseEvent.Severity.MODERATE, "Needles out, lying flat, water; recovered."),
)  # fmt: skip
# Follow-up visits an hour apart (45 minutes and the 15-minute buffer), around lunch.
SLOTS = (time(9), time(10), time(11), time(13, 30), time(14, 30), time(15, 30))
REFERRAL_SOURCES = (
    "gp",
    "gp",
    "friend",
    "friend",
    "web",
    "web",
    "web",
    "social",
    "therapist",
    "insurer",
    "",
)


def _scores(rng: random.Random, visits: int):
    """(NPRS, ODI section score or None) per visit: eases from ``onset`` for a
    responder, wanders for the others."""
    nprs, section = rng.randint(4, 9), rng.randint(1, 4)
    responder = rng.random() < 0.6
    onset = rng.randint(2, 6)
    scores = []
    for visit in range(1, visits + 1):
        if responder and visit >= onset:
            nprs = max(0, nprs - rng.choice((1, 1, 2)))
            section = max(0, section - rng.choice((0, 1)))
        elif visit > 1:
            nprs = min(10, max(0, nprs + rng.choice((-1, 0, 0, 1))))
        scores.append((nprs, section if visit % 2 == 1 else None))
    return scores


def seed_history(*, rng: random.Random, today) -> int:
    """About COURSES past courses of care, signed; 0 when there is history already."""
    if TreatmentSession.objects.filter(
        session_date__lt=today - timedelta(days=GAP_BEFORE_NOW_DAYS)
    ).exists():
        return 0
    # New patients (first visit today or later, no record yet) stay new: the
    # demo shows them arriving for consent and intake (demo/consents.py,
    # demo/intake_documents.py).
    seen_before = Appointment.objects.filter(start_at__date__lt=today).values("patient_id")
    patients = list(
        Patient.objects.filter(archived_at__isnull=True)
        .filter(Q(pk__in=seen_before) | Q(treatment_sessions__isnull=False))
        .distinct()
        .order_by("patient_number")
    )
    practitioners = list(Practitioner.objects.select_related("user").order_by("licence_number"))
    demo_practitioner = next(p for p in practitioners if p.user.email == "practitioner@example.com")
    points = {p.code: p for p in Acupoint.objects.filter(kind__in=("channel", "extra"))}
    needle = Needle.objects.filter(gauge_mm="0.25", length_mm=40).first() or Needle.objects.first()
    follow_up = AppointmentType.objects.get(name="Follow-up treatment")
    room_of = dict(
        Appointment.objects.order_by("practitioner_id", "start_at")
        .distinct("practitioner_id")
        .values_list("practitioner_id", "room_id")
    )
    seen_now = set(TreatmentSession.objects.values_list("patient_id", flat=True))
    taken: dict[tuple[int, object], int] = {}  # (practitioner, day) → slots used
    appointments, sessions, plans, protocols = [], [], [], []
    for patient in patients[:COURSES]:  # one past course each
        practitioner = rng.choice([demo_practitioner, *practitioners])
        visits = rng.choice(LENGTHS)
        # A patient seen in the current weeks needs the 90-day gap before them.
        gap = GAP_BEFORE_NOW_DAYS if patient.pk in seen_now else 22
        latest_start = gap + 7 * visits
        first_day = today - timedelta(days=rng.randint(latest_start, EARLIEST_DAYS))
        first_day -= timedelta(days=max(0, first_day.weekday() - 4))  # a weekday
        cause = rng.choice(CAUSES)
        protocol = rng.choice(list(PROTOCOL_SETS)) if practitioner == demo_practitioner else ""
        point_set = PROTOCOL_SETS[protocol] if protocol else rng.choice(POINT_SETS)
        discharged = visits >= 3 or rng.random() < 0.3
        for visit, (nprs, section) in enumerate(_scores(rng, visits), start=1):
            day = first_day + timedelta(weeks=visit - 1)
            slot = taken.get((practitioner.id, day), 0)
            if slot >= len(SLOTS):
                break  # the practitioner's day is full: the course ends here
            taken[(practitioner.id, day)] = slot + 1
            start = local_datetime(day, SLOTS[slot])
            appointment = Appointment(
                patient=patient,
                practitioner=practitioner,
                room_id=room_of.get(practitioner.id),
                appointment_type=follow_up,
                start_at=start,
                end_at=start + follow_up.duration,
                blocked_until=start + follow_up.duration + follow_up.buffer,
                status=Appointment.Status.COMPLETED,
            )
            appointments.append(appointment)
            needles_in = start + timedelta(minutes=10)
            # Now and then a red flag: referred to the GP, not needled.
            referral = visits == 1 and patient.pk % 9 == 0
            sessions.append(
                TreatmentSession(
                    patient=patient,
                    practitioner=practitioner,
                    appointment=appointment,
                    room_id=appointment.room_id,
                    session_date=day,
                    presenting_complaint="Lower back pain",
                    pain_cause=cause,
                    pain_cause_other="Sacroiliac joint pain" if cause == "other" else "",
                    nprs_now=nprs,
                    **{name: section for name, _ in ODI_SECTIONS},
                    red_flags=["night_pain"] if referral else [],
                    red_flag_decision=RedFlagDecision.REFERRED_GP if referral else "",
                    red_flag_notes="Constant night pain: GP to assess before any needling."
                    if referral
                    else "",
                    contraindications_reviewed=True,
                    patient_position="prone",
                    pressure_applied_after_removal=patient.bleeding_risk,
                    needles_in_at=None if referral else needles_in,
                    needles_out_at=None if referral else needles_in + timedelta(minutes=25),
                    response=TreatmentSession.Response.BETTER,
                    plan="Weekly treatment, then review.",
                    next_visit_in_days=None if (visit == visits and discharged) or referral else 7,
                )
            )
            plans.append([] if referral else point_set)
            protocols.append(protocol if visit == 1 and not referral else "")
    Appointment.objects.bulk_create(appointments)
    for session in sessions:
        session.appointment_id = session.appointment.pk
    TreatmentSession.objects.bulk_create(sessions)

    def adjust(saved, placements):
        events = []
        for i, session in enumerate(saved):
            if session.needles_in_at is not None and i % 37 == 5:
                kind, severity, action = ADVERSE[(i // 37) % len(ADVERSE)]
                events.append(
                    AdverseEvent(session=session, type=kind, severity=severity, action_taken=action)
                )
        AdverseEvent.objects.bulk_create(events)
        # Four times, BL40 needled perpendicular and deeper, with the override it needs.
        deep = [p for p in placements if p.acupoint.code == "BL40"][3::60][:4]
        for placement in deep:
            NeedlePlacement.objects.filter(pk=placement.pk).update(
                angle="perpendicular", depth_mm=Decimal(20)
            )
            WarningOverride.objects.create(
                session=placement.session,
                placement=placement,
                kind=WarningOverride.Kind.DEPTH_CAUTION,
                detail="BL40 perpendicular 20 mm, over the popliteal vessels",
                reason="Well-muscled patient; depth checked by palpation, no pulse under the point.",
                by=placement.session.practitioner.user,
            )
        incident = next(s for s in saved if s.needles_removed and s.needles_removed > 2)
        incident.needles_removed -= 1
        incident.missing_needle_incident = True
        incident.missing_needle_found = True
        incident.missing_needle_details = "One needle found on the couch cover and disposed of."
        TreatmentSession.objects.filter(pk=incident.pk).update(
            needles_removed=incident.needles_removed,
            missing_needle_incident=True,
            missing_needle_found=True,
            missing_needle_details=incident.missing_needle_details,
        )

    place_and_sign(sessions, plans, points=points, needle=needle, adjust=adjust)
    for session, protocol in zip(sessions, protocols, strict=True):
        if protocol:
            audit.services.record(
                "sessions.placements.applied",
                actor_label="manage.py seed_demo",
                obj=session,
                patient=session.patient,
                data={"source": f"protocol {protocol}", "added": len(PROTOCOL_SETS[protocol])},
            )
    return len(sessions)


def seed_practice_history(*, rng: random.Random, today) -> None:
    """Referral sources and registration dates, appointments booked ahead, a
    waitlist: what the practice reports count. Registration dates are only
    moved back (a patient is never registered after their first visit)."""
    first_seen = {
        row["patient_id"]: row["first"]
        for row in TreatmentSession.objects.values("patient_id")
        .order_by()
        .annotate(first=Min("session_date"))
    }
    patients = list(Patient.objects.order_by("patient_number"))
    for patient in patients:
        patient.referral_source = rng.choice(REFERRAL_SOURCES)
        first = first_seen.get(patient.id, today - timedelta(days=rng.randint(30, 500)))
        registered = first - timedelta(days=rng.randint(2, 21))
        patient.created_at = min(
            patient.created_at, local_datetime(registered, time(rng.randint(9, 16), 0))
        )
    Patient.objects.bulk_update(patients, ["referral_source", "created_at"])

    # Booked at the previous visit (three in four) or a few days before: one statement.
    table = connection.ops.quote_name(Appointment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH previous AS (
                SELECT id, LAG(start_at) OVER (PARTITION BY patient_id ORDER BY start_at) AS before
                FROM {table}
            )
            UPDATE {table} AS a SET created_at = CASE
                WHEN previous.before IS NOT NULL AND a.id % 4 <> 0
                    THEN previous.before + interval '50 minutes'
                ELSE a.start_at - (a.id % 13 + 2) * interval '1 day' END
            FROM previous WHERE previous.id = a.id
            """  # noqa: S608 (a table name from the model, no input)
        )

    if WaitlistEntry.objects.exists():
        return
    kind = AppointmentType.objects.order_by("id").first()
    entries = []
    for _ in range(30):
        added = today - timedelta(days=rng.randint(5, 150))
        entries.append(
            WaitlistEntry(
                patient=rng.choice(patients),
                appointment_type=kind,
                earliest_date=added,
                latest_date=added + timedelta(days=rng.choice((7, 14, 21))),
                status=rng.choice(("booked", "booked", "booked", "withdrawn", "waiting")),
                notes="Would take an earlier slot",
            )
        )
    WaitlistEntry.objects.bulk_create(entries)
    for entry in entries:
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            created_at=local_datetime(entry.earliest_date, time(11, 0))
        )
