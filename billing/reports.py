"""Billing reports, each one query whatever the data size: the end-of-day
takings by payment method, outstanding balances by age, revenue by
practitioner, appointment type and month; and the CSV exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from billing.models import Invoice, InvoiceLine, Payment, Refund
from billing.money import ZERO

AGE_BANDS = ("0–30 days", "31–60 days", "61–90 days", "over 90 days")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The clinic's day in UTC (right across DST: midnight to midnight, local)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


@dataclass
class TakingsRow:
    method: str
    label: str
    count: int = 0
    received: Decimal = ZERO
    refunded: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded


@dataclass
class Takings:
    day: date
    rows: list[TakingsRow]
    total_received: Decimal = ZERO
    total_refunded: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.total_received - self.total_refunded


def takings(day: date) -> Takings:
    """Money taken on ``day`` (overpayments kept as credit included) and refunds
    given, by method: two queries. Package and account-credit payments spend
    what was paid before and are listed apart (not cash in the till)."""
    start, end = day_bounds(day)
    received = {
        row["method"]: row
        for row in Payment.objects.filter(taken_at__gte=start, taken_at__lt=end)
        .values("method")
        .annotate(n=Count("id"), total=Sum(F("amount") + F("credited")))
        .order_by()
    }
    refunded = dict(
        Refund.objects.filter(refunded_at__gte=start, refunded_at__lt=end)
        .values("payment__method")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("payment__method", "total")
    )
    rows = []
    for method, label in Payment.Method.choices:
        got = received.get(method, {})
        rows.append(
            TakingsRow(
                method=method,
                label=label,
                count=got.get("n", 0),
                received=got.get("total") or ZERO,
                refunded=refunded.get(method) or ZERO,
            )
        )
    money_rows = [r for r in rows if r.method in Payment.TAKINGS_METHODS]
    return Takings(
        day=day,
        rows=rows,
        total_received=sum((r.received for r in money_rows), ZERO),
        total_refunded=sum((r.refunded for r in money_rows), ZERO),
    )


@dataclass
class AgedRow:
    patient_id: int
    name: str
    patient_number: str
    uuid: str
    bands: list[Decimal] = field(default_factory=list)
    total: Decimal = ZERO


AGED_SQL = """
SELECT b.patient_id, p.first_name || ' ' || p.last_name, p.patient_number, p.uuid,
       sum(b.balance) FILTER (WHERE age <= 30),
       sum(b.balance) FILTER (WHERE age BETWEEN 31 AND 60),
       sum(b.balance) FILTER (WHERE age BETWEEN 61 AND 90),
       sum(b.balance) FILTER (WHERE age > 90),
       sum(b.balance)
  FROM (SELECT patient_id, balance,
               %(today)s::date - (issued_at AT TIME ZONE %(zone)s)::date AS age
          FROM billing_invoicebalance WHERE balance <> 0) b
  JOIN patients_patient p ON p.id = b.patient_id
 GROUP BY b.patient_id, p.first_name, p.last_name, p.patient_number, p.uuid
HAVING sum(b.balance) > 0
 ORDER BY sum(b.balance) DESC, b.patient_id
 LIMIT %(limit)s
"""

AGED_TOTALS_SQL = """
SELECT sum(balance) FILTER (WHERE age <= 30),
       sum(balance) FILTER (WHERE age BETWEEN 31 AND 60),
       sum(balance) FILTER (WHERE age BETWEEN 61 AND 90),
       sum(balance) FILTER (WHERE age > 90),
       sum(balance), count(*)
  FROM (SELECT balance, %(today)s::date - (issued_at AT TIME ZONE %(zone)s)::date AS age
          FROM billing_invoicebalance WHERE balance > 0) b
"""


@dataclass
class AgedBalances:
    today: date
    rows: list[AgedRow]
    totals: list[Decimal]
    total: Decimal
    invoices: int


def aged_balances(today: date | None = None, limit: int = 200) -> AgedBalances:
    """What is owed, by patient and by age since the invoice was issued (0–30,
    31–60, 61–90, 90+ days): two queries over the open balances only."""
    today = today or timezone.localdate()
    params = {"today": today, "zone": settings.TIME_ZONE, "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(AGED_SQL, params)
        rows = [
            AgedRow(
                patient_id=r[0],
                name=r[1],
                patient_number=r[2],
                uuid=str(r[3]),
                bands=[v or ZERO for v in r[4:8]],
                total=r[8],
            )
            for r in cursor.fetchall()
        ]
        cursor.execute(AGED_TOTALS_SQL, params)
        totals = cursor.fetchone()
    return AgedBalances(
        today=today,
        rows=rows,
        totals=[v or ZERO for v in totals[:4]],
        total=totals[4] or ZERO,
        invoices=totals[5],
    )


def revenue(start: date, end: date, *, practitioner=None) -> list[dict]:
    """Invoiced (issued, not void) by month, practitioner and appointment type,
    net of tax, from ``start`` to ``end`` inclusive; one query. Lines without an
    appointment (items, packages) are under 'Other items'."""
    lo, _ = day_bounds(start)
    _, hi = day_bounds(end)
    lines = InvoiceLine.objects.filter(
        invoice__status=Invoice.Status.ISSUED, invoice__issued_at__gte=lo, invoice__issued_at__lt=hi
    )
    if practitioner is not None:
        lines = lines.filter(appointment__practitioner=practitioner)
    return list(
        lines.annotate(month=TruncMonth("invoice__issued_at"))
        .values(
            "month",
            "appointment__practitioner__user__full_name",
            "appointment__appointment_type__name",
        )
        .annotate(
            visits=Count("id", filter=Q(kind=InvoiceLine.Kind.VISIT)),
            net=Coalesce(Sum("net"), ZERO),
            tax=Coalesce(Sum("tax"), ZERO),
        )
        .order_by(
            "month",
            "appointment__practitioner__user__full_name",
            "appointment__appointment_type__name",
        )
    )
