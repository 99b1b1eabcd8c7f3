from tests.factories.accounts import UserFactory
from tests.factories.patients import PatientFactory
from tests.factories.practitioners import PractitionerFactory

__all__ = ["PatientFactory", "PractitionerFactory", "UserFactory"]
