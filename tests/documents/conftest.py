import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xd9"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 60


def upload(name="letter.pdf", content=PDF_BYTES, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def attach(practitioner):
    from documents.services import attach_document

    def make(patient, **kwargs):
        defaults = {
            "uploaded": upload(),
            "kind": "referral",
            "document_date": "2026-11-20",
            "by": practitioner.user,
        }
        return attach_document(patient=patient, **(defaults | kwargs))

    return make
