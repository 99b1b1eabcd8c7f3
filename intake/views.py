"""Intake pages: the front desk sends the link, the patient fills it in (no
login: the link is the key), the practitioner reviews the answers."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import require
from accounts.roles import Capability
from clinic.models import ClinicSettings
from intake import services
from intake.forms import FlagReviewForm, IntakeAnswersForm, PatientConsentForm
from intake.models import IntakeRequest
from patients.consent import is_minor
from patients.models import ConsentText, Patient
from patients.views import get_patient_for_user


@require_POST
@require(Capability.EDIT_PATIENTS)
def send(request, uuid):
    patient = get_patient_for_user(request, uuid)
    try:
        sent = services.send_intake_link(patient=patient, by=request.user)
    except services.IntakeError as error:
        messages.error(request, " ".join(error.messages))
    else:
        # The queue delivered it when the transaction committed (or will, from cron).
        status = services.link_status(sent)
        if status == "failed":
            messages.error(
                request,
                f"The intake link to {sent.sent_to} could not be sent (the error is kept "
                "with the message). Send a new link in a moment.",
            )
        else:
            messages.success(
                request,
                f"Intake link {'sent' if status == 'sent' else 'queued'} to {sent.sent_to}. "
                f"It works once, for {settings.INTAKE_LINK_DAYS} days.",
            )
    back_to = request.POST.get("next", "")
    if back_to and url_has_allowed_host_and_scheme(
        back_to, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back_to)  # the appointment page it was sent from
    return redirect("patients:detail", uuid=patient.uuid)


@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
def fill(request, uuid, token):
    intake_request = services.find_request(uuid)
    problem = services.link_problem(intake_request, token)
    if problem:
        status = 410 if problem in (services.USED, services.EXPIRED) else 404
        return render(request, "intake/link_problem.html", {"problem": problem}, status=status)
    patient = intake_request.patient
    questions = services.questions_of(intake_request)
    consent_text = ConsentText.objects.current().first()
    minor = is_minor(patient, timezone.localdate())  # as patients.consent judges it
    data = request.POST if request.method == "POST" else None
    form = IntakeAnswersForm(data, questions=questions, prefix="q")
    consent_form = PatientConsentForm(
        data,
        minor=minor,
        initial={"text_version": consent_text.version if consent_text else ""},
    )
    if request.method == "POST" and form.is_valid() and consent_form.is_valid():
        try:
            services.submit_intake(
                intake_request=intake_request,
                token=token,
                answers=form.answers(),
                consent=consent_form.cleaned_data,
            )
        except services.IntakeError as error:
            form.add_error(None, error)
        else:
            return redirect("intake:thanks")
    context = {
        "form": form,
        "consent_form": consent_form,
        "consent_text": consent_text,
        "greeting_name": patient.preferred_name or patient.first_name,
        "clinic": ClinicSettings.load(),
    }
    return render(request, "intake/fill.html", context)


@login_not_required
@require_GET
def thanks(request):
    """After the answers are in (POST/redirect/GET): nothing of the patient's here."""
    return render(request, "intake/thanks.html", {"clinic": ClinicSettings.load()})


def _completed_request(request, uuid) -> IntakeRequest:
    """A completed intake of a patient this user may see, or 404."""
    return get_object_or_404(
        IntakeRequest.objects.select_related("patient", "form", "reviewed_by").filter(
            patient__in=Patient.objects.visible_to(request.user), completed_at__isnull=False
        ),
        uuid=uuid,
    )


@require_http_methods(["GET", "POST"])
@require(Capability.VIEW_CLINICAL, Capability.EDIT_CLINICAL)
def review(request, uuid):
    intake_request = _completed_request(request, uuid)
    answers = services.answers_of(intake_request)
    rows = services.flag_rows(intake_request, answers)
    reviewed = intake_request.reviewed_at is not None
    form = FlagReviewForm(request.POST if request.method == "POST" else None, rows=rows)
    if request.method == "POST" and not reviewed and form.is_valid():
        try:
            services.review_flags(
                intake_request=intake_request, by=request.user, decisions=form.decisions()
            )
        except services.IntakeError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your decisions are recorded and the flags updated.")
            return redirect("intake:review", uuid=intake_request.uuid)
    if request.method == "GET":
        services.record_answers_read(intake_request=intake_request, by=request.user)
    context = {
        "intake": intake_request,
        "patient": intake_request.patient,
        "answers": answers,
        "red_flags": [a for a in answers if a.question.is_red_flag and a.value == "yes"],
        "form": form,
        "reviewed": reviewed,
    }
    return render(request, "intake/review.html", context)
