"""Invoicing driven by the appointment lifecycle.

Scheduling sends ``appointment_status_changed`` inside its transaction and never
imports billing; billing listens here. So a visit lands on the patient's draft
invoice when it is completed (or at check-in, a billing setting), and a late
cancellation or a no-show gets the clinic's policy fee, in the same transaction
as the status change: both happen or neither.
"""

from billing import services
from billing.models import BillingSettings, InvoiceLine
from scheduling.models import Appointment
from scheduling.signals import appointment_status_changed

Status = Appointment.Status


def billing_statuses(settings: BillingSettings) -> set[str]:
    """The statuses at which a visit is invoiced (a later one too: an arrival the
    record implied, or a visit completed before billing was set up)."""
    if settings.invoice_at == BillingSettings.InvoiceAt.CHECK_IN:
        return {Status.ARRIVED, Status.IN_TREATMENT, Status.COMPLETED}
    return {Status.COMPLETED}


def on_status_changed(sender, *, appointment, previous, by, **kwargs):
    settings = BillingSettings.load()
    status = appointment.status
    if status in billing_statuses(settings):
        services.bill_appointment(appointment=appointment, kind=InvoiceLine.Kind.VISIT, by=by)
    elif status == Status.NO_SHOW:
        services.bill_appointment(appointment=appointment, kind=InvoiceLine.Kind.NO_SHOW, by=by)
    elif status == Status.CANCELLED and appointment.late_cancellation:
        services.bill_appointment(
            appointment=appointment, kind=InvoiceLine.Kind.LATE_CANCELLATION, by=by
        )
    if previous == Status.ARRIVED and status in (Status.BOOKED, Status.CANCELLED):
        # The check-in was undone (or the visit cancelled after it): take the
        # visit off the draft. An issued invoice is corrected by a credit note.
        services.unbill_visit(appointment=appointment, by=by)


def connect() -> None:
    appointment_status_changed.connect(
        on_status_changed, sender=Appointment, dispatch_uid="billing.on_status_changed"
    )
