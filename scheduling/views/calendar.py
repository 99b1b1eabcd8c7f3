"""The calendar: day view (a column per practitioner), week view (a column per
day for one practitioner), the colours stylesheet and the printable day sheet.

The grids are built by ``scheduling.calendar`` from a fixed set of queries:
the practitioners, the clinic settings, ``load_availability`` (five) and one
query of the period's appointments (plain rows), whatever the number of
bookings; they are drawn by one Jinja2 template
(jinja2_templates/scheduling/calendar_grid.html) that the pages include as markup.
"""

import hashlib
import re
import uuid as uuid_module
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from accounts.access import require
from accounts.roles import Capability
from clinic.models import ClinicSettings
from patients.models import Patient
from practitioners.models import Practitioner
from scheduling.availability import day_bounds, load_availability
from scheduling.calendar import Column, build_grid, grid_appointments, week_of
from scheduling.models import Appointment, AppointmentType
from sessions.floor import occupied_rooms

# Dates outside this range are refused (and date arithmetic near date.min/max overflows).
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# The calendars and the day sheet show a patient's name, number and phone: the rest
# of the record (contact details, clinical flags) is not even loaded for them.
PATIENT_FIELDS_SHOWN = {
    "id",
    "first_name",
    "last_name",
    "preferred_name",
    "patient_number",
    "phone",
}
PATIENT_FIELDS_NOT_SHOWN = [
    f"patient__{field.name}"
    for field in Patient._meta.concrete_fields
    if field.name not in PATIENT_FIELDS_SHOWN
]
# Practitioners' columns the day view shows at a time: eight fit a 1280-pixel screen.
COLUMNS_PER_PAGE = 8


def _day_from_query(value: str | None, notices: list[str]) -> date:
    today = timezone.localdate()
    if not value:
        return today
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        notices.append(f"“{value[:40]}” is not a date the calendar can show: showing today.")
        return today
    return day


def _pick(options, value: str | None, notices: list[str], what: str):
    """The option (practitioner, room) whose uuid is ``value``; None, with a
    notice, if the value is not one of them."""
    if not value:
        return None
    try:
        wanted = uuid_module.UUID(value.strip())
    except ValueError:
        wanted = None
    for option in options:
        if option.uuid == wanted:
            return option
    notices.append(f"That {what} was not found (or is no longer active): showing all {what}s.")
    return None


def _url(name: str, **query) -> str:
    query = {key: value for key, value in query.items() if value}
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def _period(practitioner_ids: list[int], first_day: date, last_day: date):
    start, _ = day_bounds(first_day)
    _, end = day_bounds(last_day)
    return (
        Appointment.objects.filter(practitioner_id__in=practitioner_ids)
        .overlapping(start, end)
        .order_by("start_at")
    )


def _period_appointments(practitioner_ids: list[int], first_day: date, last_day: date):
    """Every appointment of the period (cancelled ones too), in one query, for the day sheet."""
    return list(
        _period(practitioner_ids, first_day, last_day)
        .for_calendar()
        .defer(*PATIENT_FIELDS_NOT_SHOWN)
    )


def _permissions(user):
    """Who may book for which practitioner and move which appointment."""
    books_for_anyone = user.can(Capability.BOOK_APPOINTMENTS)
    books_own = user.can(Capability.EDIT_OWN_APPOINTMENTS)

    def can_book(practitioner) -> bool:
        return books_for_anyone or (books_own and practitioner.user_id == user.id)

    def can_move(appointment) -> bool:
        # Appointment.changeable_by, for a GridAppointment (a plain row).
        return appointment.is_movable and (
            books_for_anyone or (books_own and appointment.practitioner_user_id == user.id)
        )

    return can_book, can_move


def _grid(request, columns, practitioner_ids, first_day, last_day, room_value, notices):
    """Availability, appointments and the grid; the rooms and the chosen room."""
    availability = load_availability(practitioner_ids, first_day, last_day)
    room = _pick(availability.rooms, room_value, notices, "room")
    appointments = grid_appointments(_period(practitioner_ids, first_day, last_day))
    if room is not None:
        appointments = [a for a in appointments if a.room_id == room.id]
    can_book, can_move = _permissions(request.user)
    grid = build_grid(
        columns,
        availability,
        [a for a in appointments if a.is_active],
        slot_minutes=ClinicSettings.load().slot_minutes,
        now=timezone.now(),
        room=room,
        book_url=reverse("scheduling:book"),
        can_book=can_book,
        can_move=can_move,
    )
    closed = sorted(availability.closed_days)
    return {
        "grid": grid,
        "rooms": availability.rooms,
        "room": room,
        "closed_days": closed,
        "closed_labels": [f"{day:%A} {day.day} {day:%B}" for day in closed],
        "not_shown": [a for a in appointments if not a.is_active],
    }


@require_GET
@require(Capability.VIEW_CALENDAR)
def day_view(request):
    """A column per practitioner, COLUMNS_PER_PAGE at a time: a clinic group's
    forty columns fit no screen (and cost forty times one to draw)."""
    notices: list[str] = []
    day = _day_from_query(request.GET.get("date"), notices)
    practitioners = list(Practitioner.objects.active().with_user().order_by("user__full_name"))
    chosen = _pick(practitioners, request.GET.get("practitioner"), notices, "practitioner")
    # get_page turns a missing, odd or too-large page number into the first or last page.
    page = (
        None
        if chosen
        else Paginator(practitioners, COLUMNS_PER_PAGE).get_page(request.GET.get("page"))
    )
    shown = [chosen] if chosen else list(page)
    columns = [
        Column(
            practitioner,
            day,
            heading=str(practitioner),
            links=[
                (
                    "Week",
                    _url("scheduling:week", date=day.isoformat(), practitioner=practitioner.uuid),
                ),
                (
                    "Day sheet",
                    reverse("scheduling:day-sheet", kwargs={"uuid": practitioner.uuid})
                    + f"?date={day.isoformat()}",
                ),
            ],
        )
        for practitioner in shown
    ]
    context = _grid(
        request, columns, [p.id for p in shown], day, day, request.GET.get("room"), notices
    )
    room_uuid = context["room"].uuid if context["room"] else None
    chosen_uuid = chosen.uuid if chosen else None
    page_number = page.number if page and page.number > 1 else None

    def here(when: date, number: int | None = page_number) -> str:
        return _url(
            "scheduling:day",
            date=when.isoformat(),
            practitioner=chosen_uuid,
            room=room_uuid,
            page=number,
        )

    is_today = day == timezone.localdate()
    caption = f"Appointments on {day:%A} {day.day} {day:%B %Y}"
    if page is not None and page.has_other_pages():
        caption += (
            f", practitioners {page.start_index()}–{page.end_index()} of {len(practitioners)}"
        )
    context |= {
        "day": day,
        "is_today": is_today,
        # Rooms with needles still in stay occupied, whatever the bookings say.
        "occupied_rooms": _occupied(occupied_rooms(timezone.now()).values()) if is_today else [],
        "practitioners": practitioners,
        "practitioner": chosen,
        "filters": {
            "action": reverse("scheduling:day"),
            "any_practitioner": True,
            "other_label": "Week view",
            "other_url": _url("scheduling:week", date=day.isoformat(), practitioner=chosen_uuid),
        },
        "column_pages": _column_pages(
            page, lambda number: here(day, number if number > 1 else None)
        ),
        "notices": notices,
        "grid_url": here(day),
        "previous_url": here(day - timedelta(days=1)),
        "next_url": here(day + timedelta(days=1)),
        "today_url": here(timezone.localdate()),
        "caption": caption,
        "view": "day",
    }
    return _page(request, "scheduling/day.html", context)


def _occupied(sessions) -> list[tuple[str, str, str]]:
    """Room, since when (clinic time) and practitioner of each running retention."""
    return [
        (
            str(session.room),
            f"{timezone.localtime(session.needles_in_at):%H:%M}",
            str(session.practitioner),
        )
        for session in sessions
    ]


def _page(request, template: str, context: dict):
    """The page, or for htmx the grid alone (it reloads itself after a change). The
    grid is a Jinja2 template of its own, included in the page as markup."""
    grid = engines["jinja2"].get_template("scheduling/calendar_grid.html")
    context["grid_html"] = mark_safe(  # noqa: S308 (autoescaped by Jinja2)
        grid.render(
            {
                key: context.get(key)
                for key in (
                    "grid",
                    "view",
                    "caption",
                    "occupied_rooms",
                    "closed_labels",
                    "not_shown",
                )
            },
            request,
        )
    )
    if _grid_request(request):
        return HttpResponse(context["grid_html"])
    return render(request, template, context)


def _column_pages(page, url_of) -> list[dict]:
    """Links to every page of columns, labelled with the names they start and end
    with (so the desk can jump straight to a colleague); [] when one page holds all."""
    if page is None or not page.has_other_pages():
        return []
    people = page.paginator.object_list
    links = []
    for number in page.paginator.page_range:
        first = (number - 1) * COLUMNS_PER_PAGE
        last = min(first + COLUMNS_PER_PAGE, len(people)) - 1
        links.append(
            {
                "label": f"{people[first]} – {people[last]}",
                "url": url_of(number),
                "current": number == page.number,
            }
        )
    return links


def _grid_request(request) -> bool:
    """htmx asking for the grid alone (it reloads itself after a change)."""
    return bool(request.htmx) and not request.htmx.boosted


@require_GET
@require(Capability.VIEW_CALENDAR)
def week_view(request):
    notices: list[str] = []
    day = _day_from_query(request.GET.get("date"), notices)
    days = week_of(day)
    practitioners = list(Practitioner.objects.active().with_user().order_by("user__full_name"))
    chosen = _pick(practitioners, request.GET.get("practitioner"), notices, "practitioner")
    if chosen is None:
        mine = [p for p in practitioners if p.user_id == request.user.id]
        chosen = (mine or practitioners or [None])[0]
    context = {
        "day": day,
        "days": days,
        "practitioners": practitioners,
        "practitioner": chosen,
        "notices": notices,
        "view": "week",
        "filters": {
            "action": reverse("scheduling:week"),
            "any_practitioner": False,
            "other_label": "Day view",
            "other_url": _url("scheduling:day", date=day.isoformat()),
        },
        "grid": None,
        "rooms": [],
        "room": None,
    }
    if chosen is not None:
        columns = [
            Column(
                chosen,
                when,
                heading=f"{when:%a} {when.day} {when:%b}",
                links=[
                    (
                        "Day",
                        _url("scheduling:day", date=when.isoformat(), practitioner=chosen.uuid),
                    ),
                    (
                        "Day sheet",
                        reverse("scheduling:day-sheet", kwargs={"uuid": chosen.uuid})
                        + f"?date={when.isoformat()}",
                    ),
                ],
            )
            for when in days
        ]
        context |= _grid(
            request, columns, [chosen.id], days[0], days[-1], request.GET.get("room"), notices
        )
        room_uuid = context["room"].uuid if context["room"] else None

        def here(when: date) -> str:
            return _url(
                "scheduling:week", date=when.isoformat(), practitioner=chosen.uuid, room=room_uuid
            )

        context |= {
            "grid_url": here(day),
            "previous_url": here(day - timedelta(days=7)),
            "next_url": here(day + timedelta(days=7)),
            "today_url": here(timezone.localdate()),
            "caption": (
                f"{chosen}: appointments in the week of {days[0]:%A} {days[0].day} {days[0]:%B %Y}"
            ),
        }
    else:
        notices.append("There are no active practitioners yet.")
    return _page(request, "scheduling/week.html", context)


def _tint(colour: str, alpha: float = 0.16) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


@require_GET
@require(Capability.VIEW_CALENDAR)
def colours_css(request):
    """One class per practitioner (.prac-<id>: the left border) and per
    appointment type (.type-<id>: a light background), from the colours kept
    in the database: the CSP forbids inline styles."""
    lines = ["/* Calendar colours, from the practitioners' and appointment types' settings. */"]
    for pk, colour in Practitioner.objects.order_by("pk").values_list("pk", "calendar_colour"):
        if HEX_COLOUR.match(colour):
            lines.append(f".prac-{pk} {{ border-left-color: {colour}; }}")
    for pk, colour in AppointmentType.objects.order_by("pk").values_list("pk", "colour"):
        if HEX_COLOUR.match(colour):
            lines.append(f".type-{pk} {{ background-color: {_tint(colour)}; }}")
    css = "\n".join(lines) + "\n"
    etag = '"' + hashlib.sha256(css.encode()).hexdigest()[:32] + '"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    # Short: a colour changed in the admin shows within a minute.
    response["Cache-Control"] = "private, max-age=60"
    return response


@require_GET
@require(Capability.VIEW_CALENDAR)
def day_sheet(request, uuid):
    """A practitioner's appointments of one day, to print: who, when, where and
    how to reach them. Never anything clinical."""
    practitioner = get_object_or_404(Practitioner.objects.with_user(), uuid=uuid)
    notices: list[str] = []
    day = _day_from_query(request.GET.get("date"), notices)
    appointments = _period_appointments([practitioner.id], day, day)
    sheet = reverse("scheduling:day-sheet", kwargs={"uuid": practitioner.uuid})
    context = {
        "practitioner": practitioner,
        "day": day,
        "notices": notices,
        "appointments": [a for a in appointments if a.is_active],
        "not_shown": [a for a in appointments if not a.is_active],
        "previous_url": f"{sheet}?date={day - timedelta(days=1):%Y-%m-%d}",
        "next_url": f"{sheet}?date={day + timedelta(days=1):%Y-%m-%d}",
        "day_url": _url("scheduling:day", date=day.isoformat(), practitioner=practitioner.uuid),
    }
    return render(request, "scheduling/day_sheet.html", context)
