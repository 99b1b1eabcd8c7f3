"""Who may see which billing object: 404 when the user may not see it at all.

Front desk and the clinic admin bill (Capability.BILL); a patient sees only
their own issued invoices (the portal); practitioners see no money."""

from django.shortcuts import get_object_or_404

from accounts.roles import Capability
from billing.models import Invoice, Payment
from patients.models import Patient


def get_invoice_for_user(request, uuid) -> Invoice:
    return get_object_or_404(
        Invoice.objects.visible_to(request.user).select_related("patient"), uuid=uuid
    )


def get_patient_to_bill(request, uuid) -> Patient:
    patients = (
        Patient.objects.visible_to(request.user)
        if request.user.can(Capability.BILL)
        else Patient.objects.none()
    )
    return get_object_or_404(patients, uuid=uuid)


def get_payment_to_refund(request, uuid) -> Payment:
    payments = (
        Payment.objects.all() if request.user.can(Capability.BILL) else Payment.objects.none()
    )
    return get_object_or_404(payments.select_related("invoice__patient"), uuid=uuid)
