"""The portal home: the patient's upcoming appointments and what they may do
with them; and two patients who each get 404 for everything of the other's."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import ClinicSettings
from scheduling.models import Appointment
from tests.factories.scheduling import AppointmentFactory, AppointmentTypeFactory, RoomFactory

URL = "/portal/"


def hours_from_now(hours: float) -> dt.datetime:
    return (timezone.now() + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)


@pytest.fixture
def clinic(db):
    settings = ClinicSettings.load()
    settings.name = "Back Pain Acupuncture Clinic"
    settings.address = "12 High Street\nLondon\nN1 1AA"
    settings.phone = "020 7946 0000"
    settings.late_cancellation_hours = 24
    settings.online_booking_enabled = False
    settings.save()
    return settings


@pytest.fixture
def visit(practitioner):
    """Everything of an appointment but the patient and the time."""
    return {
        "practitioner": practitioner,
        "room": RoomFactory(name="Garden room"),
        "appointment_type": AppointmentTypeFactory(name="Follow-up treatment"),
    }


def book(patient, visit, hours, **extra):
    return AppointmentFactory(patient=patient, start_at=hours_from_now(hours), **visit, **extra)


def test_it_lists_upcoming_appointments_with_time_practitioner_and_address(
    client_for, clinic, visit, patient_a
):
    soon = book(patient_a, visit, 72)
    book(patient_a, visit, -72)  # past
    book(
        patient_a,
        visit,
        96,
        status=Appointment.Status.CANCELLED,
        cancelled_at=timezone.now(),
        cancelled_by="clinic",
        cancellation_reason="Practitioner ill",
    )
    response = client_for(patient_a.user).get(URL)
    assert response.status_code == 200
    assert [u.appointment for u in response.context["upcoming"]] == [soon]
    body = response.content.decode()
    local = timezone.localtime(soon.start_at)
    assert f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}" in body
    assert "Pat Practitioner" in body and "Follow-up treatment" in body and "Garden room" in body
    assert "12 High Street" in body and "N1 1AA" in body and "020 7946 0000" in body
    assert f"/portal/appointments/{soon.uuid}/cancel/" in body


def test_the_site_home_is_the_portal_home_for_patients(client_for, clinic, visit, patient_a):
    appointment = book(patient_a, visit, 72)
    response = client_for(patient_a.user).get("/")
    assert response.status_code == 200
    assert "portal/home.html" in [t.name for t in response.templates]
    assert f"/portal/appointments/{appointment.uuid}/cancel/" in response.content.decode()


def test_inside_the_notice_period_it_says_to_call_instead_of_offering_cancel(
    client_for, clinic, visit, patient_a
):
    near = book(patient_a, visit, 5)
    body = client_for(patient_a.user).get(URL).content.decode()
    assert f"/portal/appointments/{near.uuid}/cancel/" not in body
    assert (
        "It is less than 24 hours before your appointment: please call the clinic on "
        "020 7946 0000 to cancel." in body
    )


def test_it_offers_online_booking_only_when_the_clinic_allows_it(client_for, clinic, patient_a):
    client = client_for(patient_a.user)
    assert "/portal/book/" not in client.get(URL).content.decode().split("<main", 1)[1]
    clinic.online_booking_enabled = True
    clinic.save()
    assert 'data-testid="book-online"' in client.get(URL).content.decode()


def test_it_shows_nothing_of_other_patients(client_for, clinic, visit, patient_a, patient_b):
    book(patient_b, visit, 48)
    response = client_for(patient_a.user).get(URL)
    assert response.context["upcoming"] == []
    assert "You have no upcoming appointments" in response.content.decode()


def test_staff_have_no_portal(client_for, clinic, front_desk):
    assert client_for(front_desk).get(URL).status_code == 403


def test_an_account_without_a_patient_record_gets_404(client_for, clinic, db):
    from tests.factories import UserFactory

    lonely = UserFactory(patient=True)
    client = client_for(lonely)
    assert client.get(URL).status_code == 404
    assert "not linked to a patient record" in client.get("/").content.decode()


def test_the_home_page_makes_a_fixed_number_of_queries(
    client_for, clinic, visit, patient_a, django_assert_num_queries
):
    client = client_for(patient_a.user)
    book(patient_a, visit, 48)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for day in range(3, 8):
        book(patient_a, visit, 24 * day)
    with CaptureQueriesContext(connection) as six:
        response = client.get(URL)
    assert len(response.context["upcoming"]) == 6
    assert len(six) == len(one)
    with django_assert_num_queries(len(one)):
        client.get("/")  # the same page from the site's home


# --- Two patients: each gets 404 for everything of the other's ----------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_patient_gets_404_for_another_patients_appointment(
    client_for, clinic, visit, patient_a, patient_b, method
):
    theirs = book(patient_a, visit, 72)
    client = client_for(patient_b.user)
    response = getattr(client, method)(
        f"/portal/appointments/{theirs.uuid}/cancel/", {"reason": "Not mine"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.BOOKED


def test_each_patient_sees_only_their_own_and_reaches_only_their_own(
    client_for, clinic, visit, patient_a, patient_b
):
    mine = {p.pk: book(p, visit, 72 + 24 * i) for i, p in enumerate((patient_a, patient_b))}
    for me, other in ((patient_a, patient_b), (patient_b, patient_a)):
        client = client_for(me.user)
        body = client.get(URL).content.decode()
        assert str(mine[me.pk].uuid) in body and str(mine[other.pk].uuid) not in body
        assert client.get(f"/portal/appointments/{mine[me.pk].uuid}/cancel/").status_code == 200
        assert client.get(f"/portal/appointments/{mine[other.pk].uuid}/cancel/").status_code == 404
        # Staff pages of the other patient's record and appointment: not for patients.
        assert client.get(f"/patients/{other.uuid}/").status_code == 403
        assert client.post(f"/portal/invite/{other.uuid}/").status_code == 403
