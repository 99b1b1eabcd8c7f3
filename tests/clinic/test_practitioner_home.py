"""The practitioner's home page lists today's appointments with "Open record"
(the same selector as the Today page, sessions.today), in a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import TreatmentSession
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory
from tests.factories.sessions import TreatmentSessionFactory

pytestmark = pytest.mark.django_db


def today_at(hour, minute=0):
    day = timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_the_home_page_lists_todays_appointments_with_open_record(
    client_for, practitioner, other_practitioner
):
    late = AppointmentFactory(
        practitioner=practitioner, patient=PatientFactory(last_name="Later"), start_at=today_at(15)
    )
    early = AppointmentFactory(
        practitioner=practitioner, patient=PatientFactory(last_name="Earlier"), start_at=today_at(9)
    )
    TreatmentSessionFactory(practitioner=practitioner, patient=early.patient, appointment=early)
    AppointmentFactory(
        practitioner=other_practitioner,
        patient=PatientFactory(last_name="Elsewhere"),
        start_at=today_at(11),
    )
    client = client_for(practitioner.user)

    page = client.get("/").content.decode()

    assert 'data-testid="home-today"' in page
    assert page.index("Earlier") < page.index("Later")
    assert "Elsewhere" not in page
    assert "Continue record" in page  # the one already opened
    assert f'name="appointment" value="{late.uuid}"' in page and "Open record" in page

    opened = client.post(reverse("records:start"), {"appointment": late.uuid})
    session = TreatmentSession.objects.get(appointment=late)
    assert opened.status_code == 302
    assert opened["Location"] == reverse("records:record", kwargs={"uuid": session.uuid})


def test_the_home_page_says_when_there_is_nothing_today(client_for, practitioner):
    page = client_for(practitioner.user).get("/").content.decode()
    assert "No appointments today." in page


@pytest.mark.parametrize("count", [1, 6])
def test_the_home_page_makes_a_fixed_number_of_queries(
    client_for, practitioner, django_assert_num_queries, count
):
    for hour in range(9, 9 + count):
        appointment = AppointmentFactory(practitioner=practitioner, start_at=today_at(hour))
        if hour % 2:
            TreatmentSessionFactory(
                practitioner=practitioner, patient=appointment.patient, appointment=appointment
            )
    TreatmentSessionFactory(practitioner=practitioner)  # a record without an appointment
    client = client_for(practitioner.user)
    client.get("/")  # the session's first save is not what is measured

    # Session and user (2), the session's refresh (3), the practitioner (1),
    # today's appointments with their records (1), records without an appointment (1).
    with django_assert_num_queries(8):
        response = client.get("/")
    assert response.status_code == 200
