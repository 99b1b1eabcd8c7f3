"""The patient's clinical page: the timeline of treatment sessions, the pain
and function trend of the current course of care (NPRS, ODI, RMDQ) with the
minimal important change marked, whether the patient has improved, the points
used most, and the prompt to review the plan (the rules: sessions.progress).

The timeline shows the latest sessions a page at a time (sessions.timeline):
"Earlier sessions" appends the next page in place (htmx, the fragment alone) or,
without JavaScript, opens the page ``?before=<cursor>``. The chart and the
review prompt always cover the whole history, read as plain rows.

Practitioners only (VIEW_CLINICAL): they read the clinic's signed records
(shared care) and their own drafts. Every view is written to the audit trail,
naming the sessions it showed.
"""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import require
from accounts.roles import Capability
from clinic.models import ClinicSettings
from patients.views import get_patient_for_user
from sessions.charts import PHONE, trend_chart
from sessions.models import Addendum, NeedlePlacement, TreatmentSession
from sessions.progress import assess, points_used_most, scores_of
from sessions.services import record_clinical_page_read
from sessions.timeline import Page, page_of, parse_cursor
from sessions.views.record import record_url


def _addenda_count():
    """Addenda per session as a subquery, so the timeline query does not group."""
    counts = (
        Addendum.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def timeline(patient, user, *, before=None) -> Page:
    """One page of the patient's sessions this user may read, newest first, with
    their placements (and acupoints) and the number of addenda: two queries."""
    page = page_of(
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
        .annotate(addenda_count=_addenda_count()),
        before=before,
    )
    for session in page.sessions:
        session.record_url = record_url(session)
    return page


@require_GET
@require(Capability.VIEW_CLINICAL)
def patient_clinical(request, uuid):
    patient = get_patient_for_user(request, uuid)
    page = timeline(patient, request.user, before=parse_cursor(request.GET.get("before")))
    record_clinical_page_read(patient=patient, sessions=page.sessions, by=request.user)
    context = {"patient": patient, "page": page}
    if request.htmx:
        return render(request, "sessions/clinical_timeline_page.html", context)
    whole_history = TreatmentSession.objects.visible_to(request.user).filter(patient=patient)
    progress = assess(
        scores_of(whole_history), review_after=ClinicSettings.load().review_after_sessions
    )
    context |= {
        "progress": progress,
        "chart": trend_chart(progress.series),
        "phone_chart": trend_chart(progress.series, PHONE),
        "top_points": points_used_most(patient),
    }
    return render(request, "sessions/clinical.html", context)
