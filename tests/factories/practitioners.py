import datetime

import factory

from practitioners.models import Practitioner
from tests.factories.accounts import UserFactory


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    user = factory.SubFactory(UserFactory, practitioner=True)
    licence_number = factory.Sequence(lambda n: f"BAcC-{10000 + n}")
    licence_issuing_body = "British Acupuncture Council"
    licence_expiry = factory.LazyFunction(
        lambda: datetime.date.today() + datetime.timedelta(days=365)
    )
    qualifications = "BSc (Hons) Acupuncture"
