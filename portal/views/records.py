"""The patient's own record in the portal: treatment history, progress, the
pre-visit questionnaire, who at the clinic opened the record, and the export.

Access: every view needs USE_PORTAL (staff get 403) and works on the patient
linked to the signed-in account (404 when there is none). Objects in URLs are
UUIDs looked up among that patient's own rows only, so another patient's
UUID answers 404, exactly like one that does not exist. Treatment sessions
come through TreatmentSession.objects.visible_to: signed ones only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import require
from accounts.roles import STAFF_ROLES, Capability
from audit.models import AuditEvent
from patients.models import Patient
from portal.access import get_own_appointment, get_own_patient
from portal.history import access_label, session_story, with_story
from portal.record_forms import QuestionnaireForm
from portal.services import (
    QuestionnaireClosed,
    export_record,
    questionnaire_open,
    save_questionnaire,
    upcoming_appointments,
)
from reports.typical import typical_course
from scheduling.models import Appointment
from sessions.charts import PHONE, trend_chart
from sessions.models import TreatmentSession
from sessions.progress import assess, scores_of
from sessions.timeline import page_of, parse_cursor

ACCESS_LOG_PAGE_SIZE = 25


def own_sessions(request, patient: Patient):
    return TreatmentSession.objects.visible_to(request.user).signed().filter(patient=patient)


def current_cause(sessions, course_start) -> str:
    """The cause recorded first in the current course ("" when none): one query."""
    if not course_start:
        return ""
    first = (
        sessions.filter(session_date__gte=course_start, pain_cause__gt="")
        .order_by("session_date", "created_at")
        .values_list("pain_cause", flat=True)
        .first()
    )
    return first or ""


def next_questionnaire(patient: Patient) -> Appointment | None:
    """The soonest visit whose questionnaire can still be filled in (or
    changed): the one the history page offers (one query)."""
    appointments = (
        upcoming_appointments(patient)
        .select_related("practitioner__user", "questionnaire", "treatment_session")
        .order_by("start_at")
    )
    return next((a for a in appointments if questionnaire_open(a)), None)


@require_GET
@require(Capability.USE_PORTAL)
def history(request):
    """The latest signed sessions, ten at a time (sessions.timeline): "Earlier
    sessions" appends the next page (htmx) or opens it (?before=<cursor>)."""
    patient = get_own_patient(request)
    page = page_of(
        with_story(own_sessions(request, patient)),
        before=parse_cursor(request.GET.get("before")),
    )
    context = {
        "patient": patient,
        "page": page,
        "stories": [session_story(s) for s in page.sessions],
    }
    if request.htmx:
        return render(request, "portal/history_page.html", context)
    context["next_visit"] = next_questionnaire(patient)
    return render(request, "portal/history.html", context)


@require_GET
@require(Capability.USE_PORTAL)
def history_session(request, uuid):
    patient = get_own_patient(request)
    treatment = get_object_or_404(with_story(own_sessions(request, patient)), uuid=uuid)
    return render(
        request,
        "portal/history_session.html",
        {"patient": patient, "story": session_story(treatment)},
    )


@require_GET
@require(Capability.USE_PORTAL)
def progress(request):
    patient = get_own_patient(request)
    # The clinic's review prompt is for the practitioner: off here.
    sessions = own_sessions(request, patient)
    course = assess(scores_of(sessions), review_after=0)
    context = {
        "patient": patient,
        "progress": course,
        "chart": trend_chart(course.series),
        "phone_chart": trend_chart(course.series, PHONE),
        # What happened to others with the same cause here (reports.typical).
        "typical": typical_course(current_cause(sessions, course.course_start)),
    }
    return render(request, "portal/progress.html", context)


@require_http_methods(["GET", "POST"])
@require(Capability.USE_PORTAL)
def questionnaire(request, uuid):
    appointment = get_own_appointment(request, uuid)
    existing = getattr(appointment, "questionnaire", None)
    is_open = questionnaire_open(appointment)
    if request.method == "POST":
        if not is_open:
            messages.error(request, QuestionnaireClosed.message)
            return redirect("portal:questionnaire", uuid=appointment.uuid)
        form = QuestionnaireForm(request.POST, instance=existing)
        if form.is_valid():
            try:
                save_questionnaire(appointment=appointment, form=form, by=request.user)
            except QuestionnaireClosed:
                messages.error(request, QuestionnaireClosed.message)
            else:
                when = date_format(timezone.localtime(appointment.start_at), r"l j F \a\t H:i")
                messages.success(
                    request,
                    f"Thank you: your answers are saved. {appointment.practitioner} will see "
                    f"them at your appointment on {when}. You can change them until then.",
                )
            return redirect("portal:questionnaire", uuid=appointment.uuid)
    else:
        form = QuestionnaireForm(instance=existing)
    context = {
        "appointment": appointment,
        "form": form,
        "is_open": is_open,
        "questionnaire": existing,
    }
    return render(request, "portal/questionnaire.html", context)


@require_GET
@require(Capability.USE_PORTAL)
def access_log(request):
    """Who at the clinic opened or changed the record, and when: the audit trail's
    events on this patient by staff (never the patient's own, never addresses)."""
    patient = get_own_patient(request)
    events = (
        AuditEvent.objects.for_patient(patient)
        .filter(actor__role__in=STAFF_ROLES)
        .select_related("actor")
        .only("occurred_at", "action", "data", "actor__full_name", "actor__role")
        .order_by("-occurred_at", "-id")
    )
    page = Paginator(events, ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.label = access_label(event.action, event.data)
    return render(request, "portal/access_log.html", {"patient": patient, "page": page})


def _export(request, fmt: str) -> dict:
    patient = get_own_patient(request)
    return export_record(patient=patient, by=request.user, fmt=fmt)


@never_cache
@require_GET
@require(Capability.USE_PORTAL)
def export_json(request):
    data = _export(request, "json")
    number = data["patient"]["patient_number"]
    day = data["exported_at"].date().isoformat()
    response = JsonResponse(
        data, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="record-{number}-{day}.json"'
    return response


@never_cache
@require_GET
@require(Capability.USE_PORTAL)
def export_page(request):
    return render(request, "portal/export.html", {"record": _export(request, "html")})
