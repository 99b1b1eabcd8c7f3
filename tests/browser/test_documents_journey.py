"""Documents in a real browser on a phone: the patient finds the report the
clinic shared with her under Documents, downloads it, and sends one of her own;
a disguised file is refused with a message."""

import pytest
from playwright.sync_api import expect

from documents.models import Document
from documents.services import attach_document
from tests.browser.conftest import PHONE, login
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def viewport():
    return PHONE


def test_a_patient_reads_and_sends_documents_on_a_phone(
    page, live_server, patient_a, practitioner, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    attach_document(
        patient=patient_a,
        uploaded=SimpleUploadedFile("MRI report.pdf", b"%PDF-1.4 MRI %%EOF"),
        kind="imaging",
        document_date="2026-10-20",
        by=practitioner.user,
        shared_with_patient=True,
    )
    login(page, live_server, patient_a.user.email, PASSWORD)
    page.goto(f"{live_server.url}/documents/mine/")
    expect(page.get_by_test_id("document-row")).to_contain_text("MRI report.pdf")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"
    with page.expect_download() as download:
        page.get_by_role("link", name="MRI report.pdf").click()
    assert download.value.suggested_filename == "MRI report.pdf"

    disguised = tmp_path / "scan.pdf"
    disguised.write_bytes(b"MZ\x90\x00 not a pdf")
    page.get_by_label("File").set_input_files(disguised)
    page.get_by_label("What is it?").select_option("imaging")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("not a PDF, JPEG or PNG")).to_be_visible()
    assert Document.objects.count() == 1

    scan = tmp_path / "my scan.pdf"
    scan.write_bytes(b"%PDF-1.4 my own scan %%EOF")
    page.get_by_label("File").set_input_files(scan)
    page.get_by_label("What is it?").select_option("imaging")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert").first).to_contain_text("the clinic has your document")
    expect(page.get_by_test_id("document-row")).to_have_count(2)
