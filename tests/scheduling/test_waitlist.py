"""The waitlist: add, list and withdraw entries; after a cancellation the front
desk sees the entries that fit the freed time."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from scheduling import services
from scheduling.availability import local_datetime
from scheduling.models import WaitlistEntry
from tests.factories import PatientFactory, PractitionerFactory
from tests.factories.scheduling import (
    AppointmentFactory,
    AppointmentTypeFactory,
    WaitlistEntryFactory,
)

URL = "/calendar/waitlist/"
MONDAY = dt.date(2030, 1, 7)


@pytest.fixture
def kind(db):
    return AppointmentTypeFactory(name="Treatment", duration_minutes=45, buffer_after_minutes=15)


@pytest.fixture
def nina(db):
    return PatientFactory(first_name="Nina", last_name="Needle")


def entry_data(who, kind, **overrides):
    data = {
        "patient": who.uuid,
        "appointment_type": kind.uuid,
        "practitioner": "",
        "earliest_date": "2030-01-01",
        "latest_date": "2030-01-31",
        "earliest_time": "",
        "latest_time": "",
        "notes": "",
    }
    return {k: v for k, v in (data | overrides).items() if v is not None}


# --- Adding ------------------------------------------------------------------------


def test_the_page_pre_fills_the_patient_from_a_link(client_for, front_desk, nina):
    response = client_for(front_desk).get(URL, {"patient": nina.uuid})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nina Needle" in body
    assert f'name="patient" value="{nina.uuid}"' in body


def test_add_an_entry(client_for, front_desk, practitioner, nina, kind):
    response = client_for(front_desk).post(
        URL,
        entry_data(
            nina,
            kind,
            practitioner=practitioner.uuid,
            earliest_time="08:00",
            latest_time="12:00",
            notes="  Can come   at short notice ",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == URL
    entry = WaitlistEntry.objects.get()
    assert (entry.patient, entry.appointment_type, entry.practitioner) == (nina, kind, practitioner)
    assert (entry.earliest_date, entry.latest_date) == (dt.date(2030, 1, 1), dt.date(2030, 1, 31))
    assert (entry.earliest_time, entry.latest_time) == (dt.time(8), dt.time(12))
    assert entry.notes == "Can come at short notice"
    assert entry.status == WaitlistEntry.Status.WAITING
    assert entry.created_by == front_desk
    event = AuditEvent.objects.get(action="scheduling.waitlist.added")
    assert event.patient == nina


def test_add_an_entry_for_any_practitioner_and_any_time(client_for, front_desk, nina, kind):
    response = client_for(front_desk).post(URL, entry_data(nina, kind))
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert entry.practitioner is None
    assert entry.earliest_time is None and entry.latest_time is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"earliest_date": "2030-02-01", "latest_date": "2030-01-01"}, "The end of the window must be on or after its start."),
        ({"earliest_time": "14:00", "latest_time": "10:00"}, "The latest time must be after the earliest time."),
        ({"earliest_time": "10:00", "latest_time": "10:00"}, "The latest time must be after the earliest time."),
        ({"latest_date": "2020-01-01", "earliest_date": "2019-12-01"}, "The window has already passed"),
        ({"patient": None}, "Choose the patient."),
        ({"patient": "not-a-uuid"}, "Choose the patient (that one is unknown or archived)."),
        ({"appointment_type": "00000000-0000-4000-8000-000000000000"}, "That appointment type is not offered"),
        ({"practitioner": "nope"}, "That practitioner is unknown"),
        ({"earliest_date": ""}, "This field is required."),
        ({"latest_date": "31/31/2030"}, "Enter a valid date."),
        ({"earliest_time": "25:61"}, "Enter a valid time."),
        ({"latest_date": "9999-12-31"}, "Choose a date between the years 2000 and 2099."),
        ({"notes": "x" * 301}, "Ensure this value has at most 300 characters"),
    ],
)  # fmt: skip
def test_bad_entries_are_explained_and_not_saved(client_for, front_desk, nina, kind, overrides, message):  # fmt: skip
    response = client_for(front_desk).post(URL, entry_data(nina, kind, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_practitioner_who_does_not_offer_the_type_is_refused(client_for, front_desk, practitioner, nina, kind):  # fmt: skip
    kind.practitioners.set([PractitionerFactory()])
    response = client_for(front_desk).post(URL, entry_data(nina, kind, practitioner=practitioner.uuid))  # fmt: skip
    assert "Pat Practitioner does not offer Treatment." in response.content.decode()
    assert not WaitlistEntry.objects.exists()


# --- The list ----------------------------------------------------------------------


def test_the_list_shows_who_is_waiting(client_for, front_desk, practitioner, nina, kind):
    WaitlistEntryFactory(
        patient=nina,
        appointment_type=kind,
        practitioner=practitioner,
        earliest_time=dt.time(8),
        latest_time=dt.time(12),
        notes="Mornings only",
    )
    WaitlistEntryFactory(patient=PatientFactory(first_name="Anyone", last_name="Atall"), appointment_type=kind)  # fmt: skip
    WaitlistEntryFactory(
        patient=PatientFactory(first_name="Gone", last_name="Away"),
        appointment_type=kind,
        status=WaitlistEntry.Status.WITHDRAWN,
    )
    response = client_for(front_desk).get(URL)
    body = response.content.decode()
    assert [e.patient.last_name for e in response.context["page"]] == ["Needle", "Atall"]
    assert "Nina Needle" in body and "Pat Practitioner" in body and "08:00 – 12:00" in body
    assert "Mornings only" in body and "1 Jan 2030 – 1 Feb 2030" in body
    assert "Any time" in body and ">Any<" in body
    assert "Gone Away" not in body


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_makes_the_same_number_of_queries_whatever_the_size(
    client_for, front_desk, django_assert_num_queries, size
):
    for n in range(size):
        WaitlistEntryFactory(
            appointment_type=AppointmentTypeFactory(name=f"Type {n}"),
            practitioner=PractitionerFactory() if n % 2 else None,
        )
    client = client_for(front_desk)
    # Session, user / count, the page of entries (patient, practitioner, type
    # joined) / the form's type and practitioner choices / savepoint, session save, release.
    with django_assert_num_queries(9):
        response = client.get(URL)
    assert len(response.context["page"]) == size


# --- Withdrawing ---------------------------------------------------------------------


def test_withdraw(client_for, front_desk, nina, kind):
    entry = WaitlistEntryFactory(patient=nina, appointment_type=kind)
    client = client_for(front_desk)
    response = client.post(f"{URL}{entry.uuid}/withdraw/")
    assert response.status_code == 302 and response["Location"] == URL
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WITHDRAWN
    assert AuditEvent.objects.filter(action="scheduling.waitlist.withdrawn", patient=nina).count() == 1  # fmt: skip
    page = client.get(URL)
    assert list(page.context["page"]) == []
    assert "Nina Needle was taken off the waitlist." in page.content.decode()


def test_withdrawing_twice_changes_nothing_more(client_for, front_desk, nina, kind):
    entry = WaitlistEntryFactory(patient=nina, appointment_type=kind)
    client = client_for(front_desk)
    client.post(f"{URL}{entry.uuid}/withdraw/")
    response = client.post(f"{URL}{entry.uuid}/withdraw/", follow=True)
    assert "no longer waiting (withdrawn); nothing changed" in response.content.decode()
    assert AuditEvent.objects.filter(action="scheduling.waitlist.withdrawn").count() == 1


def test_a_booked_entry_is_not_withdrawn(client_for, front_desk, nina, kind):
    entry = WaitlistEntryFactory(patient=nina, appointment_type=kind, status=WaitlistEntry.Status.BOOKED)  # fmt: skip
    client_for(front_desk).post(f"{URL}{entry.uuid}/withdraw/")
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED


def test_withdrawing_an_unknown_entry_is_404(client_for, front_desk):
    response = client_for(front_desk).post(f"{URL}00000000-0000-4000-8000-000000000000/withdraw/")
    assert response.status_code == 404


def test_practitioners_cannot_keep_the_waitlist(client_for, practitioner, nina, kind):
    entry = WaitlistEntryFactory(patient=nina, appointment_type=kind)
    client = client_for(practitioner.user)
    assert client.post(URL, entry_data(nina, kind)).status_code == 403
    assert client.post(f"{URL}{entry.uuid}/withdraw/").status_code == 403
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING
    assert WaitlistEntry.objects.count() == 1


# --- Who fits a cancelled appointment -------------------------------------------------


@pytest.fixture
def cancelled(db, practitioner, kind, front_desk):
    """Pat Practitioner's 10:00–10:45 treatment on Monday 7 January 2030, cancelled."""
    appointment = AppointmentFactory(
        practitioner=practitioner,
        appointment_type=kind,
        start_at=local_datetime(MONDAY, dt.time(10)),
    )
    return services.cancel_appointment(
        appointment=appointment, by=front_desk, cancelled_by="patient", reason="Feeling better"
    )


def waiting(name, kind, **kwargs):
    first, last = name.split()
    return WaitlistEntryFactory(
        patient=PatientFactory(first_name=first, last_name=last), appointment_type=kind, **kwargs
    )


def test_the_entries_that_fit_a_cancellation(cancelled, practitioner, other_practitioner, kind):
    anyone = waiting("Any Practitioner", kind)
    mine = waiting("Same Practitioner", kind, practitioner=practitioner)
    waiting("Other Practitioner", kind, practitioner=other_practitioner)
    in_window = waiting("Morning Window", kind, earliest_time=dt.time(9), latest_time=dt.time(10))
    waiting("Afternoon Window", kind, earliest_time=dt.time(13), latest_time=dt.time(17))
    waiting("Too Early", kind, earliest_time=dt.time(8), latest_time=dt.time(9, 45))
    waiting("Later Dates", kind, earliest_date=dt.date(2030, 1, 8), latest_date=dt.date(2030, 2, 1))
    waiting("Earlier Dates", kind, earliest_date=dt.date(2029, 12, 1), latest_date=dt.date(2030, 1, 6))  # fmt: skip
    on_the_day = waiting("On Day", kind, earliest_date=MONDAY, latest_date=MONDAY)
    waiting("Long Visit", AppointmentTypeFactory(name="Long first visit", duration_minutes=90))
    short = waiting("Short Visit", AppointmentTypeFactory(name="Short check", duration_minutes=30))
    waiting("Gone Away", kind, status=WaitlistEntry.Status.WITHDRAWN)
    waiting("Already Booked", kind, status=WaitlistEntry.Status.BOOKED)

    matches = services.waitlist_matches(cancelled)

    assert matches == [anyone, mine, in_window, on_the_day, short]


def test_the_appointment_page_shows_the_entries_that_fit(client_for, front_desk, cancelled, practitioner, kind):  # fmt: skip
    entry = waiting("Nina Needle", kind, practitioner=practitioner)
    waiting("Other Window", kind, earliest_time=dt.time(13))
    body = client_for(front_desk).get(f"/calendar/appointments/{cancelled.uuid}/").content.decode()
    assert "Waiting patients who could take this time" in body
    assert "Nina Needle" in body and "Other Window" not in body
    assert f"patient={entry.patient.uuid}" in body


def test_nothing_is_offered_for_an_appointment_that_is_not_cancelled(client_for, front_desk, practitioner, kind):  # fmt: skip
    appointment = AppointmentFactory(
        practitioner=practitioner, appointment_type=kind, start_at=local_datetime(MONDAY, dt.time(10))
    )  # fmt: skip
    waiting("Nina Needle", kind)
    body = (
        client_for(front_desk).get(f"/calendar/appointments/{appointment.uuid}/").content.decode()
    )
    assert "Waiting patients who could take this time" not in body


def test_a_cancellation_in_the_past_offers_nobody(client_for, front_desk, practitioner, kind):
    past = AppointmentFactory(
        practitioner=practitioner,
        appointment_type=kind,
        start_at=timezone.now() - dt.timedelta(days=1),
        status="cancelled",
        cancelled_at=timezone.now(),
        cancelled_by="patient",
        cancellation_reason="Ill",
    )
    waiting("Nina Needle", kind, earliest_date=dt.date(2000, 1, 1), latest_date=dt.date(2099, 1, 1))
    body = client_for(front_desk).get(f"/calendar/appointments/{past.uuid}/").content.decode()
    assert "Waiting patients who could take this time" not in body


def test_each_entry_links_to_find_a_time_for_it(client_for, front_desk, practitioner, nina, kind):
    entry = WaitlistEntryFactory(
        patient=nina,
        appointment_type=kind,
        practitioner=practitioner,
        earliest_date=dt.date(2030, 1, 1),
        latest_date=dt.date(2030, 12, 31),
    )
    client = client_for(front_desk)
    [(_, find_url)] = client.get(URL).context["rows"]
    assert find_url.startswith("/calendar/find/?")
    response = client.get(find_url)
    form = response.context["form"]
    assert form.is_valid(), form.errors  # the long window is cut to what one search allows
    assert form.cleaned_data["appointment_type"] == kind
    assert form.cleaned_data["practitioner"] == practitioner
    assert form.cleaned_data["from_date"] == dt.date(2030, 1, 1)
    assert form.cleaned_data["to_date"] == dt.date(2030, 4, 2)
    assert response.context["patient"] == entry.patient


def test_an_entry_past_its_dates_comes_last_and_offers_no_search(
    client_for, front_desk, practitioner, nina, kind
):
    today = timezone.localdate()
    past = WaitlistEntryFactory(
        patient=nina,
        appointment_type=kind,
        earliest_date=today - dt.timedelta(days=60),
        latest_date=today - dt.timedelta(days=30),
    )
    ahead = WaitlistEntryFactory(
        patient=PatientFactory(),
        appointment_type=kind,
        earliest_date=today + dt.timedelta(days=5),
        latest_date=today + dt.timedelta(days=20),
    )
    response = client_for(front_desk).get(URL)
    rows = response.context["rows"]
    assert [entry for entry, _ in rows] == [ahead, past]  # by the dates still ahead first
    assert rows[0][1] is not None and rows[1][1] is None
    page = response.content.decode()
    assert page.count('data-testid="waitlist-past"') == 1
    assert "Its dates have passed" in page
