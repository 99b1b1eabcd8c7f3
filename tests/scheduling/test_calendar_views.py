"""The day and week views, the colours stylesheet and the printable day sheet."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import ClinicSettings
from scheduling.models import Appointment
from tests.factories import PatientFactory, PractitionerFactory
from tests.factories.scheduling import AppointmentFactory, RoomFactory, WorkingHoursFactory
from tests.scheduling.conftest import MONDAY

DAY_URL = "/calendar/"
WEEK_URL = "/calendar/week/"
UTC = datetime.UTC


def at(hour, minute=0, day=MONDAY):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def booked(working_week, room, follow_up):
    return AppointmentFactory(
        practitioner=working_week,
        room=room,
        appointment_type=follow_up,
        patient=PatientFactory(first_name="Gwen", last_name="Grey"),
        start_at=at(10),
        notes="Prefers the window side",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "practitioner", "clinic_admin"])
def test_staff_see_the_day_with_patient_type_room_and_status(client_for, request, role, booked):
    persona = request.getfixturevalue(role)
    user = getattr(persona, "user", persona)
    r = client_for(user).get(DAY_URL, {"date": "2030-01-07"})
    assert r.status_code == 200
    html = body(r)
    assert "Monday 7 January 2030" in html
    entry = html[html.index('data-testid="calendar-appointment"') :][:1500]
    for text in ("Gwen Grey", "10:00–10:45", "Follow-up treatment", "Room 1", "Booked"):
        assert text in entry
    assert f'href="/calendar/appointments/{booked.uuid}/"' in entry
    assert 'rowspan="4"' in html


@pytest.mark.django_db
def test_a_free_slot_links_to_booking_there(client_for, front_desk, working_week, room):
    html = body(client_for(front_desk).get(DAY_URL, {"date": "2030-01-07"}))
    link = (
        f'href="/calendar/appointments/new/?practitioner={working_week.uuid}'
        f'&amp;start=2030-01-07T09:15&amp;room={room.uuid}"'
    )
    assert link in html
    assert "Book 09:15 with Pat Practitioner" in html
    assert "Not working" in html  # 12:30–13:30 lunch


@pytest.mark.django_db
def test_the_page_follows_the_content_security_policy(client_for, front_desk, booked):
    html = body(client_for(front_desk).get(DAY_URL, {"date": "2030-01-07"}))
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert '<link rel="stylesheet" href="/calendar/colours.css">' in html


@pytest.mark.django_db
def test_a_practitioner_books_and_moves_only_in_their_own_column(
    client_for, working_week, other_practitioner, room, booked
):
    WorkingHoursFactory(practitioner=other_practitioner, weekday=0)
    theirs = AppointmentFactory(practitioner=other_practitioner, start_at=at(14))
    html = body(client_for(working_week.user).get(DAY_URL, {"date": "2030-01-07"}))
    assert f"practitioner={working_week.uuid}&amp;start=" in html
    assert f"practitioner={other_practitioner.uuid}&amp;start=" not in html
    assert f"/calendar/appointments/{booked.uuid}/move/" in html
    assert f"/calendar/appointments/{theirs.uuid}/move/" not in html
    assert f"/calendar/appointments/{theirs.uuid}/" in html  # seen, not changed


@pytest.mark.django_db
def test_front_desk_may_move_anyones_booked_appointment(client_for, front_desk, booked):
    html = body(client_for(front_desk).get(DAY_URL, {"date": "2030-01-07"}))
    move = f"/calendar/appointments/{booked.uuid}/move/"
    assert f'href="{move}" hx-get="{move}" hx-target="#panel"' in html


@pytest.mark.django_db
def test_the_grid_reloads_itself_after_a_change(client_for, front_desk, booked):
    html = body(client_for(front_desk).get(DAY_URL, {"date": "2030-01-07"}))
    assert (
        '<div id="calendar-grid" hx-get="/calendar/?date=2030-01-07" '
        'hx-trigger="calendarChanged from:body"'
    ) in html
    assert '<div id="panel"></div>' in html


@pytest.mark.django_db
def test_htmx_gets_only_the_grid(client_for, front_desk, booked):
    r = client_for(front_desk).get(DAY_URL, {"date": "2030-01-07"}, headers={"HX-Request": "true"})
    html = body(r)
    assert r.status_code == 200
    assert "<html" not in html and "<nav" not in html
    assert 'data-testid="calendar-grid"' in html
    assert "Gwen Grey" in html


@pytest.mark.django_db
def test_a_move_through_htmx_tells_the_calendar_to_reload(client_for, front_desk, booked):
    r = client_for(front_desk).post(
        f"/calendar/appointments/{booked.uuid}/move/",
        {
            "version": booked.version,
            "date": "2030-01-07",
            "time": "11:00",
            "duration_minutes": 60,
            "practitioner": booked.practitioner.uuid,
            "room": booked.room.uuid,
            "outside_hours_reason": "",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and r["HX-Trigger"] == "calendarChanged"
    grid = body(
        client_for(front_desk).get(DAY_URL, {"date": "2030-01-07"}, headers={"HX-Request": "true"})
    )
    assert "11:00–12:00" in grid
    assert 'rowspan="5"' in grid  # an hour and the buffer


@pytest.mark.django_db
def test_previous_today_and_next_keep_the_filters(client_for, front_desk, working_week, room):
    r = client_for(front_desk).get(
        DAY_URL, {"date": "2030-01-07", "practitioner": working_week.uuid, "room": room.uuid}
    )
    html = body(r)
    keep = f"practitioner={working_week.uuid}&amp;room={room.uuid}"
    assert f'href="/calendar/?date=2030-01-06&amp;{keep}"' in html
    assert f'href="/calendar/?date=2030-01-08&amp;{keep}"' in html
    assert f'href="/calendar/?date={timezone.localdate():%Y-%m-%d}&amp;{keep}"' in html
    assert '<label class="form-label mb-1" for="cal-date">Go to date</label>' in html
    assert '<label class="form-label mb-1" for="cal-practitioner">Practitioner</label>' in html
    assert '<label class="form-label mb-1" for="cal-room">Room</label>' in html
    # The same filters lead to the other view, keeping the date (and the practitioner).
    assert (
        f'href="/calendar/week/?date=2030-01-07&amp;practitioner={working_week.uuid}">Week view'
        in html
    )
    week = body(client_for(front_desk).get(WEEK_URL, {"date": "2030-01-07"}))
    assert 'href="/calendar/?date=2030-01-07">Day view' in week
    assert '<label class="form-label mb-1" for="cal-room">Room</label>' in week


@pytest.mark.django_db
def test_the_practitioner_filter_shows_one_column(
    client_for, front_desk, working_week, other_practitioner
):
    client = client_for(front_desk)
    both = client.get(DAY_URL, {"date": "2030-01-07"})
    assert [c.practitioner for c in both.context["grid"].columns] == [
        other_practitioner,
        working_week,
    ]  # by name: Olly Other, Pat Practitioner
    one = client.get(DAY_URL, {"date": "2030-01-07", "practitioner": other_practitioner.uuid})
    assert [c.practitioner for c in one.context["grid"].columns] == [other_practitioner]


@pytest.mark.django_db
def test_the_room_filter_hides_other_rooms(client_for, front_desk, booked):
    other_room = RoomFactory(name="Room 2")
    client = client_for(front_desk)
    assert "Gwen Grey" in body(
        client.get(DAY_URL, {"date": "2030-01-07", "room": booked.room.uuid})
    )
    html = body(client.get(DAY_URL, {"date": "2030-01-07", "room": other_room.uuid}))
    assert "Gwen Grey" not in html
    assert f"start=2030-01-07T09:00&amp;room={other_room.uuid}" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"date": "garbage"},
        {"date": "2030-02-30"},
        {"date": "0001-01-01"},
        {"date": "9999-12-31"},
        {"date": "2030-01-07\x00"},
        {"practitioner": "not-a-uuid"},
        {"practitioner": "00000000-0000-4000-8000-000000000000"},
        {"room": "00000000-0000-4000-8000-000000000000"},
        {"room": "🙂"},
    ],
)
@pytest.mark.parametrize("url", [DAY_URL, WEEK_URL])
def test_odd_queries_give_a_clear_message_never_an_error(
    client_for, front_desk, working_week, url, query
):
    r = client_for(front_desk).get(url, query)
    assert r.status_code == 200
    notice = r.context["notices"][0]
    assert "showing today" in notice or "was not found" in notice
    assert 'data-testid="calendar-notice"' in body(r)
    if "date" in query:
        assert r.context["day"] == timezone.localdate()


@pytest.mark.django_db
def test_an_inactive_practitioner_is_not_a_column(client_for, front_desk, practitioner):
    gone = PractitionerFactory(is_active=False)
    r = client_for(front_desk).get(DAY_URL, {"practitioner": gone.uuid})
    assert [c.practitioner for c in r.context["grid"].columns] == [practitioner]
    assert "was not found" in r.context["notices"][0]


@pytest.mark.django_db
def test_a_day_without_practitioners_still_renders(client_for, front_desk):
    r = client_for(front_desk).get(DAY_URL)
    assert r.status_code == 200
    assert 'data-testid="calendar-grid"' not in body(r)


@pytest.mark.django_db
def test_a_closed_day_says_so(client_for, front_desk, working_week):
    from tests.factories.scheduling import ClinicClosureFactory

    ClinicClosureFactory(start_date=MONDAY, end_date=MONDAY, reason="Bank holiday")
    html = body(client_for(front_desk).get(DAY_URL, {"date": "2030-01-07"}))
    assert "The clinic is closed on Monday 7 January" in html
    assert "Book 09:00" not in html


@pytest.mark.django_db
def test_cancelled_appointments_are_listed_below_the_grid(client_for, front_desk, booked):
    booked.status = Appointment.Status.NO_SHOW
    booked.save()
    r = client_for(front_desk).get(DAY_URL, {"date": "2030-01-07"})
    assert [a.pk for a in r.context["not_shown"]] == [booked.pk]
    html = body(r)
    assert 'data-testid="calendar-appointment"' not in html
    assert "No-show" in html[html.index('data-testid="not-shown"') :]


@pytest.mark.django_db
def test_names_are_escaped_in_the_grid_the_agenda_and_the_cancelled_list(
    client_for, front_desk, booked
):
    """The grids are Jinja2 templates: autoescaped like Django's."""
    booked.patient.first_name = '<b>"Bo"</b>'
    booked.patient.save()
    AppointmentFactory(
        practitioner=booked.practitioner,
        room=booked.room,
        appointment_type=booked.appointment_type,
        patient=booked.patient,
        start_at=at(14),
        status=Appointment.Status.NO_SHOW,
    )
    client = client_for(front_desk)
    for url in (DAY_URL, WEEK_URL + f"?practitioner={booked.practitioner.uuid}"):
        html = body(client.get(url, {"date": "2030-01-07"}))
        assert "<b>" not in html
        assert 'data-patient="&lt;b&gt;&#34;Bo&#34;&lt;/b&gt; Grey"' in html
        assert html.count("&lt;b&gt;&#34;Bo&#34;&lt;/b&gt; Grey") >= 4  # entry, move, not shown


@pytest.mark.django_db
def test_the_grids_load_only_the_patient_s_names(client_for, front_desk, booked):
    client = client_for(front_desk)
    for url in (DAY_URL, WEEK_URL + f"?practitioner={booked.practitioner.uuid}"):
        with CaptureQueriesContext(connection) as queries:
            assert "Gwen Grey" in body(client.get(url, {"date": "2030-01-07"}))
        columns = {
            column
            for query in queries.captured_queries
            for column in re.findall(r'"patients_patient"\."(\w+)"', query["sql"])
        }
        assert columns == {"id", "first_name", "preferred_name", "last_name"}


@pytest.mark.django_db
def test_the_front_desk_never_sees_clinical_flags(client_for, front_desk, booked):
    booked.patient.is_pregnant = True
    booked.patient.has_implanted_device = True
    booked.patient.save()
    client = client_for(front_desk)
    for url in (
        DAY_URL,
        WEEK_URL + f"?practitioner={booked.practitioner.uuid}",
        f"/calendar/day-sheet/{booked.practitioner.uuid}/",
    ):
        html = body(client.get(url, {"date": "2030-01-07"}))
        assert "Gwen Grey" in html
        assert "Pregnant" not in html and "pregnan" not in html.lower()
        assert "Pacemaker" not in html


# --- Week view ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_week_shows_seven_days_of_one_practitioner(client_for, front_desk, booked):
    r = client_for(front_desk).get(
        WEEK_URL, {"date": "2030-01-09", "practitioner": booked.practitioner.uuid}
    )
    assert r.status_code == 200
    grid = r.context["grid"]
    assert [c.day for c in grid.columns] == [MONDAY + datetime.timedelta(days=n) for n in range(7)]
    html = body(r)
    assert "Gwen Grey" in html
    assert f"/calendar/week/?date=2030-01-02&amp;practitioner={booked.practitioner.uuid}" in html
    assert f"/calendar/week/?date=2030-01-16&amp;practitioner={booked.practitioner.uuid}" in html
    assert f"start=2030-01-11T09:00&amp;room={booked.room.uuid}" in html  # Friday


@pytest.mark.django_db
def test_the_week_defaults_to_the_signed_in_practitioner(
    client_for, front_desk, practitioner, other_practitioner
):
    mine = client_for(practitioner.user).get(WEEK_URL, {"date": "2030-01-07"})
    assert mine.context["practitioner"] == practitioner
    # Anyone else: the first active practitioner by name (Olly Other).
    desk = client_for(front_desk).get(WEEK_URL, {"date": "2030-01-07"})
    assert desk.context["practitioner"] == other_practitioner


@pytest.mark.django_db
def test_the_week_without_practitioners_says_so(client_for, front_desk):
    r = client_for(front_desk).get(WEEK_URL)
    assert r.status_code == 200
    assert "no active practitioners" in body(r)


@pytest.mark.django_db
def test_htmx_gets_only_the_week_grid(client_for, front_desk, booked):
    r = client_for(front_desk).get(WEEK_URL, {"date": "2030-01-07"}, headers={"HX-Request": "true"})
    assert "<html" not in body(r) and "Gwen Grey" in body(r)


# --- Colours --------------------------------------------------------------------


@pytest.mark.django_db
def test_colours_come_as_a_stylesheet(client_for, front_desk, practitioner, follow_up):
    practitioner.calendar_colour = "#aa3300"
    practitioner.save()
    client = client_for(front_desk)
    r = client.get("/calendar/colours.css")
    assert r.status_code == 200
    assert r["Content-Type"] == "text/css; charset=utf-8"
    css = body(r)
    assert f".prac-{practitioner.pk} {{ border-left-color: #aa3300; }}" in css
    assert f".type-{follow_up.pk} {{ background-color: rgba(58, 125, 68, 0.16); }}" in css
    assert "max-age" in r["Cache-Control"]
    again = client.get("/calendar/colours.css", headers={"If-None-Match": r["ETag"]})
    assert again.status_code == 304


# --- Day sheet ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_day_sheet_lists_whom_to_expect_and_how_to_reach_them(client_for, front_desk, booked):
    r = client_for(front_desk).get(
        f"/calendar/day-sheet/{booked.practitioner.uuid}/", {"date": "2030-01-07"}
    )
    assert r.status_code == 200
    html = body(r)
    sheet = html[html.index('data-testid="day-sheet"') :]
    for text in (
        "10:00–10:45",
        "Gwen Grey",
        booked.patient.patient_number,
        booked.patient.phone,
        "Follow-up treatment",
        "Room 1",
        "Booked",
        "Prefers the window side",
    ):
        assert text in sheet
    assert "data-print" in html  # the Print button (shown by calendar.js)


@pytest.mark.django_db
def test_the_day_sheet_of_another_day_or_nobody(client_for, front_desk, booked):
    client = client_for(front_desk)
    other_day = client.get(
        f"/calendar/day-sheet/{booked.practitioner.uuid}/", {"date": "2030-01-08"}
    )
    assert "Gwen Grey" not in body(other_day) and "No appointments." in body(other_day)
    assert (
        client.get(f"/calendar/day-sheet/{booked.practitioner.uuid}/", {"date": "x"}).status_code
        == 200
    )
    assert (
        client.get("/calendar/day-sheet/00000000-0000-4000-8000-000000000000/").status_code == 404
    )


# --- Menu -----------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_have_a_calendar_menu_entry_and_patients_do_not(client_for, front_desk, patient_a):
    staff = client_for(front_desk).get("/")
    assert [i.label for i in staff.context["nav_items"]][:3] == ["Home", "Calendar", "Patients"]
    patient = client_for(patient_a.user).get("/")
    assert "Calendar" not in [i.label for i in patient.context["nav_items"]]


@pytest.mark.django_db
def test_a_clinic_group_s_practitioners_come_eight_columns_at_a_time(client_for, front_desk):
    ClinicSettings.load()
    staff = [PractitionerFactory(user__full_name=f"Practitioner {n:02d}") for n in range(1, 11)]
    client = client_for(front_desk)

    first = client.get(DAY_URL, {"date": "2030-01-07"})
    assert [c.practitioner for c in first.context["grid"].columns] == staff[:8]
    html = body(first)
    assert "practitioners 1–8 of 10" in html  # the table's caption says which
    assert '<strong class="page-link" aria-current="page">Practitioner 01 – Practitioner 08' in html
    assert 'href="/calendar/?date=2030-01-07&amp;page=2">Practitioner 09 – Practitioner 10' in html
    # The day links keep the page.
    second = client.get(DAY_URL, {"date": "2030-01-07", "page": "2"})
    assert [c.practitioner for c in second.context["grid"].columns] == staff[8:]
    assert 'href="/calendar/?date=2030-01-08&amp;page=2"' in body(second)
    assert 'href="/calendar/?date=2030-01-07">Practitioner 01 – Practitioner 08' in body(second)
    # Odd page numbers give the nearest page, never an error.
    assert client.get(DAY_URL, {"page": "99"}).context["grid"].columns[0].practitioner == staff[8]
    assert client.get(DAY_URL, {"page": "x"}).context["grid"].columns[0].practitioner == staff[0]
    # One practitioner chosen: one column, no pages.
    one = client.get(DAY_URL, {"date": "2030-01-07", "practitioner": staff[9].uuid, "page": "1"})
    assert [c.practitioner for c in one.context["grid"].columns] == [staff[9]]
    assert 'data-testid="column-pages"' not in body(one)


@pytest.mark.django_db
def test_a_small_clinic_sees_every_column_without_pages(client_for, front_desk):
    ClinicSettings.load()
    for n in range(8):
        PractitionerFactory(user__full_name=f"Practitioner {n}")
    r = client_for(front_desk).get(DAY_URL, {"date": "2030-01-07"})
    assert len(r.context["grid"].columns) == 8
    assert 'data-testid="column-pages"' not in body(r)


# --- Queries do not grow with the data --------------------------------------------

# Expect 13 queries: session / user / active practitioners / clinic settings /
# load_availability: closures, working hours, exceptions, rooms, busy times /
# the period's appointments (patients, practitioners, rooms, types joined) /
# savepoint, session save, release (the idle timeout is refreshed on every request).
QUERIES = 13


def _clinic(practitioners, appointments, day=MONDAY):
    ClinicSettings.load()  # created once; a fresh database would add its insert
    room_list = [RoomFactory(name=f"Room {n}") for n in range(1, max(5, practitioners + 1))]
    staff = [PractitionerFactory() for _ in range(practitioners)]
    for practitioner in staff:
        for weekday in range(7):
            WorkingHoursFactory(practitioner=practitioner, weekday=weekday)
    for n in range(appointments):
        AppointmentFactory(
            practitioner=staff[n % practitioners],
            room=room_list[n % practitioners],
            start_at=at(9 + n // practitioners, day=day),
        )
    return staff


@pytest.mark.django_db
@pytest.mark.parametrize(("practitioners", "appointments"), [(1, 2), (4, 12), (12, 36)])
def test_the_day_view_makes_the_same_number_of_queries_whatever_the_data(
    client_for, front_desk, django_assert_num_queries, practitioners, appointments
):
    _clinic(practitioners, appointments)
    client = client_for(front_desk)
    with django_assert_num_queries(QUERIES):
        r = client.get(DAY_URL, {"date": "2030-01-07"})
    assert r.status_code == 200
    # Eight columns at most on a page (and their appointments).
    shown = appointments * min(practitioners, 8) // practitioners
    assert body(r).count('data-testid="calendar-appointment"') == shown


@pytest.mark.django_db
@pytest.mark.parametrize(("practitioners", "appointments"), [(1, 2), (4, 12)])
def test_the_week_view_makes_the_same_number_of_queries_whatever_the_data(
    client_for, front_desk, django_assert_num_queries, practitioners, appointments
):
    staff = _clinic(practitioners, appointments)
    client = client_for(front_desk)
    with django_assert_num_queries(QUERIES):
        r = client.get(WEEK_URL, {"date": "2030-01-07", "practitioner": staff[0].uuid})
    assert r.status_code == 200
    assert body(r).count('data-testid="calendar-appointment"') == -(-appointments // practitioners)


@pytest.mark.django_db
@pytest.mark.parametrize("appointments", [1, 8])
def test_the_day_sheet_makes_the_same_number_of_queries_whatever_the_data(
    client_for, front_desk, django_assert_num_queries, appointments
):
    (practitioner,) = _clinic(1, appointments)
    client = client_for(front_desk)
    # session / user / the practitioner / the day's appointments / savepoint, session save, release
    with django_assert_num_queries(7):
        r = client.get(f"/calendar/day-sheet/{practitioner.uuid}/", {"date": "2030-01-07"})
    assert body(r).count("<tr>") == appointments + 1
