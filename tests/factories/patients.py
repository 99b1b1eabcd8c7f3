import datetime

import factory
from django.utils import timezone

from patients.models import Consent, ConsentText, Patient


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker(
        "date_between", start_date=datetime.date(1940, 1, 1), end_date=datetime.date(2004, 12, 31)
    )
    sex = factory.Iterator([Patient.Sex.FEMALE, Patient.Sex.MALE])
    phone = factory.Sequence(lambda n: f"07700 9{n:05d}")
    email = factory.LazyAttribute(lambda p: f"{p.first_name}.{p.last_name}@example.net".lower())
    address_line1 = factory.Faker("street_address")
    city = factory.Faker("city")
    postcode = factory.Faker("postcode", locale="en_GB")
    consent_to_treatment_date = datetime.date(2026, 1, 5)
    consent_text_version = "2026-01"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        patient = super()._create(model_class, *args, **kwargs)
        # patient_number and the search columns are computed by PostgreSQL.
        patient.refresh_from_db(
            fields=[
                "patient_number",
                "search_text",
                "first_name_folded",
                "last_name_folded",
                "phone_digits",
            ]
        )
        return patient


class ConsentFactory(factory.django.DjangoModelFactory):
    """Consent on file (typed name, confirmed), against the current text.
    ``ConsentFactory(patient=p, guardian=True)`` for a minor's guardian."""

    class Meta:
        model = Consent

    class Params:
        guardian = factory.Trait(
            signer=Consent.Signer.GUARDIAN,
            guardian_name="Gina Guardian",
            guardian_relationship="mother",
            typed_name="Gina Guardian",
        )

    patient = factory.SubFactory(PatientFactory)
    kind = Consent.Kind.GIVEN
    consent_text = factory.LazyFunction(lambda: ConsentText.objects.current().first())
    given_at = factory.LazyFunction(timezone.now)
    recorded_by = factory.SubFactory("tests.factories.accounts.UserFactory")
    signer = Consent.Signer.PATIENT
    signature_method = Consent.Method.TYPED
    typed_name = factory.LazyAttribute(lambda c: f"{c.patient.first_name} {c.patient.last_name}")
    typed_name_confirmed = True


def uncautioned(patients, **extra):
    """Of ``patients``, the first with no clinical flag that a needle would have to
    answer (pregnancy, device, bleeding, epilepsy, fainting, skin): for tests that
    apply points and expect no warning."""
    return patients.filter(
        is_pregnant=False,
        has_implanted_device=False,
        bleeding_risk=False,
        has_epilepsy=False,
        needle_phobia_or_fainting=False,
        skin_conditions="",
        **extra,
    ).first()
