"""Online booking by patients: free slots from the front desk's slot finder,
within the clinic's rules, every rule enforced again on the server.

Each forged request below breaks one rule and must book nothing."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

import scheduling.slots
from clinic.models import ClinicSettings
from portal import services
from scheduling.availability import local_datetime
from scheduling.models import Appointment
from tests.factories import PractitionerFactory
from tests.factories.scheduling import (
    AppointmentFactory,
    AppointmentTypeFactory,
    RoomFactory,
    WorkingHoursFactory,
)

BOOK, CONFIRM = "/portal/book/", "/portal/book/confirm/"


@pytest.fixture
def clinic(db):
    settings = ClinicSettings.load()
    settings.phone = "020 7946 0000"
    settings.slot_minutes = 15
    settings.online_booking_enabled = True
    settings.online_min_notice_hours = 24
    settings.online_max_days_ahead = 60
    settings.online_max_upcoming = 3
    settings.late_cancellation_hours = 24
    settings.save()
    return settings


@pytest.fixture
def kind(db):
    return AppointmentTypeFactory(
        name="Follow-up treatment",
        duration_minutes=45,
        buffer_after_minutes=15,
        bookable_online=True,
    )


@pytest.fixture
def room(db):
    return RoomFactory(name="Room 1")


@pytest.fixture
def working(practitioner):
    """The practitioner works every day, 09:00–17:00 clinic time."""
    for weekday in range(7):
        WorkingHoursFactory(
            practitioner=practitioner, weekday=weekday, start_time=dt.time(9), end_time=dt.time(17)
        )
    return practitioner


@pytest.fixture
def setup(clinic, kind, room, working, patient_a):
    return {"kind": kind, "room": room, "practitioner": working, "patient": patient_a}


def day(offset: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=offset)


def at(offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return local_datetime(day(offset), dt.time(hour, minute))


def slot_data(setup, when, **changes):
    data = {
        "appointment_type": setup["kind"].uuid,
        "practitioner": setup["practitioner"].uuid,
        "room": setup["room"].uuid,
        "start": when.isoformat(timespec="minutes"),
    }
    return data | changes


def booked(patient):
    return Appointment.objects.filter(patient=patient, booked_online=True)


# --- The happy path ------------------------------------------------------------------


def test_it_finds_free_slots_and_books_one(client_for, setup, patient_a):
    client = client_for(patient_a.user)
    page = client.get(BOOK)
    assert page.status_code == 200 and "Follow-up treatment" in page.content.decode()

    results = client.get(
        BOOK,
        {
            "appointment_type": setup["kind"].uuid,
            "practitioner": "",
            "from_date": day(3).isoformat(),
            "to_date": day(3).isoformat(),
        },
    )
    assert results.status_code == 200
    [(first_day, slots)] = results.context["slots"]
    assert first_day == day(3)
    slot, confirm_url = slots[0]
    assert slot.start == at(3, 9) and slot.practitioner == setup["practitioner"]
    assert confirm_url in results.content.decode().replace("&amp;", "&")

    confirm = client.get(confirm_url)
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "Book this appointment" in body and "Pat Practitioner" in body
    assert "You can cancel online until" in body

    query = {k: v[0] for k, v in parse_qs(urlsplit(confirm_url).query).items()}
    response = client.post(CONFIRM, query)
    assert response.status_code == 302 and response["Location"] == "/portal/"
    appointment = booked(patient_a).get()
    assert appointment.start_at == at(3, 9)
    assert appointment.practitioner == setup["practitioner"] and appointment.room == setup["room"]
    assert appointment.booked_by == patient_a.user
    assert appointment.status == Appointment.Status.BOOKED
    assert "Booked: Follow-up treatment" in client.get("/portal/").content.decode()


def test_search_respects_the_notice_and_horizon(client_for, setup, clinic, patient_a):
    """Asking for today and for beyond the horizon gives only times the rules allow."""
    client = client_for(patient_a.user)
    response = client.get(
        BOOK,
        {
            "appointment_type": setup["kind"].uuid,
            "from_date": day(0).isoformat(),
            "to_date": day(90).isoformat(),
        },
    )
    earliest = timezone.now() + dt.timedelta(hours=24)
    days = response.context["slots"]
    assert days
    for _, slots in days:
        for slot, _ in slots:
            assert slot.start >= earliest
    # Past the horizon there is nothing to search at all.
    far = client.get(
        BOOK,
        {
            "appointment_type": setup["kind"].uuid,
            "from_date": day(61).isoformat(),
            "to_date": day(70).isoformat(),
        },
    )
    assert far.context["slots"] is None
    assert "Online bookings can be made up to" in far.content.decode()


def test_it_uses_the_front_desks_slot_finder():
    assert services.find_slots is scheduling.slots.find_slots


def test_a_room_taken_meanwhile_is_swapped_for_a_free_one(client_for, setup, patient_a):
    inactive = RoomFactory(name="Store room", is_active=False)
    client_for(patient_a.user).post(CONFIRM, slot_data(setup, at(3, 10), room=inactive.uuid))
    assert booked(patient_a).get().room == setup["room"]


# --- Forged requests: one broken rule each, nothing booked ---------------------------


def refused(client, setup, data, message):
    response = client.post(CONFIRM, data)
    assert response.status_code == 200, response.get("Location")
    body = response.content.decode()
    assert "Not booked." in body and message in body, body
    assert not booked(setup["patient"]).exists()
    return response


def test_refused_when_online_booking_is_off(client_for, setup, clinic, patient_a):
    clinic.online_booking_enabled = False
    clinic.save()
    client = client_for(patient_a.user)
    assert "cannot be booked online at the moment" in client.get(BOOK).content.decode()
    refused(client, setup, slot_data(setup, at(3, 10)), "does not take bookings online")


def test_refused_for_a_type_not_bookable_online(client_for, setup, patient_a):
    private = AppointmentTypeFactory(name="First consultation", bookable_online=False)
    refused(
        client_for(patient_a.user),
        setup,
        slot_data(setup, at(3, 10), appointment_type=private.uuid),
        "cannot be booked online",
    )


def test_refused_for_an_inactive_type(client_for, setup, kind, patient_a):
    kind.is_active = False
    kind.save()
    refused(
        client_for(patient_a.user), setup, slot_data(setup, at(3, 10)), "cannot be booked online"
    )


def test_refused_inside_the_minimum_notice(client_for, setup, patient_a):
    soon = (timezone.now() + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    refused(
        client_for(patient_a.user), setup, slot_data(setup, soon), "at least 24 hours of notice"
    )


def test_refused_in_the_past(client_for, setup, patient_a):
    refused(client_for(patient_a.user), setup, slot_data(setup, at(-3, 10)), "notice")


def test_refused_beyond_the_horizon(client_for, setup, patient_a):
    refused(
        client_for(patient_a.user), setup, slot_data(setup, at(61, 10)), "at most 60 days ahead"
    )


def test_refused_beyond_the_most_upcoming_appointments(client_for, setup, patient_a):
    for offset in (5, 6, 7):
        AppointmentFactory(
            patient=patient_a,
            practitioner=setup["practitioner"],
            room=setup["room"],
            appointment_type=setup["kind"],
            start_at=at(offset, 9),
        )
    client = client_for(patient_a.user)
    assert 'data-testid="limit-reached"' in client.get(BOOK).content.decode()
    refused(client, setup, slot_data(setup, at(3, 10)), "You already have 3 upcoming appointments")


def test_past_and_cancelled_appointments_do_not_count_towards_the_limit(
    client_for, setup, patient_a
):
    for offset in (-5, -6, -7):
        AppointmentFactory(
            patient=patient_a, practitioner=setup["practitioner"], start_at=at(offset, 9)
        )
    AppointmentFactory(
        patient=patient_a,
        practitioner=setup["practitioner"],
        start_at=at(8, 9),
        status=Appointment.Status.CANCELLED,
        cancelled_at=timezone.now(),
        cancelled_by="patient",
        cancellation_reason="Busy",
    )
    client_for(patient_a.user).post(CONFIRM, slot_data(setup, at(3, 10)))
    assert booked(patient_a).count() == 1


def test_refused_when_the_slot_is_taken(client_for, setup, patient_b, patient_a):
    AppointmentFactory(
        patient=patient_b,
        practitioner=setup["practitioner"],
        room=setup["room"],
        appointment_type=setup["kind"],
        start_at=at(3, 10),
    )
    refused(client_for(patient_a.user), setup, slot_data(setup, at(3, 10)), "no longer free")


@pytest.mark.parametrize(
    ("hour", "minute"), [(3, 0), (16, 45), (10, 7)], ids=["night", "past closing", "off the grid"]
)
def test_refused_outside_the_slots_the_finder_offers(client_for, setup, patient_a, hour, minute):
    refused(
        client_for(patient_a.user), setup, slot_data(setup, at(3, hour, minute)), "no longer free"
    )


def test_refused_on_time_off(client_for, setup, patient_a):
    from tests.factories.scheduling import AvailabilityExceptionFactory

    AvailabilityExceptionFactory(
        practitioner=setup["practitioner"], start_at=at(3, 9), end_at=at(3, 17)
    )
    refused(client_for(patient_a.user), setup, slot_data(setup, at(3, 10)), "no longer free")


def test_refused_with_a_practitioner_who_does_not_offer_the_type(
    client_for, setup, kind, patient_a
):
    other = PractitionerFactory()
    for weekday in range(7):
        WorkingHoursFactory(practitioner=other, weekday=weekday, start_time=dt.time(9), end_time=dt.time(17))  # fmt: skip
    kind.practitioners.set([setup["practitioner"]])
    refused(
        client_for(patient_a.user),
        setup,
        slot_data(setup, at(3, 10), practitioner=other.uuid),
        "no longer free",
    )


def test_refused_for_an_archived_patient(client_for, setup, patient_a):
    patient_a.archived_at = timezone.now()
    patient_a.save(update_fields=["archived_at"])
    refused(client_for(patient_a.user), setup, slot_data(setup, at(3, 10)), "closed for booking")


@pytest.mark.parametrize(
    "start",
    ["", "tomorrow", "2030-01-07T10:00", "1900-01-01T10:00+00:00"],
    ids=["empty", "garbage", "no offset", "long ago"],
)
def test_refused_for_a_malformed_time(client_for, setup, patient_a, start):
    refused(
        client_for(patient_a.user), setup, slot_data(setup, at(3, 10), start=start), "Choose a time"
    )


@pytest.mark.parametrize("field", ["appointment_type", "practitioner"])
def test_refused_for_unknown_choices(client_for, setup, patient_a, field):
    data = slot_data(setup, at(3, 10), **{field: "00000000-0000-4000-8000-000000000000"})
    refused(client_for(patient_a.user), setup, data, "Choose a time")


def test_the_confirm_page_checks_the_rules_too(client_for, setup, patient_a):
    response = client_for(patient_a.user).get(CONFIRM, slot_data(setup, at(61, 10)))
    assert "Not booked." in response.content.decode()
    assert "Book this appointment" not in response.content.decode()


def test_the_service_enforces_the_rules_without_the_view(setup, patient_a):
    with pytest.raises(services.BookingError) as error:
        services.book_online(
            patient=patient_a,
            appointment_type=setup["kind"],
            practitioner=setup["practitioner"],
            room=setup["room"],
            start_at=at(61, 10),
            by=patient_a.user,
        )
    assert error.value.code == "too_far"
    assert not booked(patient_a).exists()


def test_staff_cannot_book_through_the_portal(client_for, setup, front_desk):
    assert client_for(front_desk).post(CONFIRM, slot_data(setup, at(3, 10))).status_code == 403
    assert not Appointment.objects.exists()


# --- Only while the licence is valid (issue 11, point 6) -----------------------------
# An expired practitioner is off the list and out of the slots; a licence expiring
# soon stops the slots at its last day; a forged request is refused clearly.


def expire_in(practitioner, days):
    practitioner.licence_expiry = timezone.localdate() + dt.timedelta(days=days)
    practitioner.save(update_fields=["licence_expiry"])


def search(client, setup, first, last, practitioner=""):
    response = client.get(
        BOOK,
        {
            "appointment_type": setup["kind"].uuid,
            "practitioner": practitioner,
            "from_date": day(first).isoformat(),
            "to_date": day(last).isoformat(),
        },
    )
    return [slot for _, slots in response.context["slots"] for slot, _ in slots]


@pytest.fixture
def colleague(setup):
    """A second practitioner with a valid licence, working the same hours."""
    other = PractitionerFactory(user__full_name="Val Valid")
    for weekday in range(7):
        WorkingHoursFactory(practitioner=other, weekday=weekday, start_time=dt.time(9), end_time=dt.time(17))  # fmt: skip
    return other


def test_an_expired_practitioner_is_not_offered_online(client_for, setup, colleague, patient_a):
    expire_in(setup["practitioner"], -1)
    client = client_for(patient_a.user)
    page = client.get(BOOK).content.decode()
    assert "Val Valid" in page and "Pat Practitioner" not in page
    slots = search(client, setup, 3, 3)
    assert slots and {slot.practitioner for slot in slots} == {colleague}


def test_slots_stop_at_the_last_day_of_the_licence(client_for, setup, patient_a):
    expire_in(setup["practitioner"], 4)
    client = client_for(patient_a.user)
    assert search(client, setup, 3, 3, setup["practitioner"].uuid)
    assert search(client, setup, 4, 4, setup["practitioner"].uuid)
    assert not search(client, setup, 5, 5, setup["practitioner"].uuid)


def test_a_forged_booking_with_an_expired_practitioner_is_refused(client_for, setup, patient_a):
    expire_in(setup["practitioner"], 2)
    refused(
        client_for(patient_a.user),
        setup,
        slot_data(setup, at(3, 10)),
        "cannot be booked online for that day",
    )
    assert not booked(patient_a).exists()
