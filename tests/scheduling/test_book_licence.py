"""Front desk may book a practitioner whose licence has expired (a meeting, a
renewal under way), and is warned clearly: in the list and after booking."""

import datetime

import pytest

from scheduling.models import Appointment
from tests.factories import PatientFactory
from tests.scheduling.test_book import URL, booking


@pytest.fixture
def expired(working_week):
    working_week.licence_expiry = datetime.date(2020, 1, 1)
    working_week.save(update_fields=["licence_expiry"])
    return working_week


@pytest.mark.django_db
def test_the_list_marks_an_expired_licence(client_for, front_desk, expired):
    page = client_for(front_desk).get(URL).content.decode()
    assert "Pat Practitioner (licence expired 01 Jan 2020)" in page


@pytest.mark.django_db
def test_booking_them_warns_that_they_cannot_needle(
    client_for, front_desk, expired, room, follow_up
):
    client = client_for(front_desk)
    response = client.post(URL, booking(PatientFactory(), expired, room, follow_up), follow=True)
    assert Appointment.objects.filter(practitioner=expired).exists()
    page = response.content.decode()
    assert (
        "licence expired on 01 Jan 2020: they cannot needle or sign records on 07 Jan 2030" in page
    )


@pytest.mark.django_db
def test_a_valid_licence_gets_no_warning(client_for, front_desk, working_week, room, follow_up):
    working_week.licence_expiry = datetime.date(2031, 1, 1)  # after the booking, in 2030
    working_week.save(update_fields=["licence_expiry"])
    client = client_for(front_desk)
    response = client.post(
        URL, booking(PatientFactory(), working_week, room, follow_up), follow=True
    )
    assert Appointment.objects.exists()
    assert "licence expired" not in response.content.decode()


@pytest.mark.django_db
def test_a_licence_expiring_before_the_appointment_day_is_warned_about(
    client_for, front_desk, working_week, room, follow_up
):
    working_week.licence_expiry = datetime.date(2030, 1, 6)  # the day before MONDAY
    working_week.save(update_fields=["licence_expiry"])
    response = client_for(front_desk).post(
        URL, booking(PatientFactory(), working_week, room, follow_up), follow=True
    )
    assert "licence expires on 06 Jan 2030: they cannot needle" in response.content.decode()
