"""What a file is, by its content: the first bytes of the three formats the
clinic accepts, whatever the file's name or the type the browser declared.

HEIC is not accepted: no well-kept pure-Python library decodes or reliably
identifies it (pillow-heif wraps the C library libheif), and staff and patients
can send a phone photo as JPEG.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extension: str


PDF = FileType("PDF", "application/pdf", ".pdf")
JPEG = FileType("JPEG", "image/jpeg", ".jpg")
PNG = FileType("PNG", "image/png", ".png")

_EXTENSIONS = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}
MAX_NAME = 150


def detect(head: bytes) -> FileType | None:
    """The accepted type whose signature starts ``head``, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def check_content(uploaded) -> FileType:
    """The file's type, or ValidationError with a message a person can act on."""
    size = uploaded.size
    limit = settings.DOCUMENTS_MAX_BYTES
    if size > limit:
        raise ValidationError(
            f"The file is too large ({size / 1048576:.1f} MB): the limit is "
            f"{limit / 1048576:.0f} MB. Scan at a lower resolution or split it."
        )
    if size == 0:
        raise ValidationError("The file is empty.")
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    found = detect(head)
    if found is None:
        raise ValidationError(
            "This file is not a PDF, JPEG or PNG (checked by its content, not its name). "
            "Save or scan it as one of these and try again."
        )
    return found


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(name: str, found: FileType) -> str:
    """The name shown and offered on download: refused if it holds a path or
    control characters; its extension matches the content."""
    if (
        "/" in name
        or "\\" in name
        or _CONTROL.search(name)
        or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name)
    ):
        raise ValidationError(
            "The file name contains a folder path or control characters: rename the file "
            "(letters, digits, spaces, dots and dashes) and try again."
        )
    name = " ".join(name.split()).strip(" .")
    if not name:
        raise ValidationError("The file has no name: rename it and try again.")
    stem, dot, extension = name.rpartition(".")
    if dot and stem.strip() and _EXTENSIONS.get("." + extension.lower()) is found:
        extension = "." + extension
    else:  # no extension, or one another type's: the content's own is added
        stem, extension = name, found.extension
    return stem.strip()[: MAX_NAME - len(extension)] + extension
