import factory

from accounts.models import User
from accounts.roles import Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.FRONT_DESK
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    class Params:
        clinic_admin = factory.Trait(role=Role.CLINIC_ADMIN, is_staff=True, is_superuser=True)
        practitioner = factory.Trait(role=Role.PRACTITIONER)
        patient = factory.Trait(role=Role.PATIENT)
