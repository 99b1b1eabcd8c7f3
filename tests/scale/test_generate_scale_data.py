"""manage.py generate_scale_data at a tiny scale: the counts add up, the data
keeps every rule the database enforces (exclusion constraints, signed records
with 4–12 placements, the audit hash chain), and it refuses where it must."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from patients.models import Patient
from practitioners.models import Practitioner
from scale.generator import refusal
from scale.plan import SCALE_DOMAIN, SCALE_PASSWORD
from scheduling.models import Appointment
from sessions.models import NeedlePlacement, TreatmentSession

TINY = ["--patients", "50", "--practitioners", "2", "--years", "1", "--no-progress"]


def generate(*args):
    out = StringIO()
    call_command("generate_scale_data", *TINY, *args, stdout=out)
    return out.getvalue()


def scalar(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """One generation for the whole module, rolled back at its end (each test
    runs in a savepoint inside it, as pytest-django nests its transactions)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield generate()
        transaction.set_rollback(True)


def test_it_makes_the_clinic_and_says_how_fast(generated, db):
    assert Patient.objects.count() == 50
    assert Practitioner.objects.count() == 2
    assert User.objects.filter(role="front_desk").count() == 8
    assert User.objects.filter(role="patient").count() == 5  # 10 % have portal accounts
    assert Patient.objects.filter(user__isnull=False).count() == 5
    # Two practitioners, about 300 working days, ~13 visits a day.
    appointments = Appointment.objects.count()
    assert 5000 < appointments < 10000
    assert f"{appointments:,}" in generated
    assert "rows/s" in generated and "Done in" in generated
    statuses = set(Appointment.objects.values_list("status", flat=True))
    assert {"completed", "cancelled", "no_show", "booked"} <= statuses
    # Patient numbers come from the sequence; the search columns are filled in.
    patient = Patient.objects.order_by("id").first()
    assert patient.patient_number.startswith("P")
    assert patient.search_text.endswith(patient.patient_number.lower())


def test_appointments_never_overlap_and_the_constraints_are_back(generated, db):
    constraints = scalar(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'scheduling_appointment'::regclass"
        " AND contype = 'x'"
    )
    assert constraints == 2
    overlapping = scalar(
        """SELECT count(*) FROM (
             SELECT start_at,
                    lag(blocked_until) OVER (PARTITION BY practitioner_id ORDER BY start_at) AS p,
                    lag(blocked_until) OVER (PARTITION BY room_id ORDER BY start_at) AS r
               FROM scheduling_appointment
              WHERE status IN ('booked', 'arrived', 'in_treatment', 'completed')) ordered
            WHERE start_at < p OR start_at < r"""
    )
    assert overlapping == 0
    assert scalar("SELECT count(*) FROM scheduling_appointment WHERE end_at <= start_at") == 0


def test_signed_sessions_are_complete_with_4_to_12_placements(generated, db):
    signed = TreatmentSession.objects.signed()
    assert signed.count() > 4000
    assert signed.count() == Appointment.objects.filter(status="completed").count() - (
        TreatmentSession.objects.drafts().filter(appointment__status="completed").count()
    )
    per_session = scalar(
        """SELECT array[min(n), max(n)] FROM (
             SELECT count(p.id) AS n FROM treatment_sessions_treatmentsession s
               LEFT JOIN treatment_sessions_needleplacement p ON p.session_id = s.id
              WHERE s.signed_at IS NOT NULL GROUP BY s.id) counted"""
    )
    assert per_session[0] >= 4 and per_session[1] <= 12
    assert not signed.filter(nprs_now__isnull=True).exists()
    assert not signed.filter(odi_pain_intensity__isnull=True).exists()
    assert not signed.filter(needles_out_at__isnull=True).exists()
    # Midline points take no side; every other point one.
    assert not NeedlePlacement.objects.filter(acupoint__is_midline=True).exclude(side="midline")
    assert not NeedlePlacement.objects.filter(acupoint__is_midline=False, side="midline")
    # Each practitioner keeps a draft to edit.
    assert TreatmentSession.objects.drafts().count() >= 2


def test_signed_records_are_still_final(generated, db):
    """The row triggers were off for the load only: they guard the data afterwards."""
    session = TreatmentSession.objects.signed().first()
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        TreatmentSession.objects.filter(pk=session.pk).update(plan="changed")
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        NeedlePlacement.objects.create(
            session=session,
            acupoint_id=session.placements.first().acupoint_id,
            side="left",
            needle_id=session.placements.first().needle_id,
        )


def test_the_audit_trail_is_one_intact_chain(generated, db):
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()
    sessions = TreatmentSession.objects.signed().count()
    assert AuditEvent.objects.filter(action="sessions.session.signed").count() == sessions
    assert AuditEvent.objects.filter(action="patients.patient.created").count() == 50
    # A row the app writes afterwards links onto the chain.
    AuditEvent.objects.create(action="test.after", data={})
    call_command("verify_audit", stdout=StringIO())


def test_the_accounts_log_in_with_the_known_password(generated, db, client, settings):
    # The module's data was made before the fast test hasher was switched on.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    patient_user = Patient.objects.filter(user__isnull=False).first().user
    for email in (
        f"frontdesk01@{SCALE_DOMAIN}",
        f"practitioner02@{SCALE_DOMAIN}",
        patient_user.email,
    ):
        response = client.post(reverse("login"), {"username": email, "password": SCALE_PASSWORD})
        assert response.status_code == 302, email
        client.logout()


def test_it_refuses_to_run_twice_unless_cleared(generated, db):
    with pytest.raises(CommandError, match="--clear"):
        generate()
    generate("--clear", "--years", "0.1")
    assert Patient.objects.count() == 50
    assert Appointment.objects.count() < 2000
    call_command("verify_audit", stdout=StringIO())


def test_it_refuses_a_database_with_other_data_unless_forced():
    found = {"scale_users": 0, "other_users": 1, "patients": 3, "appointments": 0, "sessions": 0}
    assert "--force" in refusal(found, clear=False, force=False)
    assert refusal(found, clear=False, force=True) is None
    assert refusal(found, clear=True, force=True) is None
    empty = dict.fromkeys(found, 0)
    assert refusal(empty, clear=False, force=False) is None
    scale_only = empty | {"scale_users": 10, "patients": 50}
    assert "--clear" in refusal(scale_only, clear=False, force=False)
    assert refusal(scale_only, clear=True, force=False) is None


def test_it_never_runs_in_production(settings):
    settings.PRODUCTION = True
    empty = {"scale_users": 0, "other_users": 0, "patients": 0, "appointments": 0, "sessions": 0}
    assert "production" in refusal(empty, clear=True, force=True)
    with pytest.raises(CommandError, match="production"):
        call_command("generate_scale_data", *TINY)


def test_past_visits_are_invoiced_and_mostly_paid(generated, db):
    from billing import reports
    from billing.models import Invoice, InvoiceBalance, Payment

    completed = Appointment.objects.filter(status="completed", end_at__lt=scalar("SELECT now()"))
    invoices = Invoice.objects.count()
    assert invoices == completed.count() > 1000
    numbers = list(Invoice.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, invoices + 1))  # gapless
    assert {"cash", "card", "bank_transfer", "insurer"} <= set(
        Payment.objects.values_list("method", flat=True)
    )
    # The open balances PostgreSQL would keep agree with the invoices' own figures.
    assert (
        scalar(
            "SELECT count(*) FROM billing_invoicebalance b JOIN billing_invoice i ON i.id = b.invoice_id"
            " WHERE b.balance <> i.total - coalesce((SELECT sum(amount) FROM billing_payment p"
            " WHERE p.invoice_id = i.id), 0)"
        )
        == 0
    )
    assert InvoiceBalance.objects.count() == invoices
    aged = reports.aged_balances()
    assert aged.invoices > 0 and all(band > 0 for band in aged.totals)
