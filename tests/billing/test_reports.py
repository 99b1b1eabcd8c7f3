"""Takings by method, outstanding balances by age, revenue, CSV exports; each
page a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import ProgrammingError, connection, transaction
from django.utils import timezone

from billing import reports, services
from billing.models import BillingSettings, InvoiceBalance
from tests.factories.billing import issued_invoice

D = Decimal


def age(invoice, days):
    """Pretend the invoice was issued ``days`` ago (tests only: past the guard)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE billing_invoicebalance SET issued_at = issued_at - %s WHERE invoice_id = %s",
            [datetime.timedelta(days=days), invoice.pk],
        )
        cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.mark.django_db
def test_takings_by_method_with_refunds_and_credit(front_desk):
    first = issued_invoice(by=front_desk)
    second = issued_invoice(by=front_desk)
    services.take_payment(invoice=first, method="cash", amount=D("20"), by=front_desk)
    card = services.take_payment(invoice=first, method="card", amount=D("40"), by=front_desk)
    services.take_payment(
        invoice=second, method="cash", amount=D("70"), by=front_desk, keep_excess_as_credit=True
    )
    services.refund_payment(payment=card, amount=D("5"), reason="Goodwill", by=front_desk)
    report = reports.takings(timezone.localdate())
    rows = {r.method: r for r in report.rows}
    assert (rows["cash"].count, rows["cash"].received) == (2, D("90.00"))
    assert (rows["card"].received, rows["card"].refunded) == (D("40.00"), D("5.00"))
    assert report.net == D("125.00")
    assert reports.takings(timezone.localdate() - datetime.timedelta(days=1)).net == 0


@pytest.mark.django_db
def test_outstanding_balances_by_age(front_desk):
    invoices = [issued_invoice(by=front_desk) for _ in range(5)]
    for invoice, days in zip(invoices, (0, 45, 75, 120, 10), strict=True):
        age(invoice, days)
    services.take_payment(invoice=invoices[4], method="cash", amount=D("60"), by=front_desk)
    services.issue_credit_note(invoice=invoices[3], amount=D("10"), reason="x", by=front_desk)
    report = reports.aged_balances()
    assert report.totals == [D("60.00"), D("60.00"), D("60.00"), D("50.00")]
    assert (report.total, report.invoices) == (D("230.00"), 4)


@pytest.mark.django_db
def test_the_open_balances_are_written_by_postgres_alone(front_desk):
    invoice = issued_invoice(by=front_desk)
    assert InvoiceBalance.objects.get(invoice=invoice).balance == D("60.00")
    services.take_payment(invoice=invoice, method="card", amount=D("25"), by=front_desk)
    assert InvoiceBalance.objects.get(invoice=invoice).balance == D("35.00")
    with pytest.raises(ProgrammingError, match="kept by PostgreSQL"), transaction.atomic():
        InvoiceBalance.objects.filter(invoice=invoice).update(balance=0)


@pytest.mark.django_db
def test_revenue_by_month_practitioner_and_type(front_desk):
    invoice = issued_invoice(by=front_desk)
    rows = reports.revenue(timezone.localdate(), timezone.localdate())
    assert [(r["visits"], r["net"]) for r in rows] == [(1, D("60.00"))]
    assert rows[0]["appointment__practitioner__user__full_name"] == str(
        invoice.lines.get().appointment.practitioner.user.full_name
    )


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


@pytest.mark.django_db
def test_the_csv_exports(desk, front_desk):
    invoice = issued_invoice(by=front_desk)
    services.take_payment(
        invoice=invoice, method="card", amount=D("60"), by=front_desk, reference="slip 9"
    )
    invoices = b"".join(desk.get("/billing/exports/invoices.csv").streaming_content).decode()
    payments = b"".join(desk.get("/billing/exports/payments.csv").streaming_content).decode()
    assert invoices.splitlines()[0].startswith("invoice_number,issue_date,status")
    assert ",GBP,60.00,0.00,60.00,0.00,60.00,0.00," in invoices
    assert "card,60.00,0.00,0.00,slip 9" in payments
    assert (
        desk.get("/billing/exports/invoices.csv?start=2026-02-01&end=2026-01-01").status_code == 400
    )
    assert desk.get("/billing/exports/other.csv").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/billing/reports/takings/", 8),
        ("/billing/reports/aged/", 8),
        ("/billing/reports/revenue/", 7),
    ],
)
def test_report_pages_make_a_fixed_number_of_queries(
    desk, front_desk, django_assert_num_queries, path, queries
):
    BillingSettings.load()
    for _ in range(3):
        invoice = issued_invoice(by=front_desk)
        services.take_payment(invoice=invoice, method="cash", amount=D("20"), by=front_desk)
    # session, user, the report (2 queries, revenue 1), billing settings, session refresh (3)
    with django_assert_num_queries(queries):
        assert desk.get(path).status_code == 200


@pytest.mark.django_db
def test_practitioners_see_their_own_revenue_only_when_the_clinic_allows(client, front_desk):
    invoice = issued_invoice(by=front_desk)
    practitioner = invoice.lines.get().appointment.practitioner
    client.force_login(practitioner.user)
    assert client.get("/billing/reports/revenue/").status_code == 403
    settings = BillingSettings.load()
    settings.practitioners_see_own_revenue = True
    settings.save()
    response = client.get("/billing/reports/revenue/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1
    issued_invoice(by=front_desk)  # another practitioner's
    assert len(client.get("/billing/reports/revenue/").context["rows"]) == 1
