"""List the patients whose phone numbers are not in E.164: numbers that could
not be parsed when they were normalised, kept as typed for someone to correct
(they get no text messages meanwhile). The patients admin has the same list
(filter "Phone number: Not a dialable number")."""

from django.core.management.base import BaseCommand
from django.db.models import Q

from patients.models import Patient
from patients.phones import E164, E164_SQL

FIELDS = ("phone", "emergency_contact_phone", "family_doctor_phone")


class Command(BaseCommand):
    help = "List patients with a phone number that is not in E.164 (to correct by hand)."

    def handle(self, *args, **options):
        not_e164 = Q()
        for field in FIELDS:
            not_e164 |= ~Q(**{field: ""}) & ~Q(**{f"{field}__regex": E164_SQL})
        patients = Patient.objects.filter(not_e164).order_by("patient_number")
        count = 0
        for patient in patients.values("patient_number", "last_name", "first_name", *FIELDS):
            for field in FIELDS:
                value = patient[field]
                if value and not E164.match(value):
                    count += 1
                    self.stdout.write(
                        f"{patient['patient_number']}\t{patient['last_name']}, "
                        f"{patient['first_name']}\t{field}\t{value}"
                    )
        self.stdout.write(f"{count} phone number(s) to correct.")
