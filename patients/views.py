from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import require
from accounts.roles import Capability
from patients import consent, services
from patients.forms import (
    ClinicalFlagsForm,
    ConsentForm,
    NewPatientForm,
    PatientForm,
    PatientSearchForm,
    WithdrawConsentForm,
)
from patients.models import ConsentText, Patient
from patients.search import name_from_query

PAGE_SIZE = 25


def get_patient_for_user(request, uuid) -> Patient:
    """The one way views look up a patient: 404 unless this user may see it."""
    return get_object_or_404(Patient.objects.visible_to(request.user), uuid=uuid)


@require_GET
@require(Capability.VIEW_PATIENTS)
def patient_list(request):
    form = PatientSearchForm(request.GET)
    patients = Patient.objects.visible_to(request.user)
    query, archived = "", False
    if form.is_valid():
        query, archived = form.cleaned_data["q"], form.cleaned_data["archived"]
    patients = patients.archived() if archived else patients.active()
    if query:
        patients = patients.search(query)
    page = Paginator(patients.only(*LIST_COLUMNS), PAGE_SIZE).get_page(request.GET.get("page"))
    # "New patient" carries a searched name over (the htmx fragment updates the link).
    name = name_from_query(query) if query and not archived else {}
    context = {
        "form": form,
        "page": page,
        "query": query,
        "archived": archived,
        "new_patient_url": reverse("patients:create") + (f"?{urlencode(name)}" if name else ""),
        "new_patient_name": " ".join(name.values()),
    }
    template = "patients/list_results.html" if request.htmx else "patients/list.html"
    return render(request, template, context)


LIST_COLUMNS = [
    "uuid",
    "patient_number",
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "phone",
    "archived_at",
]


@require_http_methods(["GET", "POST"])
@require(Capability.EDIT_PATIENTS)
def patient_create(request):
    # From a search with no match: ?first_name=&last_name= pre-fill the form.
    form = NewPatientForm(request.POST or None, initial=NewPatientForm.initial_name(request.GET))
    if request.method == "POST" and form.is_valid():
        patient = services.register_patient(form=form, by=request.user)
        messages.success(request, f"{patient.display_name} was added as {patient.patient_number}.")
        return redirect("patients:detail", uuid=patient.uuid)
    return render(request, "patients/create.html", {"form": form})


@require_GET
@require(Capability.VIEW_PATIENTS)
def patient_detail(request, uuid):
    patient = get_patient_for_user(request, uuid)
    show_clinical = request.user.can(Capability.VIEW_CLINICAL)
    services.record_patient_viewed(patient=patient, by=request.user, clinical=show_clinical)
    context = {
        "patient": patient,
        "clinical_flags": patient.clinical_flags if show_clinical else None,
        "can_edit": request.user.can(Capability.EDIT_PATIENTS),
        "can_book": not patient.is_archived
        and (
            request.user.can(Capability.BOOK_APPOINTMENTS)
            or request.user.can(Capability.EDIT_OWN_APPOINTMENTS)
        ),
        "can_edit_clinical": request.user.can(Capability.EDIT_CLINICAL),
        "can_archive": request.user.can(Capability.ARCHIVE_PATIENTS),
        "can_bill": request.user.can(Capability.BILL),
        "consent": consent.consent_status(patient),
    }
    return render(request, "patients/detail.html", context)


def _edit(request, uuid, form_class, template, action, *, clinical=False):
    patient = get_patient_for_user(request, uuid)
    if clinical and request.method == "GET":
        services.record_clinical_flags_viewed(patient=patient, by=request.user)
    form = form_class(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_patient(form=form, by=request.user, action=action)
        except services.StaleEdit as stale:
            form.add_error(None, stale.message)
        else:
            messages.success(request, "Changes saved.")
            return redirect("patients:detail", uuid=patient.uuid)
    return render(request, template, {"form": form, "patient": patient})


@require_http_methods(["GET", "POST"])
@require(Capability.EDIT_PATIENTS)
def patient_edit(request, uuid):
    return _edit(request, uuid, PatientForm, "patients/edit.html", "patients.patient.changed")


@require_http_methods(["GET", "POST"])
@require(Capability.EDIT_CLINICAL)
def patient_flags_edit(request, uuid):
    return _edit(
        request,
        uuid,
        ClinicalFlagsForm,
        "patients/flags_edit.html",
        "patients.clinical_flags.changed",
        clinical=True,
    )


@require_POST
@require(Capability.ARCHIVE_PATIENTS)
def patient_archive(request, uuid):
    patient = get_patient_for_user(request, uuid)
    services.archive_patient(patient=patient, by=request.user)
    messages.success(
        request, f"{patient.display_name} was archived. The record is kept and can be restored."
    )
    return redirect("patients:detail", uuid=patient.uuid)


@require_POST
@require(Capability.ARCHIVE_PATIENTS)
def patient_restore(request, uuid):
    patient = get_patient_for_user(request, uuid)
    services.restore_patient(patient=patient, by=request.user)
    messages.success(request, f"{patient.display_name} was restored.")
    return redirect("patients:detail", uuid=patient.uuid)


# --- Informed consent: every staff role; front desk records it at reception. ---
# The page shows no clinical flag: only the consent text, the status and history.


def _consent_page(request, patient, current_text, form, withdraw_form):
    today = timezone.localdate()
    history = list(
        patient.consents.select_related("consent_text", "recorded_by").order_by("-given_at", "-id")
    )
    latest = history[0] if history else None
    context = {
        "patient": patient,
        "current_text": current_text,
        "problem": consent.problem_with(latest, patient, today),
        "latest": latest,
        "history": history,
        "form": form,
        "withdraw_form": withdraw_form,
        "can_withdraw": latest is not None and not latest.is_withdrawal,
        "back_to": _back_to(request),
    }
    return render(request, "patients/consent.html", context)


def _consent_form(patient, current_text, data=None) -> ConsentForm:
    """The form carries the version of the text shown, so a change is noticed."""
    return ConsentForm(
        data,
        minor=consent.is_minor(patient, timezone.localdate()),
        initial={"text_version": current_text.version if current_text else ""},
    )


@require_http_methods(["GET", "POST"])
@require(Capability.VIEW_PATIENTS, Capability.EDIT_PATIENTS)
def patient_consent(request, uuid):
    patient = get_patient_for_user(request, uuid)
    current_text = ConsentText.objects.current().first()
    form = _consent_form(patient, current_text, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent.record_consent(patient=patient, by=request.user, data=form.cleaned_data)
        except consent.ConsentError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Consent recorded for {patient.display_name}.")
            return redirect(_back_to(request) or reverse("patients:consent", args=[patient.uuid]))
    return _consent_page(request, patient, current_text, form, WithdrawConsentForm())


def _back_to(request) -> str | None:
    """The page of this site that sent the user here (?next=, e.g. the treatment
    record that asked for consent), to return to once it is recorded."""
    target = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target.startswith("/") and safe else None


@require_POST
@require(Capability.VIEW_PATIENTS, Capability.EDIT_PATIENTS)
def patient_consent_withdraw(request, uuid):
    patient = get_patient_for_user(request, uuid)
    form = WithdrawConsentForm(request.POST)
    if not form.is_valid():
        current_text = ConsentText.objects.current().first()
        consent_form = _consent_form(patient, current_text)
        return _consent_page(request, patient, current_text, consent_form, form)
    try:
        consent.withdraw_consent(patient=patient, by=request.user, note=form.cleaned_data["note"])
    except consent.ConsentError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Withdrawal recorded: {patient.display_name} may not be needled until they "
            "consent again.",
        )
    return redirect("patients:consent", uuid=patient.uuid)
