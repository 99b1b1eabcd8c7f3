"""Front-desk billing pages. Each view: one access helper, one form, one service
call, one response; a BillingError becomes a message on the form."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import require
from accounts.roles import Capability
from billing import services
from billing.access import get_invoice_for_user, get_patient_to_bill, get_payment_to_refund
from billing.account import invoice_page, patient_account
from billing.forms import (
    CreditNoteForm,
    ItemForm,
    PackageForm,
    PaymentForm,
    RedeemForm,
    RefundForm,
    VoidForm,
    WaiveForm,
)
from billing.models import BillingSettings, Invoice, InvoiceLine, Package
from billing.money import ZERO
from clinic.models import ClinicSettings


@require_GET
@require(Capability.BILL)
def home(request):
    """Drafts waiting to be issued and invoices with money owed."""
    invoices = Invoice.objects.with_amounts().with_lines_total().select_related("patient")
    context = {
        "drafts": list(invoices.filter(status=Invoice.Status.DRAFT).order_by("created_at")[:50]),
        "unpaid": list(
            invoices.filter(status=Invoice.Status.ISSUED, balance__gt=0).order_by("issued_at")[:50]
        ),
    }
    return render(request, "billing/home.html", context)


def _account_response(request, patient, *, item_form=None, package_form=None, status=200):
    context = {
        "currency": BillingSettings.load().currency,
        "account": patient_account(patient),
        "item_form": item_form or ItemForm(),
        "package_form": package_form or PackageForm(),
    }
    return render(request, "billing/account.html", context, status=status)


@require_GET
@require(Capability.BILL)
def account(request, uuid):
    return _account_response(request, get_patient_to_bill(request, uuid))


@require_POST
@require(Capability.BILL)
def add_item(request, uuid):
    patient = get_patient_to_bill(request, uuid)
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            line = services.add_item(patient=patient, by=request.user, **form.cleaned_data)
        except services.BillingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Added {line.description} to the draft invoice.")
            return redirect("billing:invoice", uuid=line.invoice.uuid)
    return _account_response(request, patient, item_form=form)


@require_POST
@require(Capability.BILL)
def sell_package(request, uuid):
    patient = get_patient_to_bill(request, uuid)
    form = PackageForm(request.POST)
    if form.is_valid():
        try:
            package = services.sell_package(patient=patient, by=request.user, **form.cleaned_data)
        except services.BillingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Sold {package.name}: take payment on the invoice.")
            draft = Invoice.objects.get(patient=patient, status=Invoice.Status.DRAFT)
            return redirect("billing:invoice", uuid=draft.uuid)
    return _account_response(request, patient, package_form=form)


@require_GET
@require(Capability.BILL)
def package_balance(request, uuid):
    """A fragment for the booking and appointment pages: treatments left, money owed."""
    patient = get_patient_to_bill(request, uuid)
    packages = list(Package.objects.filter(patient=patient).usable_on(timezone.localdate()))
    owed = (
        Invoice.objects.with_amounts()
        .filter(patient=patient, status=Invoice.Status.ISSUED)
        .values_list("balance", flat=True)
    )
    context = {
        "patient": patient,
        "packages": packages,
        "owed": sum(owed, ZERO),
        "credit": services.account_credit(patient),
        "currency": BillingSettings.load().currency,
    }
    return render(request, "billing/package_balance.html", context)


# --- The invoice page and its actions ---------------------------------------------


def _invoice_response(request, invoice, status=200, **forms):
    page = invoice_page(invoice)
    draft_total = sum((line.total for line in page.lines), ZERO)
    # What the patient owes now: a draft asks for its lines' total once issued.
    owing = draft_total if page.invoice.is_draft else page.invoice.balance
    context = {
        "page": page,
        "invoice": page.invoice,
        "clinic": ClinicSettings.load(),
        "billing_settings": BillingSettings.load(),
        "draft_total": draft_total,
        "payment_form": forms.get("payment_form")
        or PaymentForm(initial={"amount": owing if owing > 0 else None, "expected_balance": owing}),
        "redeem_form": forms.get("redeem_form")
        or RedeemForm(packages=page.packages, visits=page.visits),
        "void_form": forms.get("void_form") or VoidForm(),
        "credit_note_form": forms.get("credit_note_form") or CreditNoteForm(),
        "refund_form": forms.get("refund_form") or RefundForm(),
        "waive_form": WaiveForm(),
        "email_kinds": [
            ("invoice", "Invoice"),
            ("receipt", "Receipt"),
            ("superbill", "Insurance receipt"),
        ],
        "refund_payment": forms.get("refund_payment"),
    }
    return render(request, "billing/invoice.html", context, status=status)


@require_GET
@require(Capability.BILL)
def invoice(request, uuid):
    return _invoice_response(request, get_invoice_for_user(request, uuid))


def _act(request, invoice, form_name, form, action, success):
    """Run ``action(form.cleaned_data)`` if the form is valid; on success say so
    and go back to the invoice, else show the page with the error on the form."""
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except services.BillingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, success(result))
            return redirect("billing:invoice", uuid=invoice.uuid)
    return _invoice_response(request, invoice, **{form_name: form})


@require_POST
@require(Capability.BILL)
def issue(request, uuid):
    invoice = get_invoice_for_user(request, uuid)
    try:
        issued = services.issue_invoice(invoice=invoice, by=request.user)
    except services.BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Issued {issued.display_number}.")
    return redirect("billing:invoice", uuid=invoice.uuid)


@require_POST
@require(Capability.BILL)
def pay(request, uuid):
    invoice = get_invoice_for_user(request, uuid)
    return _act(
        request,
        invoice,
        "payment_form",
        PaymentForm(request.POST),
        lambda data: services.take_payment(invoice=invoice, by=request.user, **data),
        lambda p: (
            f"{p.get_method_display()} payment of {services.money(p.amount)} taken"
            + (f"; {services.money(p.credited)} kept as account credit." if p.credited else ".")
        ),
    )


@require_POST
@require(Capability.BILL)
def redeem(request, uuid):
    invoice = get_invoice_for_user(request, uuid)
    page = invoice_page(invoice)
    form = RedeemForm(request.POST, packages=page.packages, visits=page.visits)
    return _act(
        request,
        invoice,
        "redeem_form",
        form,
        lambda data: services.redeem_package(
            invoice=invoice,
            package=form.packages[data["package"]],
            appointment=form.visits[data["appointment"]],
            by=request.user,
        ),
        lambda p: f"One treatment of {p.package.name} redeemed.",
    )


@require_POST
@require(Capability.BILL)
def void(request, uuid):
    invoice = get_invoice_for_user(request, uuid)
    return _act(
        request,
        invoice,
        "void_form",
        VoidForm(request.POST),
        lambda data: services.void_invoice(invoice=invoice, by=request.user, **data),
        lambda i: f"{i.display_number} is void.",
    )


@require_POST
@require(Capability.BILL)
def credit_note(request, uuid):
    invoice = get_invoice_for_user(request, uuid)
    return _act(
        request,
        invoice,
        "credit_note_form",
        CreditNoteForm(request.POST),
        lambda data: services.issue_credit_note(invoice=invoice, by=request.user, **data),
        lambda n: f"Credit note {n.display_number} issued for {services.money(n.amount)}.",
    )


@require_POST
@require(Capability.BILL)
def remove_line(request, uuid, line_id):
    """Take a line off a draft, or waive a policy fee (a credit note once issued)."""
    invoice = get_invoice_for_user(request, uuid)
    line = InvoiceLine.objects.filter(invoice=invoice, pk=line_id).first()
    form = WaiveForm(request.POST)
    if line is None:
        messages.error(request, "That line is no longer on this invoice.")
    elif form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if line.kind in (InvoiceLine.Kind.LATE_CANCELLATION, InvoiceLine.Kind.NO_SHOW):
                services.waive_fee(line=line, by=request.user, reason=reason)
                messages.success(request, "Fee waived.")
            else:
                services.remove_line(line=line, by=request.user, reason=reason)
                messages.success(request, "Line removed.")
        except services.BillingError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, "Say why, in the reason box.")
    if Invoice.objects.filter(pk=invoice.pk).exists():
        return redirect("billing:invoice", uuid=invoice.uuid)
    return redirect("billing:account", uuid=invoice.patient.uuid)


@require_http_methods(["POST"])
@require(Capability.BILL)
def refund(request, uuid):
    payment = get_payment_to_refund(request, uuid)
    invoice = payment.invoice
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            done = services.refund_payment(payment=payment, by=request.user, **form.cleaned_data)
        except services.BillingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Refunded {services.money(done.amount)}.")
            return redirect("billing:invoice", uuid=invoice.uuid)
    return _invoice_response(request, invoice, refund_form=form, refund_payment=payment)
