from decimal import Decimal

from billing.models import Fee
from tests.factories.scheduling import AppointmentFactory, AppointmentTypeFactory


def fee(amount="60.00", appointment_type=None, practitioner=None) -> Fee:
    return Fee.objects.create(
        appointment_type=appointment_type or AppointmentTypeFactory(),
        practitioner=practitioner,
        amount=Decimal(amount),
    )


def billed_visit(*, by=None, amount="60.00", **appointment):
    """A completed appointment on its patient's draft invoice, and the line."""
    from billing import services

    visit = AppointmentFactory(status="completed", **appointment)
    Fee.objects.get_or_create(
        appointment_type=visit.appointment_type,
        practitioner=None,
        defaults={"amount": Decimal(amount)},
    )
    line = services.bill_appointment(appointment=visit, by=by)
    return visit, line


def issued_invoice(*, by=None, amount="60.00", **appointment):
    from billing import services

    _visit, line = billed_visit(by=by, amount=amount, **appointment)
    return services.issue_invoice(invoice=line.invoice, by=by)
