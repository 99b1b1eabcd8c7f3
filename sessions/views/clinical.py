"""The patient's clinical page: the timeline of treatment sessions, the pain
and function trend of the current course of care (NPRS, ODI, RMDQ) with the
minimal important change marked, whether the patient has improved, the points
used most, and the prompt to review the plan (the rules: sessions.progress).

Practitioners only (VIEW_CLINICAL): they read the clinic's signed records
(shared care) and their own drafts. Every view is written to the audit trail.
"""

from django.db.models import Count, Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import require
from accounts.roles import Capability
from audit.services import record
from clinic.models import ClinicSettings
from patients.views import get_patient_for_user
from sessions.charts import PHONE, trend_chart
from sessions.models import NeedlePlacement, TreatmentSession
from sessions.progress import assess, points_used_most, signed_measurements
from sessions.views.record import record_url


def timeline(patient, user) -> list[TreatmentSession]:
    """The patient's sessions this user may read, newest first, with their
    placements (and acupoints) and the number of addenda: two queries."""
    sessions = list(
        TreatmentSession.objects.visible_to(user)
        .filter(patient=patient)
        .select_related("practitioner__user")
        .prefetch_related(
            Prefetch(
                "placements",
                queryset=NeedlePlacement.objects.select_related("acupoint").order_by(
                    "position", "id"
                ),
            )
        )
        .annotate(addenda_count=Count("addenda"))
        .order_by("-session_date", "-created_at")
    )
    for session in sessions:
        session.record_url = record_url(session)
    return sessions


@require_GET
@require(Capability.VIEW_CLINICAL)
def patient_clinical(request, uuid):
    patient = get_patient_for_user(request, uuid)
    sessions = timeline(patient, request.user)
    progress = assess(
        signed_measurements(sessions), review_after=ClinicSettings.load().review_after_sessions
    )
    record(
        "sessions.clinical_page.viewed",
        actor=request.user,
        obj=patient,
        patient=patient,
        data={"sessions": [str(s.uuid) for s in sessions]},
    )
    context = {
        "patient": patient,
        "sessions": sessions,
        "progress": progress,
        "chart": trend_chart(progress.series),
        "phone_chart": trend_chart(progress.series, PHONE),
        "top_points": points_used_most(patient),
    }
    return render(request, "sessions/clinical.html", context)
