"""The day and week calendar grids, built from data already loaded (no queries):
``grid_appointments`` loads the appointments as plain rows beforehand, and
jinja2_templates/scheduling/calendar_grid.html draws the grid.

A grid is a table: one row per slot of the clinic's grid (``slot_minutes``,
in local clock time) and one column per practitioner and day. The day view
has a column per practitioner on one day; the week view has a column per day
for one practitioner. Each cell is one of:

* ``appointment``: one or more appointments starting in that slot, spanning
  (``rowspan``) every slot up to the end of their blocked time (the buffer
  after a visit included); the slots it covers have no cell of their own;
* ``free``: the practitioner works then, has no booking and a room is free;
* ``past``: free, but the time has gone;
* ``busy``: the practitioner is booked then, in a booking not shown here
  (the room filter hides it, or it started the day before);
* ``no_room``: the practitioner is free but no room is (or not the chosen one);
* ``off``: outside working hours, time off or a clinic closure.

Rows are wall-clock times, so a day on which the clocks change still has a
09:00 row at 09:00 and 32 fifteen-minute rows between 09:00 and 17:00. The
hour that does not exist (spring) or happens twice (autumn) is at night,
outside any clinic's hours; it is shown once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.urls import reverse

from patients.models import Patient
from scheduling.availability import Availability, clinic_zone, day_bounds, local_datetime
from scheduling.models import Appointment

# A grid's appointments are plain rows (GridAppointment.FIELDS), not model
# instances: five objects each (with patient, practitioner, room and type) for
# a hundred bookings was a good part of a calendar page.
STATUS_LABELS = dict(Appointment.Status.choices)

MINUTES_PER_DAY = 24 * 60
# Shown when nobody works that day (a closure, a weekend).
FALLBACK_HOURS = (8 * 60, 18 * 60)


@dataclass
class Column:
    """One practitioner on one day. ``links`` are (label, url) pairs the view adds."""

    practitioner: Any
    day: date
    heading: str
    links: list[tuple[str, str]] = field(default_factory=list)

    @cached_property
    def day_iso(self) -> str:
        return self.day.isoformat()

    @cached_property
    def day_label(self) -> str:
        """Monday 7 January."""
        return f"{self.day:%A} {self.day.day} {self.day:%B}"


@dataclass
class Entry:
    """An appointment as the grid shows it, with its links."""

    appointment: Any
    can_move: bool = False
    url: str = ""
    move_url: str = ""
    # Where calendar.js asks about a drag target, and drops the appointment.
    check_url: str = ""
    drop_url: str = ""

    @cached_property
    def local_start(self) -> datetime:
        return self.appointment.start_at.astimezone(clinic_zone())

    @cached_property
    def time_label(self) -> str:
        end = self.appointment.end_at.astimezone(clinic_zone())
        return f"{self.local_start:%H:%M}–{end:%H:%M}"


class GridAppointment:
    """An appointment as a calendar shows it, from ``.values(*FIELDS)``: who, when,
    where, what and its status; of the patient only the names (never anything
    clinical, nor contact details)."""

    FIELDS = (
        "id",
        "uuid",
        "start_at",
        "end_at",
        "blocked_until",
        "status",
        "version",
        "practitioner_id",
        "practitioner__uuid",
        "practitioner__user_id",
        "practitioner__user__full_name",
        "room_id",
        "room__uuid",
        "room__name",
        "appointment_type_id",
        "appointment_type__name",
        "appointment_type__buffer_after_minutes",
        "patient__first_name",
        "patient__preferred_name",
        "patient__last_name",
    )
    __slots__ = (
        "appointment_type_id",
        "blocked_until",
        "buffer_minutes",
        "end_at",
        "patient_name",
        "pk",
        "practitioner_id",
        "practitioner_name",
        "practitioner_user_id",
        "practitioner_uuid",
        "room_id",
        "room_name",
        "room_uuid",
        "start_at",
        "status",
        "type_name",
        "url",
        "uuid",
        "version",
    )

    def __init__(self, row: dict, url: str = ""):
        self.pk = row["id"]
        self.uuid = row["uuid"]
        self.start_at = row["start_at"]
        self.end_at = row["end_at"]
        self.blocked_until = row["blocked_until"]
        self.status = row["status"]
        self.version = row["version"]
        self.practitioner_id = row["practitioner_id"]
        self.practitioner_uuid = row["practitioner__uuid"]
        self.practitioner_user_id = row["practitioner__user_id"]
        self.practitioner_name = row["practitioner__user__full_name"]
        self.room_id = row["room_id"]
        self.room_uuid = row["room__uuid"]
        self.room_name = row["room__name"]
        self.appointment_type_id = row["appointment_type_id"]
        self.type_name = row["appointment_type__name"]
        self.buffer_minutes = row["appointment_type__buffer_after_minutes"]
        self.patient_name = Patient.name_of(
            row["patient__first_name"], row["patient__preferred_name"], row["patient__last_name"]
        )
        self.url = url

    @property
    def is_active(self) -> bool:
        return self.status in Appointment.ACTIVE_STATUSES

    @property
    def is_movable(self) -> bool:
        return self.status == Appointment.Status.BOOKED

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)

    @property
    def when_label(self) -> str:
        """Monday 7 January, 10:00 (clinic time)."""
        start = self.start_at.astimezone(clinic_zone())
        return f"{start:%A} {start.day} {start:%B, %H:%M}"


def grid_appointments(queryset) -> list[GridAppointment]:
    """The queryset's appointments as GridAppointments (one query), each with its link."""
    link = uuid_url("scheduling:appointment")
    return [
        GridAppointment(row, link(row["uuid"])) for row in queryset.values(*GridAppointment.FIELDS)
    ]


# What a cell shows on screen (a word, so that colour is never the only signal).
SHORT_LABELS = {"free": "Free", "busy": "Busy", "no_room": "No room", "past": "", "off": ""}


@dataclass
class Cell:
    kind: str
    start: datetime  # local, in the clinic's zone
    end: datetime
    column: Column
    rowspan: int = 1
    entries: list[Entry] = field(default_factory=list)
    room: Any = None  # the free room offered by a free cell
    book_url: str = ""
    label: str = ""  # the text a screen reader needs: what this cell is

    @property
    def time_label(self) -> str:
        return f"{self.start:%H:%M}"

    @property
    def short_label(self) -> str:
        return SHORT_LABELS.get(self.kind, "")


@dataclass
class Row:
    clock: time
    cells: list[Cell]

    @property
    def label(self) -> str:
        return f"{self.clock:%H:%M}"


@dataclass
class AgendaItem:
    """One line of a column's agenda: an appointment cell, or a run of free time."""

    cell: Cell
    end: datetime  # local; a free run's end may be several slots after its first cell's


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    slot_minutes: int
    # Each column's cells top to bottom (the same cells as ``rows``), for the agenda.
    column_cells: list[list[Cell]] = field(default_factory=list)

    @property
    def agenda(self) -> list[tuple[Column, list[AgendaItem]]]:
        """The grid as a list per column, for a phone: its appointments, and its
        bookable free time with consecutive free slots joined into one line."""
        days = []
        for column, cells in zip(self.columns, self.column_cells, strict=True):
            items: list[AgendaItem] = []
            for cell in cells:
                if cell.kind == "appointment":
                    items.append(AgendaItem(cell, cell.end))
                elif cell.kind == "free" and cell.book_url:
                    last = items[-1] if items else None
                    if last and last.cell.kind == "free" and last.end == cell.start:
                        last.end = cell.end
                    else:
                        items.append(AgendaItem(cell, cell.end))
            days.append((column, items))
        return days


def _minutes(moment: datetime, day: date) -> int:
    """Local clock minutes since ``day``'s midnight, 0..1440 (1440 = the next midnight)."""
    day_start, day_end = day_bounds(day)
    if moment <= day_start:
        return 0
    if moment >= day_end:
        return MINUTES_PER_DAY
    local = moment.astimezone(clinic_zone())
    return local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)


def _floor(minutes: int, step: int) -> int:
    return minutes - minutes % step


def _ceil(minutes: int, step: int) -> int:
    return min(MINUTES_PER_DAY, math.ceil(minutes / step) * step)


def _clock_moment(day: date, minutes: int) -> datetime:
    """The aware local datetime of a clock time on a day (1440 = the next midnight)."""
    if minutes >= MINUTES_PER_DAY:
        return local_datetime(day + timedelta(days=1), time.min)
    return local_datetime(day, time(minutes // 60, minutes % 60))


def row_range(
    columns: list[Column], availability: Availability, appointments: Iterable, step: int
) -> tuple[int, int]:
    """First and last (exclusive) clock minute of the grid: the earliest start
    and latest end of the shown practitioners' working time on the shown days,
    08:00–18:00 if nobody works, widened to show every appointment."""
    low, high = MINUTES_PER_DAY, 0
    for column in columns:
        day_start, day_end = day_bounds(column.day)
        for start, end in availability.working.get(column.practitioner.id, []):
            if end <= day_start or start >= day_end:
                continue
            low = min(low, _minutes(start, column.day))
            high = max(high, _minutes(end, column.day))
    if low >= high:
        low, high = FALLBACK_HOURS
    for appointment, column in appointments:
        low = min(low, _minutes(appointment.start_at, column.day))
        high = max(high, _minutes(appointment.blocked_until, column.day))
    return _floor(low, step), _ceil(high, step)


def build_grid(
    columns: list[Column],
    availability: Availability,
    appointments: Iterable,
    *,
    slot_minutes: int,
    now: datetime,
    room=None,
    book_url: str = "",
    can_book: Callable[[Any], bool] = lambda practitioner: True,
    can_move: Callable[[Any], bool] = lambda appointment: False,
) -> Grid:
    """The grid of ``columns`` (practitioner and day each).

    ``appointments`` are active ones, with practitioner and room loaded; those
    of other practitioners, days or (when ``room`` is given) rooms are left out.
    Free cells link to ``book_url`` with the practitioner, local start and a
    free room, for the practitioners ``can_book`` allows; appointments that
    ``can_move`` allows get a Move button.
    """
    step = slot_minutes
    zone = clinic_zone()
    by_column: dict[tuple[int, date], list] = defaultdict(list)
    wanted = {(column.practitioner.id, column.day): column for column in columns}
    for appointment in sorted(appointments, key=lambda a: a.start_at):
        if not appointment.is_active or (room is not None and appointment.room_id != room.id):
            continue
        key = (appointment.practitioner_id, appointment.start_at.astimezone(zone).date())
        if key in wanted:
            by_column[key].append(appointment)

    placed = [
        (appointment, wanted[key]) for key, listed in by_column.items() for appointment in listed
    ]
    first, last = row_range(columns, availability, placed, step)
    links = tuple(
        uuid_url(name)
        for name in (
            "scheduling:appointment",
            "scheduling:move",
            "scheduling:move-check",
            "scheduling:move-drop",
        )
    )
    clocks = list(range(first, last, step))
    grid_rows = [Row(time(m // 60, m % 60), []) for m in clocks]

    column_cells = []
    for column in columns:
        cells = _column_cells(
            column,
            clocks,
            step,
            availability,
            by_column[(column.practitioner.id, column.day)],
            now=now,
            room=room,
            book_url=book_url if can_book(column.practitioner) else "",
            can_move=can_move,
            links=links,
        )
        for index, cell in cells.items():
            grid_rows[index].cells.append(cell)
        column_cells.append(list(cells.values()))
    return Grid(columns=columns, rows=grid_rows, slot_minutes=step, column_cells=column_cells)


@lru_cache(maxsize=64)
def _row_instants(day: date, clocks: tuple[int, ...], step: int, zone_key: str):
    """The UTC start and end of each row on a day: the same for every column of a
    day view, so worked out once (``zone_key``, the clinic's zone, keys the cache)."""
    starts = [_clock_moment(day, m).astimezone(UTC) for m in clocks]
    ends = [_clock_moment(day, m + step).astimezone(UTC) for m in clocks]
    return starts, ends


def _column_cells(
    column, clocks, step, availability, appointments, *, now, room, book_url, can_move, links
):
    """The cells of one column, by row index (rows covered by an appointment have none)."""
    appointment_url, move_url, check_url, drop_url = links
    zone = clinic_zone()
    starts, ends = _row_instants(column.day, tuple(clocks), step, zone.key)

    # Group appointments into blocks of rows: one that starts in a row another
    # covers (possible with off-grid times) joins that block's cell.
    blocks: list[list] = []  # [first row, end row (exclusive), appointments]
    for appointment in appointments:
        first = max(
            (i for i, start in enumerate(starts) if start <= appointment.start_at), default=0
        )
        end = first + 1
        while end < len(starts) and starts[end] < appointment.blocked_until:
            end += 1
        if blocks and first < blocks[-1][1]:
            blocks[-1][1] = max(blocks[-1][1], end)
            blocks[-1][2].append(appointment)
        else:
            blocks.append([first, end, [appointment]])

    practitioner = column.practitioner
    cells: dict[int, Cell] = {}
    covered: set[int] = set()
    for first, end, listed in blocks:
        cells[first] = Cell(
            kind="appointment",
            start=starts[first].astimezone(zone),
            end=ends[end - 1].astimezone(zone),
            column=column,
            rowspan=end - first,
            entries=[
                Entry(
                    appointment,
                    can_move(appointment),
                    url=appointment_url(appointment.uuid),
                    move_url=move_url(appointment.uuid),
                    check_url=check_url(appointment.uuid),
                    drop_url=drop_url(appointment.uuid),
                )
                for appointment in listed
            ],
            label=f"{len(listed)} appointment{'s' if len(listed) > 1 else ''}",
        )
        covered.update(range(first, end))

    for index in range(len(clocks)):
        if index in covered:
            continue
        start, end = starts[index], ends[index]
        cell = Cell(
            kind="off",
            start=start.astimezone(zone),
            end=end.astimezone(zone),
            column=column,
            label="Not working",
        )
        cells[index] = cell
        if not availability.practitioner_free(practitioner.id, start, end):
            cell.kind, cell.label = "busy", "Busy (booking not shown here)"
            continue
        if not availability.is_working(practitioner.id, start, end):
            continue
        free_room = _free_room(availability, room, start, end)
        if free_room is None:
            cell.kind = "no_room"
            cell.label = f"Free, but {room} is taken" if room else "Free, but no room is free"
        elif start < now:
            cell.kind, cell.label = "past", "Free (time has passed)"
        else:
            cell.kind, cell.room, cell.label = "free", free_room, "Free"
            if book_url:
                cell.label = f"Book {cell.time_label} with {practitioner}"
                cell.book_url = booking_link(book_url, practitioner, cell.start, free_room)
    return dict(sorted(cells.items()))


def uuid_url(name: str) -> Callable[[UUID], str]:
    """``reverse(name, kwargs={"uuid": …})`` for many objects: resolved once and
    then filled in, as a day grid links hundreds of appointments."""
    sample = UUID(int=0)
    head, tail = reverse(name, kwargs={"uuid": sample}).split(str(sample))
    return lambda value: f"{head}{value}{tail}"


def _free_room(availability: Availability, room, start: datetime, end: datetime):
    """The chosen room if it is free then, else the first free room (or None)."""
    if room is None:
        return availability.free_room(start, end)
    return room if availability.room_free(room.id, start, end) else None


def booking_link(book_url: str, practitioner, local_start: datetime, room=None) -> str:
    """The booking form, pre-filled: ?practitioner=<uuid>&start=2030-01-07T09:15&room=<uuid>."""
    query = {"practitioner": practitioner.uuid, "start": f"{local_start:%Y-%m-%dT%H:%M}"}
    if room is not None:
        query["room"] = room.uuid
    return f"{book_url}?{urlencode(query, safe=':')}"


def week_of(day: date) -> list[date]:
    """Monday to Sunday of the week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=offset) for offset in range(7)]
