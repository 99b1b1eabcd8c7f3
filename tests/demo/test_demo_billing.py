"""The demo has weeks of invoices and payments (issue 15): gapless numbers in
date order, every money method, something owed, no-show fees, coded records,
and the featured patient's package redeemed visit by visit."""

from io import StringIO

import pytest
from django.core.management import call_command

from billing import reports
from billing.models import Invoice, Package, Payment, SessionCoding

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO())


def test_the_demo_has_weeks_of_invoices_numbered_without_gaps_in_date_order():
    invoices = list(Invoice.objects.exclude(number=None).order_by("number"))
    assert len(invoices) > 100
    assert [i.number for i in invoices] == list(range(1, len(invoices) + 1))
    dates = [i.issued_at for i in invoices]
    assert dates == sorted(dates)
    assert (dates[-1] - dates[0]).days >= 18


def test_the_demo_takes_every_kind_of_payment_and_has_money_owed():
    methods = set(Payment.objects.values_list("method", flat=True))
    assert {"cash", "card", "bank_transfer", "insurer", "package"} <= methods
    aged = reports.aged_balances()
    assert aged.invoices > 0 and aged.total > 0
    assert Invoice.objects.filter(lines__kind="no_show").exists()


def test_the_featured_patient_redeems_a_package_and_records_are_coded():
    package = Package.objects.get(patient__user__email="patient@example.com")
    assert 0 < package.used < package.treatments
    assert SessionCoding.objects.exists()


def test_seeding_twice_adds_no_invoices():
    before = Invoice.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Invoice.objects.count() == before
