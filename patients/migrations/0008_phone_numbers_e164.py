"""Existing phone numbers in E.164, as the forms now store them. A number that
cannot be parsed is kept exactly as it was (never dropped): the patients admin
lists them under "Phone number: Not a dialable number", and
``manage.py unparseable_phones`` prints them."""

import phonenumbers
from django.conf import settings
from django.db import migrations

FIELDS = ("phone", "emergency_contact_phone", "family_doctor_phone")
BATCH = 2000


def e164_or_as_is(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return raw
    try:
        number = phonenumbers.parse(raw, settings.CLINIC_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_possible_number(number):
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    changed = []
    for patient in Patient.objects.only("pk", *FIELDS).order_by("pk").iterator(chunk_size=BATCH):
        dirty = False
        for field in FIELDS:
            value = getattr(patient, field)
            new = e164_or_as_is(value)
            if new != value:
                setattr(patient, field, new)
                dirty = True
        if dirty:
            changed.append(patient)
        if len(changed) >= BATCH:
            Patient.objects.bulk_update(changed, FIELDS)
            changed = []
    if changed:
        Patient.objects.bulk_update(changed, FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0007_consent_text_v1_and_append_only_consents"),
    ]

    operations = [
        # Going back keeps the E.164 numbers: they are valid input to the old forms too.
        migrations.RunPython(normalise, migrations.RunPython.noop),
    ]
