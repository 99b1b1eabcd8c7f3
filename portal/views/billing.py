"""The patient's own invoices, payments, balance and package credits, with
their receipts and insurance receipts to download (billing's document URLs,
which let a patient fetch only their own issued invoices)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import require
from accounts.roles import Capability
from billing.account import patient_account
from billing.models import BillingSettings
from portal.access import get_own_patient


@require_GET
@require(Capability.USE_PORTAL)
def billing(request):
    patient = get_own_patient(request)
    account = patient_account(patient)
    context = {
        "patient": patient,
        "account": account,
        # A draft is not a bill yet: the patient sees issued and void invoices only.
        "invoices": [i for i in account.invoices if not i.is_draft],
        "currency": BillingSettings.load().currency,
    }
    return render(request, "portal/billing.html", context)
