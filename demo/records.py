"""Signed treatment records for the demo's completed appointments, so that the
clinical pages, the portal history and the progress charts have something to show.

Sessions are inserted unsigned, their placements next, and only then are they
signed in one UPDATE: the database refuses placements on a signed session, and
at signing copies the signer's licence and each point and needle (migration
0004). A practitioner signs only while her licence is valid: visits after it
expired get no record (the database would refuse the signature).
Every record obeys the rules it shows (tests/demo checks each one with
services.record_problems): a point that would need an override for its patient
(pregnancy, a skin-lesion site) is left out, points over a structure at risk
are needled oblique and shallow, and bleeding-risk patients get pressure.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import time, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients.models import Patient
from scheduling.availability import local_datetime
from scheduling.models import Appointment
from sessions.models import Acupoint, Needle, NeedlePlacement, SkinLesionSite, TreatmentSession
from sessions.outcomes import ODI_SECTIONS
from sessions.safety import Cautions

JIAJI_LEVELS = ["L3", "L4", "L5"]

# (code, side) sets a practitioner might use for low back pain (DOMAIN.md).
POINT_SETS = (
    [("BL23", "bilateral"), ("BL25", "bilateral"), ("BL40", "bilateral"), ("GV4", "midline")],
    [
        ("BL23", "bilateral"),
        ("BL52", "bilateral"),
        ("GB30", "left"),
        ("GB34", "left"),
        ("KI3", "bilateral"),
    ],
    [
        ("EX-B2", "bilateral"),
        ("BL25", "bilateral"),
        ("BL57", "right"),
        ("BL60", "right"),
        ("SI3", "left"),
    ],
    [("BL23", "bilateral"), ("GV3", "midline"), ("EX-UE7", "left"), ("BL40", "bilateral")],
)
CAUSES = ("muscle_strain", "herniated_disc", "arthritis")
PLANS = (
    "Weekly treatment for four more weeks, then review.",
    "Twice weekly for two weeks; home exercises daily.",
    "Fortnightly maintenance; review at the next visit.",
)


def seed_records(*, rng: random.Random, share: float = 0.35) -> int:
    """Sign records for the featured patient's completed visits and a share of the
    others; once only (a second run finds records and leaves them)."""
    if TreatmentSession.objects.exists():
        return 0
    completed = list(
        Appointment.objects.filter(
            status=Appointment.Status.COMPLETED, treatment_session__isnull=True
        )
        .select_related("patient__user", "practitioner__user")
        .order_by("start_at")
    )
    chosen = [
        a for a in completed
        if (a.patient.user and a.patient.user.email == "patient@example.com") or rng.random() < share
    ]  # fmt: skip
    # Signed at the latest 50 minutes after the visit began (needles out + 10 minutes).
    chosen = [
        a for a in chosen
        if a.practitioner.licence_valid_on(timezone.localdate(a.start_at + timedelta(minutes=50)))
    ]  # fmt: skip
    if not chosen:
        return 0
    seed_lesion_sites()
    points = {p.code: p for p in Acupoint.objects.filter(Q(kind="channel") | Q(kind="extra"))}
    needle = Needle.objects.filter(gauge_mm="0.25", length_mm=40).first() or Needle.objects.first()
    visits_so_far: dict[int, int] = {}
    sessions, plans = [], []
    for appointment in chosen:
        visit = visits_so_far[appointment.patient_id] = (
            visits_so_far.get(appointment.patient_id, 0) + 1
        )
        nprs = max(1, 8 - visit - rng.choice((0, 0, 1)))  # pain eases over a course of care
        odi_section = max(0, 3 - visit // 2)
        needles_in = appointment.start_at + timedelta(minutes=10)
        sessions.append(
            TreatmentSession(
                patient=appointment.patient,
                practitioner=appointment.practitioner,
                appointment=appointment,
                room=appointment.room,
                session_date=timezone.localdate(appointment.start_at),
                presenting_complaint="Lower back pain, worse on sitting",
                pain_locations=["lumbar_left", "lumbar_right"],
                pain_cause=rng.choice(CAUSES),
                nprs_now=nprs,
                nprs_best=max(0, nprs - 2),
                nprs_worst=min(10, nprs + 2),
                **{name: odi_section for name, _ in ODI_SECTIONS},
                contraindications_reviewed=True,
                patient_position="prone",
                pressure_applied_after_removal=appointment.patient.bleeding_risk,
                needles_in_at=needles_in,
                needles_out_at=needles_in + timedelta(minutes=rng.choice((20, 25, 25, 30))),
                response=TreatmentSession.Response.BETTER,
                recommendations=["exercise", "heat"],
                plan=rng.choice(PLANS),
                next_visit_in_days=7,
            )
        )
        plans.append(rng.choice(POINT_SETS))
    TreatmentSession.objects.bulk_create(sessions)
    place_and_sign(sessions, plans, points=points, needle=needle)
    return len(sessions)


def place_and_sign(sessions, plans, *, points, needle, adjust=None) -> list[NeedlePlacement]:
    """Needle each saved, unsigned session with its point set (leaving out what
    would need an override for its patient), count the needles out, then sign
    (placements first: the database refuses them on a signed record).
    ``adjust(sessions, placements)``, when given, runs before signing (adverse
    events, incidents)."""
    placements, cautions = [], {}
    for session, point_set in zip(sessions, plans, strict=True):
        patient = session.patient
        if patient.pk not in cautions:
            cautions[patient.pk] = Cautions.for_patient(patient)
        position = 0
        for code, side in point_set:
            acupoint = points[code]
            # Over a structure at risk (BL40: the popliteal vessels): oblique and shallow.
            angle, depth = (
                ("oblique", Decimal(12)) if acupoint.depth_rule else ("perpendicular", 25)
            )
            if cautions[patient.pk].placement_warnings(
                acupoint=acupoint, side=side, stimulation="none", angle=angle, depth_mm=depth
            ):
                continue  # the demo needles nothing that would need an override
            levels = JIAJI_LEVELS if acupoint.named_points else []
            position += 1
            placements.append(
                NeedlePlacement(
                    session=session,
                    position=position,
                    acupoint=acupoint,
                    side=side,
                    needle=needle,
                    depth_mm=depth,
                    angle=angle,
                    named_points=levels,
                    points_needled=len(levels) or 1,
                    de_qi=True,
                )
            )
    NeedlePlacement.objects.bulk_create(placements)  # PostgreSQL returns each needle_count
    counts = Counter()
    for placement in placements:
        counts[id(placement.session)] += placement.needle_count
    for session in sessions:
        if session.needles_in_at is not None:
            session.needles_removed = counts[id(session)]
    # The count out is the count in, in one statement (not one per session).
    TreatmentSession.objects.filter(
        pk__in=[s.pk for s in sessions], needles_in_at__isnull=False
    ).update(
        needles_removed=Coalesce(
            Subquery(
                NeedlePlacement.objects.filter(session=OuterRef("pk"))
                .order_by()
                .values("session")
                .annotate(total=Sum("needle_count"))
                .values("total")
            ),
            0,
        )
    )
    if adjust is not None:
        adjust(sessions, placements)  # saves its own changes
    for session in sessions:
        # A session without needles (a red-flag referral) is signed at the end of its morning.
        signed_at = (
            session.needles_out_at or local_datetime(session.session_date, time(12, 0))
        ) + timedelta(minutes=10)
        TreatmentSession.objects.filter(pk=session.pk).update(
            signed_at=signed_at,
            signed_by=session.practitioner.user,
            signed_on=timezone.localdate(signed_at),
            signed_flags=session.patient.clinical_flags,
        )
    return placements


def seed_lesion_sites() -> None:
    """Eczema on both hands: Yaotongdian (EX-UE7, the back of the hand) is a site
    not to needle, so the demo shows the warning and never needles there."""
    for patient in Patient.objects.filter(skin_conditions__icontains="hands"):
        SkinLesionSite.objects.get_or_create(
            patient=patient,
            acupoint=Acupoint.objects.get(code="EX-UE7"),
            defaults={"description": patient.skin_conditions[:200]},
        )
