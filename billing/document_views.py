"""Invoices, receipts, credit notes and superbills: PDF downloads, the printable
superbill page, and e-mailing one to the patient through the message queue.

Staff who bill and the patient themselves (their own issued invoices) may
download; only staff e-mail."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.access import require, require_any
from accounts.roles import Capability
from billing import documents, services, superbill
from billing.access import get_invoice_for_user
from billing.account import invoice_page
from billing.models import BillingSettings, CreditNote, Invoice
from clinic.models import ClinicSettings

KINDS = {"invoice": "Invoice", "receipt": "Receipt", "superbill": "Insurance receipt"}


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def render_document(invoice: Invoice, kind: str) -> tuple[bytes, str]:
    """The PDF of ``kind`` for an issued invoice, and its file name."""
    page = invoice_page(invoice)
    clinic = ClinicSettings.load()
    if kind == "superbill":
        content = documents.superbill_pdf(superbill.build(page), clinic)
    else:
        content = documents.invoice_pdf(
            page, clinic, BillingSettings.load(), receipt=kind == "receipt"
        )
    return content, f"{kind}-{invoice.display_number}.pdf"


def _issued(request, uuid) -> Invoice:
    invoice = get_invoice_for_user(request, uuid)
    if invoice.is_draft:
        # A draft has no number and is not a document yet.
        raise Http404("A draft invoice has no document yet.")
    return invoice


@require_GET
@require_any(Capability.BILL, Capability.USE_PORTAL)
def invoice_pdf(request, uuid, kind):
    if kind not in KINDS:
        raise Http404
    content, filename = render_document(_issued(request, uuid), kind)
    return _pdf(content, filename)


@require_GET
@require_any(Capability.BILL, Capability.USE_PORTAL)
def superbill_page(request, uuid):
    invoice = _issued(request, uuid)
    context = {
        "bill": superbill.build(invoice_page(invoice)),
        "invoice": invoice,
        "clinic": ClinicSettings.load(),
    }
    return render(request, "billing/superbill.html", context)


@require_GET
@require(Capability.BILL)
def credit_note_pdf(request, uuid):
    note = get_object_or_404(CreditNote.objects.select_related("invoice__patient"), uuid=uuid)
    return _pdf(
        documents.credit_note_pdf(note, ClinicSettings.load()),
        f"credit-note-{note.display_number}.pdf",
    )


@require_POST
@require(Capability.BILL)
def email_document(request, uuid, kind):
    invoice = _issued(request, uuid)
    if kind not in KINDS:
        messages.error(request, "Choose an invoice, a receipt or an insurance receipt.")
        return redirect("billing:invoice", uuid=invoice.uuid)
    content, filename = render_document(invoice, kind)
    message = services.email_document(
        invoice=invoice,
        label=KINDS[kind],
        kind=kind,
        filename=filename,
        content=content,
        by=request.user,
    )
    if message is None:
        messages.error(request, "The patient has no e-mail address or does not want e-mails.")
    else:
        messages.success(request, f"{KINDS[kind]} queued for {message.recipient}.")
    return redirect("billing:invoice", uuid=invoice.uuid)
