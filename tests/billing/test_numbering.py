"""Invoice numbers are sequential without gaps and never repeat, even when many
clerks issue at once, and a failed issue gives its number back."""

import threading

import pytest
from django.db import connections, transaction

from billing import services
from billing.models import Invoice
from tests.factories import PatientFactory
from tests.factories.billing import billed_visit


@pytest.mark.django_db
def test_it_numbers_invoices_one_after_another(front_desk):
    numbers = []
    for _ in range(3):
        _, line = billed_visit(by=front_desk)
        numbers.append(services.issue_invoice(invoice=line.invoice, by=front_desk).number)
    assert numbers == [1, 2, 3]


@pytest.mark.django_db
def test_a_rolled_back_issue_gives_its_number_back(front_desk):
    _, first = billed_visit(by=front_desk)
    _, second = billed_visit(by=front_desk)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.issue_invoice(invoice=first.invoice, by=front_desk)
        raise RuntimeError("the request failed after issuing")
    assert services.issue_invoice(invoice=second.invoice, by=front_desk).number == 1


@pytest.mark.django_db
def test_an_empty_draft_is_refused_and_takes_no_number(front_desk):
    draft = services.open_draft(patient=PatientFactory(), by=front_desk)
    with pytest.raises(services.BillingError, match="at least one line"):
        services.issue_invoice(invoice=draft, by=front_desk)
    _, line = billed_visit(by=front_desk)
    assert services.issue_invoice(invoice=line.invoice, by=front_desk).number == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_clerks_issuing_at_once_leave_no_gap_and_no_duplicate(front_desk):
    drafts = []
    for _n in range(12):
        _, line = billed_visit(by=front_desk)
        drafts.append(line.invoice)
    barrier = threading.Barrier(len(drafts))
    errors: list[str] = []
    lock = threading.Lock()

    def issue(draft, fail):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                services.issue_invoice(invoice=draft, by=front_desk)
                if fail:  # a request that fails after taking its number
                    raise RuntimeError("boom")
        except RuntimeError as error:
            with lock:
                errors.append(str(error))
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [
        threading.Thread(target=issue, args=(draft, n % 4 == 0)) for n, draft in enumerate(drafts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == ["boom"] * 3
    numbers = sorted(Invoice.objects.exclude(number=None).values_list("number", flat=True))
    assert numbers == list(range(1, 10))  # 9 issued, numbered 1..9, none twice, none missing
    assert Invoice.objects.filter(status="draft").count() == 3
