"""Documents: staff attach and list a patient's files; a patient sees the ones
shared with them and sends their own; every file goes out through
``download``, which checks access, audits the read and tells the browser not
to guess the type."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import require, require_any
from accounts.roles import Capability
from documents import services
from documents.forms import DocumentForm, FiledInErrorForm, PatientDocumentForm
from documents.models import Document
from patients.models import Patient
from patients.views import get_patient_for_user


def get_document_for_user(request, uuid) -> Document:
    """The one way views look up a document: 404 unless this user may see it."""
    return get_object_or_404(
        Document.objects.visible_to(request.user).select_related("patient"), uuid=uuid
    )


def _upload(request, form, *, patient, by_patient: bool) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.attach_document(
            patient=patient,
            uploaded=data["file"],
            kind=data["kind"],
            document_date=data["document_date"],
            description=data["description"],
            clinical=data.get("clinical", by_patient),
            shared_with_patient=data.get("shared_with_patient", by_patient),
            by=request.user,
            by_patient=by_patient,
        )
    except services.DocumentError as error:
        form.add_error("file", error)
        return False
    return True


@require_http_methods(["GET", "POST"])
@require(Capability.VIEW_PATIENTS, Capability.EDIT_PATIENTS)
def patient_documents(request, uuid):
    patient = get_patient_for_user(request, uuid)
    may_mark_clinical = request.user.can(Capability.VIEW_CLINICAL)
    form = DocumentForm(
        request.POST or None, request.FILES or None, may_mark_clinical=may_mark_clinical
    )
    if request.method == "POST" and _upload(request, form, patient=patient, by_patient=False):
        messages.success(request, "The document is attached.")
        return redirect("documents:patient", uuid=patient.uuid)
    documents = (
        Document.objects.visible_to(request.user)
        .filter(patient=patient)
        .select_related("uploaded_by")
    )
    context = {
        "patient": patient,
        "documents": documents,
        "form": form,
        "error_form": FiledInErrorForm(),
    }
    return render(request, "documents/patient.html", context)


@require_GET
@require_any(Capability.VIEW_PATIENTS, Capability.USE_PORTAL)
def download(request, uuid):
    document = get_document_for_user(request, uuid)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file of this document is missing from storage.") from None
    services.record_read(document=document, by=request.user)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@require(Capability.EDIT_PATIENTS)
def filed_in_error(request, uuid, document):
    patient = get_patient_for_user(request, uuid)
    document = get_document_for_user(request, document)
    if document.patient_id != patient.pk:
        raise Http404("No such document on this record.")
    form = FiledInErrorForm(request.POST)
    if form.is_valid():
        try:
            services.file_in_error(
                document=document, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.DocumentError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The document is filed in error: hidden, and kept.")
    else:
        messages.error(request, "Say why the document was filed in error.")
    return redirect("documents:patient", uuid=patient.uuid)


@require_http_methods(["GET", "POST"])
@require(Capability.USE_PORTAL)
def mine(request):
    patient = get_object_or_404(Patient.objects.visible_to(request.user), user=request.user)
    form = PatientDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _upload(request, form, patient=patient, by_patient=True):
        messages.success(request, "Thank you: the clinic has your document.")
        return redirect("documents:mine")
    documents = Document.objects.visible_to(request.user).filter(patient=patient)
    context = {"patient": patient, "documents": documents, "form": form}
    return render(request, "documents/mine.html", context)
