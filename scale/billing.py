"""Invoices and payments for the scale data's past visits, in set-based SQL.

Every completed appointment gets an issued invoice (one line, the type's fee),
numbered without gaps in the order the visits ended. Most are paid at the desk
(cash or card), some by transfer or the insurer days later, some in part; a few
recent ones and one in a hundred older ones stay owed, so the outstanding-
balances report has every age band. Row triggers are off for the load (the
generator's ``triggers_off``), so the open balances PostgreSQL would keep
(billing_invoicebalance) are written here, from the same figures.
"""

from __future__ import annotations

from django.db import connection

FEES = """
INSERT INTO billing_fee (appointment_type_id, practitioner_id, amount)
SELECT id, NULL, 45 + 10 * (row_number() OVER (ORDER BY duration_minutes, id) % 4)
  FROM scheduling_appointmenttype
ON CONFLICT DO NOTHING
"""

BILLABLE = """
CREATE TEMP TABLE scale_billable ON COMMIT DROP AS
SELECT a.id AS appointment_id, a.patient_id, a.start_at, a.end_at, f.amount,
       row_number() OVER (ORDER BY a.end_at, a.id) AS n,
       abs(hashtext(a.uuid::text)) %% 100 AS roll
  FROM scheduling_appointment a
  JOIN billing_fee f ON f.appointment_type_id = a.appointment_type_id AND f.practitioner_id IS NULL
 WHERE a.id BETWEEN %(appointments_from)s AND %(appointments_to)s
   AND a.status = 'completed' AND a.end_at < now()
"""

INVOICES = """
INSERT INTO billing_invoice (uuid, patient_id, status, prefix, number, currency, subtotal,
                             tax_total, total, tax_note, created_at, issued_at, void_reason)
SELECT gen_random_uuid(), patient_id, 'issued', 'INV-', %(base)s + n, 'GBP', amount, 0, amount,
       '', end_at, end_at + interval '5 minutes', ''
  FROM scale_billable
"""

LINES = """
INSERT INTO billing_invoiceline (invoice_id, kind, appointment_id, description, quantity,
                                 unit_price, tax_rate, net, tax, total, created_at)
SELECT i.id, 'visit', b.appointment_id, 'Treatment, ' || to_char(b.start_at, 'DD Mon YYYY'),
       1, b.amount, 0, b.amount, 0, b.amount, b.end_at
  FROM scale_billable b JOIN billing_invoice i ON i.number = %(base)s + b.n
"""

# roll: 0–3 owed if recent (and 0 owed whatever its age); 4–9 half now, rest a week later;
# 10–17 bank transfer in 2 days; 18–23 insurer in 10 days; 24–59 card; 60–99 cash.
PAYMENTS = """
INSERT INTO billing_payment (uuid, invoice_id, method, amount, credited, reference, taken_at)
SELECT gen_random_uuid(), i.id, p.method, p.amount, 0, '', p.taken_at
  FROM scale_billable b
  JOIN billing_invoice i ON i.number = %(base)s + b.n
  CROSS JOIN LATERAL (
    VALUES
      (CASE WHEN b.roll BETWEEN 4 AND 9 THEN 'cash'
            WHEN b.roll BETWEEN 10 AND 17 THEN 'bank_transfer'
            WHEN b.roll BETWEEN 18 AND 23 THEN 'insurer'
            WHEN b.roll BETWEEN 24 AND 59 THEN 'card' ELSE 'cash' END,
       CASE WHEN b.roll BETWEEN 4 AND 9 THEN round(b.amount / 2, 2) ELSE b.amount END,
       i.issued_at + CASE WHEN b.roll BETWEEN 10 AND 17 THEN interval '2 days'
                          WHEN b.roll BETWEEN 18 AND 23 THEN interval '10 days'
                          ELSE interval '0' END),
      (CASE WHEN b.roll BETWEEN 4 AND 9 THEN 'card' END,
       b.amount - round(b.amount / 2, 2),
       i.issued_at + interval '7 days')
  ) AS p(method, amount, taken_at)
 WHERE p.method IS NOT NULL
   AND p.taken_at < now()
   AND NOT (b.roll = 0 OR (b.roll BETWEEN 1 AND 3 AND b.end_at > now() - interval '100 days'))
"""

BALANCES = """
INSERT INTO billing_invoicebalance (invoice_id, patient_id, issued_at, balance)
SELECT i.id, i.patient_id, i.issued_at, i.total - coalesce(sum(p.amount), 0)
  FROM billing_invoice i LEFT JOIN billing_payment p ON p.invoice_id = i.id
 WHERE i.number > %(base)s
 GROUP BY i.id
"""

SERIES = """
INSERT INTO billing_numberseries (key, next_number)
VALUES ('invoice', (SELECT coalesce(max(number), 0) + 1 FROM billing_invoice)), ('credit_note', 1)
ON CONFLICT (key) DO UPDATE SET next_number = EXCLUDED.next_number
WHERE billing_numberseries.key = 'invoice'
"""


def write_billing(ranges: dict[str, int]) -> int:
    """Invoices, lines, payments and open balances; returns the rows written."""
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(FEES)
        cursor.execute("SELECT coalesce(max(number), 0) FROM billing_invoice")
        (base,) = cursor.fetchone()
        params = {**ranges, "base": base}
        cursor.execute(BILLABLE, params)
        for statement in (INVOICES, LINES, PAYMENTS, BALANCES):
            cursor.execute(statement, params)
            written += cursor.rowcount
        cursor.execute(SERIES)
        # Dropped now: a second run in the same transaction (--clear) makes it again.
        cursor.execute("DROP TABLE scale_billable")
    return written
