"""The "find a time" page: a GET form, the earliest free slots, a Book link for each."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from clinic.models import ClinicSettings
from scheduling.availability import local_datetime
from tests.factories import PatientFactory, PractitionerFactory
from tests.factories.scheduling import (
    AppointmentFactory,
    AppointmentTypeFactory,
    ClinicClosureFactory,
    RoomFactory,
    WorkingHoursFactory,
)

URL = "/calendar/find/"
MONDAY = dt.date(2030, 1, 7)


@pytest.fixture
def clinic(db):
    ClinicSettings.load()
    practitioner = PractitionerFactory(user__full_name="Mia Morning")
    WorkingHoursFactory(practitioner=practitioner, weekday=0, start_time=dt.time(9), end_time=dt.time(17))  # fmt: skip
    room = RoomFactory(name="Room A")
    kind = AppointmentTypeFactory(name="Treatment", duration_minutes=45, buffer_after_minutes=0)
    return {"practitioner": practitioner, "room": room, "kind": kind}


def search(client, clinic, **params):
    query = {
        "appointment_type": clinic["kind"].uuid,
        "practitioner": "",
        "from_date": MONDAY.isoformat(),
        "to_date": MONDAY.isoformat(),
    } | params
    return client.get(URL, {k: v for k, v in query.items() if v is not None})


def slot_times(response):
    return [f"{timezone.localtime(slot.start):%H:%M}" for slot, _ in response.context["slots"]]


def test_the_empty_form_has_sensible_defaults(client_for, front_desk, clinic):
    response = client_for(front_desk).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    today = timezone.localdate()
    assert f'name="from_date" value="{today.isoformat()}"' in body
    assert f'name="to_date" value="{(today + dt.timedelta(days=28)).isoformat()}"' in body
    assert "Any practitioner" in body
    assert response.context["slots"] is None


def test_it_lists_the_earliest_free_slots_with_a_book_link(client_for, front_desk, clinic):
    AppointmentFactory(
        practitioner=clinic["practitioner"],
        room=clinic["room"],
        appointment_type=clinic["kind"],
        start_at=local_datetime(MONDAY, dt.time(9)),
    )
    response = search(client_for(front_desk), clinic)
    assert response.status_code == 200
    assert slot_times(response)[:3] == ["09:45", "10:00", "10:15"]
    assert len(response.context["slots"]) == 20  # the first 20
    body = response.content.decode()
    assert "Monday 7 January" in body and "09:45–10:30" in body and "Mia Morning" in body
    _, book_url = response.context["slots"][0]
    assert book_url in body.replace("&amp;", "&")
    url = urlsplit(book_url)
    assert url.path == "/calendar/appointments/new/"
    assert parse_qs(url.query) == {
        "practitioner": [str(clinic["practitioner"].uuid)],
        "room": [str(clinic["room"].uuid)],
        "appointment_type": [str(clinic["kind"].uuid)],
        "start": ["2030-01-07T09:45+00:00"],
    }


def test_the_book_link_opens_the_booking_form_at_that_time(client_for, front_desk, clinic):
    patient = PatientFactory(first_name="Nina", last_name="Needle")
    client = client_for(front_desk)
    response = search(client, clinic, patient=str(patient.uuid))
    _, book_url = response.context["slots"][0]
    assert parse_qs(urlsplit(book_url).query)["patient"] == [str(patient.uuid)]
    form = client.get(book_url)
    body = form.content.decode()
    assert 'name="time" value="09:00"' in body
    assert 'name="date" value="2030-01-07"' in body
    assert "Nina Needle" in body
    assert form.context["form"].initial["practitioner"] == str(clinic["practitioner"].uuid)


def test_the_patient_is_carried_through_the_search(client_for, front_desk, clinic):
    patient = PatientFactory(first_name="Nina", last_name="Needle")
    client = client_for(front_desk)
    page = client.get(URL, {"patient": patient.uuid}).content.decode()
    assert "Nina Needle" in page
    assert f'name="patient" value="{patient.uuid}"' in page
    results = search(client, clinic, patient=str(patient.uuid)).content.decode()
    assert f'name="patient" value="{patient.uuid}"' in results


def test_one_practitioner_or_any(client_for, front_desk, clinic):
    other = PractitionerFactory(user__full_name="Eddie Early")
    WorkingHoursFactory(practitioner=other, weekday=0, start_time=dt.time(8), end_time=dt.time(9))  # fmt: skip
    RoomFactory(name="Room B")
    client = client_for(front_desk)
    anyone = search(client, clinic)
    assert slot_times(anyone)[:2] == ["08:00", "08:15"]
    assert {slot.practitioner for slot, _ in anyone.context["slots"]} == {clinic["practitioner"], other}  # fmt: skip
    mia = search(client, clinic, practitioner=str(clinic["practitioner"].uuid))
    assert slot_times(mia)[0] == "09:00"
    assert {slot.practitioner for slot, _ in mia.context["slots"]} == {clinic["practitioner"]}


def test_day_parts(client_for, front_desk, clinic):
    client = client_for(front_desk)
    response = client.get(
        URL,
        {
            "appointment_type": clinic["kind"].uuid,
            "from_date": MONDAY.isoformat(),
            "to_date": MONDAY.isoformat(),
            "day_parts": ["afternoon"],
        },
    )
    assert slot_times(response)[0] == "12:00"
    evening = client.get(
        URL,
        {
            "appointment_type": clinic["kind"].uuid,
            "from_date": MONDAY.isoformat(),
            "to_date": MONDAY.isoformat(),
            "day_parts": ["evening"],
        },
    )
    assert evening.context["slots"] == []
    assert "No free time in those dates" in evening.content.decode()


def test_a_practitioner_who_does_not_offer_the_type_is_refused(client_for, front_desk, clinic):
    other = PractitionerFactory(user__full_name="Olly Other")
    clinic["kind"].practitioners.set([clinic["practitioner"]])
    response = search(client_for(front_desk), clinic, practitioner=str(other.uuid))
    assert "Olly Other does not offer Treatment" in response.content.decode()
    assert response.context["slots"] is None


def test_htmx_gets_only_the_results(client_for, front_desk, clinic):
    response = client_for(front_desk).get(
        URL,
        {
            "appointment_type": clinic["kind"].uuid,
            "from_date": MONDAY.isoformat(),
            "to_date": MONDAY.isoformat(),
        },
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "<html" not in body
    assert "09:00–09:45" in body


def test_htmx_errors_are_listed_in_the_fragment(client_for, front_desk, clinic):
    response = client_for(front_desk).get(
        URL,
        {
            "appointment_type": clinic["kind"].uuid,
            "from_date": "2030-02-01",
            "to_date": "2030-01-01",
        },
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "<html" not in body
    assert "The end date must be on or after the start date." in body


def test_the_end_must_not_be_before_the_start(client_for, front_desk, clinic):
    response = search(client_for(front_desk), clinic, from_date="2030-02-01", to_date="2030-01-01")
    assert response.status_code == 200
    assert "The end date must be on or after the start date." in response.content.decode()
    assert response.context["slots"] is None


def test_the_range_is_at_most_92_days(client_for, front_desk, clinic):
    client = client_for(front_desk)
    first = dt.date(2030, 1, 1)
    ok = search(client, clinic, from_date=first.isoformat(), to_date="2030-04-02")  # 92 days
    assert ok.context["slots"] is not None
    too_long = search(client, clinic, from_date=first.isoformat(), to_date="2030-04-03")
    assert too_long.context["slots"] is None
    assert (
        "Search at most 92 days at a time: choose an end date on or before 02 April 2030."
        in too_long.content.decode()
    )


def test_empty_dates_mean_today_and_four_weeks(client_for, front_desk, clinic):
    response = search(client_for(front_desk), clinic, from_date="", to_date="")
    form = response.context["form"]
    today = timezone.localdate()
    assert form.cleaned_data["from_date"] == today
    assert form.cleaned_data["to_date"] == today + dt.timedelta(days=28)
    assert response.context["slots"] is not None


def test_past_dates_say_so(client_for, front_desk, clinic):
    response = search(client_for(front_desk), clinic, from_date="2020-01-06", to_date="2020-01-06")
    assert response.context["slots"] == []
    assert "Those dates have passed" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"appointment_type": "not-a-uuid"},
        {"appointment_type": "00000000-0000-4000-8000-000000000000"},
        {"appointment_type": ""},
        {"practitioner": "nope"},
        {"practitioner": "00000000-0000-4000-8000-000000000000"},
        {"from_date": "yesterday"},
        {"from_date": "2030-02-30"},
        {"to_date": "9999-12-31"},
        {"from_date": "9999-12-31", "to_date": ""},
        {"from_date": "0001-01-01", "to_date": "0001-01-02"},
        {"from_date": "\x00"},
        {"day_parts": "midnight"},
        {"patient": "not-a-uuid"},
        {"patient": "00000000-0000-4000-8000-000000000000"},
        {"appointment_type": "😀", "from_date": "' OR 1=1 --"},
    ],
)
def test_odd_input_is_explained_never_a_500(client_for, front_desk, clinic, params):
    response = search(client_for(front_desk), clinic, **params)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"appointment_type": ""}, "Choose the appointment type."),
        ({"appointment_type": "00000000-0000-4000-8000-000000000000"}, "That appointment type is not offered"),
        ({"to_date": "9999-12-31"}, "Choose a date between the years 2000 and 2099."),
        ({"day_parts": "midnight"}, "Choose morning, afternoon or evening."),
    ],
)  # fmt: skip
def test_odd_input_gets_a_clear_message(client_for, front_desk, clinic, params, message):
    response = search(client_for(front_desk), clinic, **params)
    assert message in response.content.decode()
    assert response.context["slots"] is None


def test_an_inactive_type_cannot_be_searched(client_for, front_desk, clinic):
    clinic["kind"].is_active = False
    clinic["kind"].save()
    response = search(client_for(front_desk), clinic)
    assert "That appointment type is not offered" in response.content.decode()


def _busy_clinic(size: int, *, weekdays: int, booked: list[dt.timedelta]):
    """``size`` practitioners in rooms of their own, working 09:00–17:00 on the
    first ``weekdays`` days of the week, each booked at 09:00 on MONDAY plus each
    of ``booked``; returns the appointment type searched for."""
    ClinicSettings.load()
    kind = AppointmentTypeFactory(name="Treatment", duration_minutes=45, buffer_after_minutes=0)
    for n in range(size):
        practitioner, room = PractitionerFactory(), RoomFactory(name=f"Room {n}")
        for weekday in range(weekdays):
            WorkingHoursFactory(practitioner=practitioner, weekday=weekday, start_time=dt.time(9), end_time=dt.time(17))  # fmt: skip
        for offset in booked:
            AppointmentFactory(
                practitioner=practitioner,
                room=room,
                appointment_type=kind,
                start_at=local_datetime(MONDAY + offset, dt.time(9)),
            )
    return kind


@pytest.mark.parametrize("size", [1, 6])
def test_the_same_number_of_queries_whatever_the_data_size(
    client_for, front_desk, django_assert_num_queries, size
):
    kind = _busy_clinic(size, weekdays=7, booked=[dt.timedelta(days=d) for d in range(size)])
    patient = PatientFactory()
    client = client_for(front_desk)
    params = {
        "appointment_type": kind.uuid,
        "from_date": MONDAY.isoformat(),
        "to_date": (MONDAY + dt.timedelta(days=60)).isoformat(),
        "day_parts": ["morning", "afternoon"],
        "patient": patient.uuid,
    }
    # 17: session, user / the patient / the chosen type / clinic settings, the
    # type's practitioners, the practitioners offering it / closures, hours,
    # exceptions, rooms, appointments (load_availability) / the form's type and
    # practitioner choices / savepoint, session save, release.
    with django_assert_num_queries(17):
        response = client.get(URL, params)
    assert len(response.context["slots"]) == 20
    with django_assert_num_queries(15):  # htmx: the results only, no form to draw
        client.get(URL, params, headers={"HX-Request": "true"})


@pytest.mark.parametrize("size", [1, 6])
def test_a_search_past_the_first_week_takes_four_rounds_of_queries_at_most(
    client_for, front_desk, django_assert_num_queries, size
):
    """With the first week closed, the search loads the first day, the next, the
    rest of the week and then the rest of the range: the five queries of
    load_availability four times, whatever the range or the data."""
    ClinicClosureFactory(start_date=MONDAY, end_date=MONDAY + dt.timedelta(days=6))
    kind = _busy_clinic(
        size, weekdays=5, booked=[dt.timedelta(weeks=w) for w in range(1, size + 1)]
    )
    client = client_for(front_desk)
    params = {
        "appointment_type": kind.uuid,
        "from_date": MONDAY.isoformat(),
        "to_date": (MONDAY + dt.timedelta(days=60)).isoformat(),
    }
    with django_assert_num_queries(14 + 3 * 5):  # htmx as above, no patient; three more rounds
        response = client.get(URL, params, headers={"HX-Request": "true"})
    slots = response.context["slots"]
    assert len(slots) == 20
    assert all(slot.local_start.date() > MONDAY + dt.timedelta(days=6) for slot, _ in slots)


def nav_find_link(response) -> str:
    (item,) = [i for i in response.context["nav_items"] if i.label == "Find a time"]
    return item.url


@pytest.mark.django_db
def test_the_navbar_find_a_time_keeps_the_patient_one_came_from(client_for, front_desk):
    patient = PatientFactory()
    client = client_for(front_desk)
    keeps = f"/calendar/find/?patient={patient.uuid}"
    for page in (
        f"/patients/{patient.uuid}/",
        f"/patients/{patient.uuid}/edit/",
        f"/calendar/find/?patient={patient.uuid}",
        f"/calendar/appointments/new/?patient={patient.uuid}",
    ):
        r = client.get(page)
        assert r.status_code == 200, page
        assert nav_find_link(r) == keeps, page
        assert f'href="{keeps}"' in r.content.decode(), page
    # No patient on the page (or a malformed one): the plain link.
    for page in ("/patients/", "/calendar/", "/calendar/find/?patient=not-a-uuid"):
        assert nav_find_link(client.get(page)) == "/calendar/find/", page
