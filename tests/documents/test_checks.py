"""Files are judged by their content, never their name or declared type."""

import pytest
from django.core.exceptions import ValidationError

from documents.checks import JPEG, PDF, PNG, check_content, clean_name
from tests.documents.conftest import EXE_BYTES, JPEG_BYTES, PDF_BYTES, PNG_BYTES, upload


@pytest.mark.parametrize(
    ("content", "expected"), [(PDF_BYTES, PDF), (PNG_BYTES, PNG), (JPEG_BYTES, JPEG)]
)
def test_the_three_formats_are_recognised_whatever_the_name(content, expected):
    assert check_content(upload("whatever.txt", content, "text/plain")) is expected


def test_an_exe_renamed_pdf_is_refused():
    with pytest.raises(ValidationError, match="not a PDF, JPEG or PNG"):
        check_content(upload("scan.pdf", EXE_BYTES, "application/pdf"))


def test_heic_is_refused():
    heic = b"\x00\x00\x00\x18ftypheic" + b"\x00" * 20
    with pytest.raises(ValidationError, match="not a PDF, JPEG or PNG"):
        check_content(upload("IMG_0001.HEIC", heic, "image/heic"))


def test_an_oversized_file_is_refused(settings):
    settings.DOCUMENTS_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="too large"):
        check_content(upload(content=PDF_BYTES + b"x" * 2000))


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "a\\b.pdf", "bad\x00.pdf", "tab\tname.pdf", "rtl\u202egpj.pdf"]
)
def test_names_with_paths_or_control_characters_are_refused(name):
    with pytest.raises(ValidationError, match="folder path or control characters"):
        clean_name(name, PDF)


@pytest.mark.parametrize(
    ("name", "found", "clean"),
    [
        ("MRI report.pdf", PDF, "MRI report.pdf"),
        ("photo.JPEG", JPEG, "photo.JPEG"),
        ("scan.pdf", PNG, "scan.pdf.png"),  # the extension follows the content
        ("  spaced   out  .png", PNG, "spaced out.png"),
    ],
)
def test_names_are_kept_readable_with_the_right_extension(name, found, clean):
    assert clean_name(name, found) == clean
