"""The Jinja2 grid draws what the Django template drew (issue 14).

The grid moved from templates/scheduling/day_grid.html (Django templates, model
instances) to jinja2_templates/scheduling/calendar_grid.html (plain rows). calendar.js
depends on its data- attributes, classes, ids and aria attributes, so for a
fixture day and week both are parsed and compared element by element: tags,
every attribute and the text, whitespace aside (Jinja2 and Django escape
quotes differently, which parsing undoes).
"""

import datetime
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicSettings
from scheduling.availability import day_bounds, load_availability
from scheduling.calendar import build_grid
from scheduling.models import Appointment
from scheduling.views.calendar import _permissions
from tests.factories import PatientFactory
from tests.factories.scheduling import (
    AppointmentFactory,
    AppointmentTypeFactory,
    ClinicClosureFactory,
    RoomFactory,
    WorkingHoursFactory,
)
from tests.scheduling.conftest import MONDAY

UTC = datetime.UTC
HX = {"HX-Request": "true"}


class Structure(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, sorted(attrs, key=lambda pair: pair[0])))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        text = " ".join(data.split())
        if not text:
            return
        if self.events and self.events[-1][0] == "text":
            self.events[-1] = ("text", f"{self.events[-1][1]} {text}")
        else:
            self.events.append(("text", text))


def structure(html: str) -> list:
    parser = Structure()
    parser.feed(html)
    parser.close()
    return parser.events


def django_template_grid(user, response, view, first_day, last_day) -> str:
    """The grid as the Django template drew it: model instances, changeable_by."""
    columns = response.context["grid"].columns
    ids = sorted({column.practitioner.id for column in columns})
    availability = load_availability(ids, first_day, last_day)
    start, _ = day_bounds(first_day)
    _, end = day_bounds(last_day)
    appointments = list(
        Appointment.objects.for_calendar()
        .filter(practitioner_id__in=ids)
        .overlapping(start, end)
        .order_by("start_at")
    )
    can_book, _ = _permissions(user)
    grid = build_grid(
        columns,
        availability,
        [a for a in appointments if a.is_active],
        slot_minutes=ClinicSettings.load().slot_minutes,
        now=timezone.now(),
        book_url=reverse("scheduling:book"),
        can_book=can_book,
        can_move=lambda a: a.is_movable and a.changeable_by(user),
    )
    return render_to_string(
        "scheduling/day_grid.html",
        {
            "grid": grid,
            "view": view,
            "caption": response.context["caption"],
            "closed_days": sorted(availability.closed_days),
            "not_shown": [a for a in appointments if not a.is_active],
            "occupied_rooms": [],
        },
    )


@pytest.fixture
def busy_week(working_week, other_practitioner, room, follow_up):
    WorkingHoursFactory(
        practitioner=other_practitioner,
        weekday=0,
        start_time=datetime.time(8),
        end_time=datetime.time(18),
    )
    short = AppointmentTypeFactory(name="Check-in", duration_minutes=5, buffer_after_minutes=0)

    rooms = {working_week: room, other_practitioner: RoomFactory(name="Room 2")}

    def book(who, hour, minute=0, day=MONDAY, kind=follow_up, **fields):
        start = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        return AppointmentFactory(
            practitioner=who, room=rooms[who], appointment_type=kind, start_at=start, **fields
        )

    quoted = PatientFactory(first_name="Siân", last_name="O'Brien <&>", preferred_name="Sia")
    book(working_week, 9, 10, patient=quoted)  # off the grid's slots
    book(working_week, 10, 30, status=Appointment.Status.ARRIVED)  # not movable
    book(other_practitioner, 8, kind=short)  # two in one slot
    book(other_practitioner, 8, 5, kind=short)
    book(other_practitioner, 11)
    cancelled = book(working_week, 14)
    cancelled.status = Appointment.Status.NO_SHOW
    cancelled.save()
    wednesday = MONDAY + datetime.timedelta(days=2)
    book(working_week, 15, day=wednesday)
    ClinicClosureFactory(
        start_date=wednesday + datetime.timedelta(days=1),
        end_date=wednesday + datetime.timedelta(days=1),
    )
    return working_week


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "practitioner"])
def test_the_day_grid_is_the_django_template_s(client_for, request, role, busy_week):
    user = getattr(request.getfixturevalue(role), "user", None) or request.getfixturevalue(role)
    client = client_for(user)
    page = client.get("/calendar/", {"date": "2030-01-07"})
    new = client.get("/calendar/", {"date": "2030-01-07"}, headers=HX).content.decode()
    old = django_template_grid(user, page, "day", MONDAY, MONDAY)
    assert 'data-testid="calendar-appointment"' in new and "data-movable" in new
    assert structure(new) == structure(old)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "practitioner"])
def test_the_week_grid_and_agenda_are_the_django_template_s(client_for, request, role, busy_week):
    user = getattr(request.getfixturevalue(role), "user", None) or request.getfixturevalue(role)
    client = client_for(user)
    query = {"date": "2030-01-09", "practitioner": busy_week.uuid}
    page = client.get("/calendar/week/", query)
    new = client.get("/calendar/week/", query, headers=HX).content.decode()
    sunday = MONDAY + datetime.timedelta(days=6)
    old = django_template_grid(user, page, "week", MONDAY, sunday)
    assert 'data-testid="agenda-appointment"' in new and 'data-testid="clinic-closed"' in new
    assert structure(new) == structure(old)
