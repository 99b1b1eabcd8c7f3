"""Phone numbers: parsed with Google's libphonenumber (``phonenumbers``) and
stored in E.164 (``+447700900123``), with the clinic's country
(settings.CLINIC_PHONE_REGION) for numbers written without a country code.

A number is accepted when it has a possible length and shape for its country;
the Ofcom drama ranges the demo uses (07700 900xxx) are possible but not
"valid" to libphonenumber, so validity is not required.
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberType

E164_SQL = r"^\+[1-9][0-9]{6,14}$"  # the same, for PostgreSQL's ~ (phone__regex)
E164 = re.compile(E164_SQL)

# Types that cannot receive a text message. UNKNOWN (a number libphonenumber
# cannot place, such as the drama ranges) is not among them: the gateway
# decides, and a failure is stored on the message.
NOT_TEXTABLE = frozenset(
    {
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.UAN,
        PhoneNumberType.VOICEMAIL,
    }
)

INVALID_MESSAGE = (
    "Enter a phone number we can dial, such as 07700 900123 or, from abroad, +33 6 12 34 56 78."
)


def to_e164(raw: str, region: str | None = None) -> str:
    """``raw`` in E.164, '' for a blank one; ValueError when it cannot be a
    phone number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or settings.CLINIC_PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValueError(str(error)) from error
    if not phonenumbers.is_possible_number(number):
        raise ValueError(f"{raw!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_or_keep(raw: str) -> str:
    """E.164 when ``raw`` parses, otherwise ``raw`` unchanged (never dropped)."""
    try:
        return to_e164(raw)
    except ValueError:
        return raw


def clean_phone(raw: str) -> str:
    """For forms: E.164, or a ValidationError with a message a person can act on."""
    try:
        return to_e164(raw)
    except ValueError:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone") from None


def textable_number(stored: str) -> str:
    """The stored number if a text message can go to it (E.164, not a known
    landline), else ''. Numbers never normalised (listed by
    ``manage.py unparseable_phones``) get no texts."""
    if not stored or not E164.match(stored):
        return ""
    try:
        number = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return ""
    return "" if phonenumbers.number_type(number) in NOT_TEXTABLE else stored


def display(stored: str) -> str:
    """An E.164 number in the national format when it has the clinic's
    country code (international for a foreign one); anything else as stored."""
    if not stored or not E164.match(stored):
        return stored
    number = phonenumbers.parse(stored, None)
    home = phonenumbers.country_code_for_region(settings.CLINIC_PHONE_REGION)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def national_search_digits(digits: str) -> str:
    """For patient search: digits typed with the national prefix ("07700")
    as they appear in a stored E.164 number ("447700"); '' when they have none."""
    from phonenumbers import PhoneMetadata, country_code_for_region

    region = settings.CLINIC_PHONE_REGION
    metadata = PhoneMetadata.metadata_for_region(region)
    prefix = (metadata.national_prefix if metadata else None) or ""
    if not prefix or not digits.startswith(prefix) or len(digits) <= len(prefix):
        return ""
    return f"{country_code_for_region(region)}{digits[len(prefix) :]}"
