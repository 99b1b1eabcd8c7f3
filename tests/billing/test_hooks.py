"""Visits and policy fees are invoiced from the appointment lifecycle, through
scheduling's signal (scheduling never imports billing)."""

import ast
import datetime
import pathlib
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services
from billing.models import BillingSettings, CreditNote, Invoice, InvoiceLine
from scheduling import services as scheduling
from tests.factories.billing import fee
from tests.factories.scheduling import AppointmentFactory

D = Decimal


def appointment(status="booked", hours_from_now=-1, **extra):
    start = timezone.now() + datetime.timedelta(hours=hours_from_now)
    return AppointmentFactory(status=status, start_at=start, **extra)


def policy(**fields):
    settings = BillingSettings.load()
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()


@pytest.mark.django_db
def test_completing_a_visit_puts_it_on_the_patients_draft(front_desk):
    visit = appointment("in_treatment")
    fee("55.00", appointment_type=visit.appointment_type)
    scheduling.change_status(appointment=visit, status="completed", by=front_desk)
    line = InvoiceLine.objects.get()
    assert (line.kind, line.total, line.invoice.status) == ("visit", D("55.00"), "draft")
    assert line.invoice.patient == visit.patient


@pytest.mark.django_db
def test_the_practitioners_own_fee_wins(front_desk):
    visit = appointment("in_treatment")
    fee("55.00", appointment_type=visit.appointment_type)
    fee("70.00", appointment_type=visit.appointment_type, practitioner=visit.practitioner)
    scheduling.change_status(appointment=visit, status="completed", by=front_desk)
    assert InvoiceLine.objects.get().total == D("70.00")


@pytest.mark.django_db
def test_several_visits_gather_on_one_draft(front_desk):
    first = appointment("in_treatment")
    second = appointment("in_treatment", hours_from_now=-30, patient=first.patient)
    fee("55.00", appointment_type=first.appointment_type)
    for visit in (first, second):
        scheduling.change_status(appointment=visit, status="completed", by=front_desk)
    assert Invoice.objects.get().lines.count() == 2


@pytest.mark.django_db
def test_at_check_in_when_the_clinic_says_so_and_off_again_if_undone(front_desk):
    policy(invoice_at="check_in")
    visit = appointment("booked", hours_from_now=0)
    fee("55.00", appointment_type=visit.appointment_type)
    scheduling.change_status(appointment=visit, status="arrived", by=front_desk)
    assert InvoiceLine.objects.filter(appointment=visit).exists()
    scheduling.change_status(appointment=visit, status="booked", by=front_desk)
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_no_fee_set_means_no_invoice(front_desk):
    visit = appointment("in_treatment")
    scheduling.change_status(appointment=visit, status="completed", by=front_desk)
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_a_no_show_is_charged_the_policy_fee(front_desk):
    policy(no_show_fee=D("30.00"))
    visit = appointment("booked")
    scheduling.change_status(appointment=visit, status="no_show", by=front_desk)
    line = InvoiceLine.objects.get()
    assert (line.kind, line.total) == ("no_show", D("30.00"))


@pytest.mark.django_db
def test_a_late_cancellation_is_charged_and_an_early_one_is_not(front_desk):
    policy(late_cancellation_fee=D("25.00"))
    late = appointment("booked", hours_from_now=3)
    early = appointment("booked", hours_from_now=72)
    for visit in (late, early):
        scheduling.cancel_appointment(
            appointment=visit, by=front_desk, cancelled_by="patient", reason="Unwell"
        )
    line = InvoiceLine.objects.get()
    assert (line.kind, line.appointment, line.total) == ("late_cancel", late, D("25.00"))


@pytest.mark.django_db
def test_front_desk_waives_a_fee_with_a_reason(front_desk):
    policy(no_show_fee=D("30.00"))
    visit = appointment("booked")
    scheduling.change_status(appointment=visit, status="no_show", by=front_desk)
    line = InvoiceLine.objects.get()
    with pytest.raises(services.BillingError, match="Say why"):
        services.waive_fee(line=line, by=front_desk, reason="")
    services.waive_fee(line=line, by=front_desk, reason="Family emergency")
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_an_issued_fee_is_waived_by_a_credit_note(front_desk):
    policy(no_show_fee=D("30.00"))
    visit = appointment("booked")
    scheduling.change_status(appointment=visit, status="no_show", by=front_desk)
    line = InvoiceLine.objects.get()
    services.issue_invoice(invoice=line.invoice, by=front_desk)
    services.waive_fee(line=line, by=front_desk, reason="Family emergency")
    assert CreditNote.objects.get().amount == D("30.00")
    assert services.amounts(line.invoice).balance == 0


@pytest.mark.django_db
def test_a_billing_failure_undoes_the_status_change(front_desk, monkeypatch):
    visit = appointment("in_treatment")

    def broken(**kwargs):
        raise services.BillingError("no")

    monkeypatch.setattr(services, "bill_appointment", broken)
    with pytest.raises(services.BillingError):
        scheduling.change_status(appointment=visit, status="completed", by=front_desk)
    visit.refresh_from_db()
    assert visit.status == "in_treatment"


def test_scheduling_never_imports_billing():
    for path in pathlib.Path("scheduling").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "billing" for n in names), path
