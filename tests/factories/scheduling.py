import datetime

import factory

from scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    ClinicClosure,
    Room,
    WaitlistEntry,
    WorkingHours,
)
from tests.factories.patients import PatientFactory
from tests.factories.practitioners import PractitionerFactory


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Room {n + 1}")


class AppointmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentType
        django_get_or_create = ["name"]

    name = "Follow-up treatment"
    duration_minutes = 45
    buffer_after_minutes = 15
    colour = "#3a7d44"


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    practitioner = factory.SubFactory(PractitionerFactory)
    weekday = 0
    start_time = datetime.time(9, 0)
    end_time = datetime.time(17, 0)


class AvailabilityExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityException

    practitioner = factory.SubFactory(PractitionerFactory)
    kind = AvailabilityException.Kind.TIME_OFF
    reason = "Course"


class ClinicClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClinicClosure

    reason = "Bank holiday"


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    practitioner = factory.SubFactory(PractitionerFactory)
    room = factory.SubFactory(RoomFactory)
    appointment_type = factory.SubFactory(AppointmentTypeFactory)
    start_at = factory.LazyFunction(
        lambda: datetime.datetime(2030, 1, 7, 10, 0, tzinfo=datetime.UTC)
    )
    end_at = factory.LazyAttribute(lambda a: a.start_at + a.appointment_type.duration)
    blocked_until = factory.LazyAttribute(lambda a: a.end_at + a.appointment_type.buffer)


class WaitlistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitlistEntry

    patient = factory.SubFactory(PatientFactory)
    appointment_type = factory.SubFactory(AppointmentTypeFactory)
    earliest_date = datetime.date(2030, 1, 1)
    latest_date = datetime.date(2030, 2, 1)
