"""The fixed queries that feed ``reports.outcomes``: a handful per page,
whatever the number of records.

Only signed sessions count (a draft may still change). Which protocol a
session used is not a column of the record: ``sessions.services.apply_protocol``
writes it to the audit trail ("sessions.placements.applied", source
"protocol NAME"), which is where it is read from.
"""

from __future__ import annotations

import datetime

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEvent
from patients.models import Patient
from reports.outcomes import SessionRow
from reports.research import PatientFacts
from scheduling.models import Appointment
from sessions.models import AdverseEvent, RedFlagDecision, TreatmentSession, WarningOverride
from sessions.outcomes import ODI_SECTIONS, odi

PROTOCOL_PREFIX = "protocol "
ODI_FIELDS = [name for name, _ in ODI_SECTIONS]


def protocols_by_session() -> dict[str, str]:
    """Session uuid (text) → the first protocol applied to it (one query)."""
    found: dict[str, str] = {}
    events = (
        AuditEvent.objects.filter(
            action="sessions.placements.applied",
            object_type=TreatmentSession._meta.label_lower,
            data__source__startswith=PROTOCOL_PREFIX,
        )
        .order_by("occurred_at", "id")
        .values_list("object_id", "data__source")
    )
    for session_uuid, source in events:
        found.setdefault(session_uuid, source.removeprefix(PROTOCOL_PREFIX))
    return found


def session_rows(*, patient_ids=None, with_protocols=True) -> list[SessionRow]:
    """Every signed session (of ``patient_ids`` when given) as a SessionRow:
    one query for the sessions and their points, one for the protocols
    (none without ``with_protocols``)."""
    sessions = TreatmentSession.objects.signed()
    if patient_ids is not None:
        sessions = sessions.filter(patient_id__in=patient_ids)
    values = sessions.annotate(
        point_codes=ArrayAgg(
            "placements__signed_point_code",
            filter=Q(placements__isnull=False),
            distinct=True,
            default=[],
        )
    ).values(
        "id",
        "uuid",
        "patient_id",
        "practitioner_id",
        "session_date",
        "pain_cause",
        "nprs_now",
        "rmdq_score",
        "next_visit_in_days",
        "point_codes",
        *ODI_FIELDS,
    )
    protocols = protocols_by_session() if with_protocols else {}
    return [
        SessionRow(
            id=v["id"],
            patient_id=v["patient_id"],
            practitioner_id=v["practitioner_id"],
            date=v["session_date"],
            cause=v["pain_cause"],
            nprs=v["nprs_now"],
            odi=odi([v[f] for f in ODI_FIELDS]).percent,
            rmdq=v["rmdq_score"],
            next_visit_planned=v["next_visit_in_days"] is not None,
            protocol=protocols.get(str(v["uuid"]), ""),
            points=tuple(sorted(v["point_codes"])),
        )
        for v in values
    ]


def booked_patient_ids(now: datetime.datetime | None = None) -> set[int]:
    """Patients with an appointment still to come (their course has not ended)."""
    now = now or timezone.now()
    return set(
        Appointment.objects.filter(status=Appointment.Status.BOOKED, start_at__gte=now)
        .values_list("patient_id", flat=True)
        .distinct()
    )


def safety_rows() -> dict:
    """Adverse events, overrides, needle-count incidents and red-flag referrals
    of signed sessions (four queries)."""
    signed = Q(session__signed_at__isnull=False)
    return {
        "adverse": list(
            AdverseEvent.objects.filter(signed).values_list("session_id", "type", "severity")
        ),
        "overrides": list(WarningOverride.objects.filter(signed).values_list("session_id", "kind")),
        "incidents": set(
            TreatmentSession.objects.signed()
            .filter(missing_needle_incident=True)
            .values_list("id", flat=True)
        ),
        "referrals": set(
            TreatmentSession.objects.signed()
            .filter(
                red_flag_decision__in=[
                    RedFlagDecision.REFERRED_GP,
                    RedFlagDecision.REFERRED_EMERGENCY,
                ]
            )
            .values_list("id", flat=True)
        ),
    }


SAFETY_LABELS = {
    "type_labels": dict(AdverseEvent.Type.choices),
    "severity_labels": dict(AdverseEvent.Severity.choices),
    "override_labels": dict(WarningOverride.Kind.choices),
}


def patient_facts():
    """uuid, date of birth and sex of every patient with a signed session (one query)."""
    return {
        p["id"]: PatientFacts(str(p["uuid"]), p["date_of_birth"], p["sex"])
        for p in Patient.objects.filter(treatment_sessions__signed_at__isnull=False)
        .distinct()
        .values("id", "uuid", "date_of_birth", "sex")
    }
