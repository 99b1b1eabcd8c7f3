"""Invoices, receipts, credit notes and superbills as PDF and printable pages;
e-mailed through the message queue; the practitioner's codes on the record."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import ProgrammingError, connection, transaction

from billing import coding, documents, services
from billing.models import BillingSettings, PractitionerRegistration, SessionCoding
from notifications.models import OutboundMessage
from notifications.services import send_queued
from tests.factories.billing import billed_visit
from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory, sign

D = Decimal


def coded_paid_invoice(front_desk, *, electro=False, minutes=30):
    visit, line = billed_visit(by=front_desk)
    session = TreatmentSessionFactory(
        practitioner=visit.practitioner,
        patient=visit.patient,
        appointment=visit,
        pain_cause="herniated_disc",
        needles_in_at=visit.start_at,
        needles_out_at=visit.start_at + datetime.timedelta(minutes=minutes),
    )
    NeedlePlacementFactory(session=session, **({"stimulation": "electro"} if electro else {}))
    sign(session)
    codes = coding.suggested(list(coding.codes_for(BillingSettings.load())), session.pain_cause)
    coding.record_coding(
        session=session, codes=codes, cpt=coding.derived_cpt(session), by=visit.practitioner.user
    )
    services.take_payment(invoice=line.invoice, method="card", amount=D("60"), by=front_desk)
    return line.invoice, session


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["invoice", "receipt", "superbill"])
def test_each_document_downloads_as_a_pdf(desk, front_desk, kind):
    invoice, _ = coded_paid_invoice(front_desk)
    response = desk.get(f"/billing/invoices/{invoice.uuid}/{kind}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"{kind}-INV-000001.pdf" in response["Content-Disposition"]


@pytest.mark.django_db
def test_a_credit_note_downloads_as_a_pdf(desk, front_desk):
    invoice, _ = coded_paid_invoice(front_desk)
    note = services.issue_credit_note(
        invoice=invoice, amount=D("5"), reason="Discount", by=front_desk
    )
    response = desk.get(f"/billing/credit-notes/{note.uuid}.pdf")
    assert response.content.startswith(b"%PDF")


def test_names_print_as_they_are_spelt_and_what_the_font_lacks_plainly():
    # The embedded DejaVu Sans: Czech, Polish, the euro and the minus sign as they are.
    assert documents.pdf_text("Jean Dvořák, Zoë Wiśniewska-Łukasz €5 − 2") == (
        "Jean Dvořák, Zoë Wiśniewska-Łukasz €5 − 2"
    )
    # No Chinese in the font: '?' rather than a broken document.
    assert documents.pdf_text("王 Wang") == "? Wang"


@pytest.mark.django_db
def test_the_superbill_shows_the_codes_and_the_licence_as_signed(desk, front_desk):
    invoice, session = coded_paid_invoice(front_desk)
    PractitionerRegistration.objects.create(
        practitioner=session.practitioner, registration_number="REG-777"
    )
    text = desk.get(f"/billing/invoices/{invoice.uuid}/superbill/").content.decode()
    assert "M51.1" in text and "M51.2" in text  # herniated disc (WHO ICD-10)
    assert session.signed_licence_number in text and "REG-777" in text
    assert "CPT" not in text  # not a US clinic
    assert "Lower back pain after lifting" not in text  # nothing clinical but the codes


@pytest.mark.django_db
def test_a_us_clinic_prints_icd10cm_and_cpt_derived_from_the_record(desk, front_desk):
    settings = BillingSettings.load()
    settings.country = "US"
    settings.save()
    invoice, session = coded_paid_invoice(front_desk, electro=True, minutes=40)
    assert coding.current_coding(session).procedure_codes == [["97813", 1], ["97814", 2]]
    text = desk.get(f"/billing/invoices/{invoice.uuid}/superbill/").content.decode()
    assert "M51.16" in text and "97813 ×1" in text and "97814 ×2" in text


@pytest.mark.django_db
def test_codings_are_append_only(front_desk):
    _, session = coded_paid_invoice(front_desk)
    with (
        pytest.raises(ProgrammingError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE billing_sessioncoding SET diagnosis_codes = '{M54.5}'")
    coding.record_coding(session=session, codes=["M54.5"], cpt=[], by=session.practitioner.user)
    assert coding.current_coding(session).diagnosis_codes == ["M54.5"]
    assert SessionCoding.objects.count() == 2


@pytest.mark.django_db
def test_the_practitioner_picks_codes_on_the_record(client, front_desk):
    _, session = coded_paid_invoice(front_desk)
    client.force_login(session.practitioner.user)
    url = f"/billing/records/{session.uuid}/codes/"
    page = client.get(url).content.decode()
    assert "Suggested from the recorded cause: M51.1, M51.2" in page
    assert client.post(url, {"codes": []}).status_code == 200  # at least one code
    assert client.post(url, {"codes": ["M54.5", "M54.3"]}).status_code == 302
    assert coding.current_coding(session).diagnosis_codes == ["M54.5", "M54.3"]  # as picked
    record = client.get(f"/records/{session.uuid}/").content.decode()
    assert url in record


@pytest.mark.django_db
def test_a_document_is_emailed_through_the_message_queue(
    desk, front_desk, django_capture_on_commit_callbacks
):
    invoice, _ = coded_paid_invoice(front_desk)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(f"/billing/invoices/{invoice.uuid}/receipt/email/")
    assert response.status_code == 302
    message = OutboundMessage.objects.get(kind="document")
    # Queued in the request; the worker (deliver_messages) sends it.
    assert message.status == "queued" and not mail.outbox
    send_queued()
    message.refresh_from_db()
    assert message.status == "sent"
    (email,) = mail.outbox
    assert email.subject.startswith("Receipt INV-000001")
    assert email.attachments[0][0] == "receipt-INV-000001.pdf"
