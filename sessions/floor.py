"""The treatment-floor board: which rooms have needles in, for how long.

``board_rows`` is pure (now, rooms, running sessions, settings -> rows) so the
thresholds can be tested without a database. ``load_board`` does the reading in
a fixed number of queries, whatever the number of rooms and sessions.

A room with needles still in stays occupied: ``occupied_rooms`` (for the
calendar) and ``room_still_occupied`` (for checking the next patient in) read
the same running retentions. Nothing clinical is shown: the patient's name,
the practitioner and the retention times only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.urls import reverse

from clinic.models import ClinicSettings
from scheduling.models import Room
from sessions.models import TreatmentSession

# Each state has a text and a glyph: the highlight never relies on colour alone.
UNDER, MIN_REACHED, MAX_REACHED, FREE = "under", "min", "max", "free"
GLYPHS = {UNDER: "◷", MIN_REACHED: "⚠", MAX_REACHED: "✖", FREE: "✓"}
# The order in which a room's highlight is chosen: its most urgent session wins.
URGENCY = {FREE: 0, UNDER: 1, MIN_REACHED: 2, MAX_REACHED: 3}


def status_labels(low: int, high: int) -> dict[str, str]:
    """The status texts for the clinic's retention range (20–30 minutes by default)."""
    return {
        UNDER: f"Under {low} min",
        MIN_REACHED: f"{low} min reached — check patient",
        MAX_REACHED: f"{high} min reached — remove needles",
        FREE: "Free",
    }


def retention_state(elapsed_seconds: float, low: int, high: int) -> str:
    if elapsed_seconds >= high * 60:
        return MAX_REACHED
    if elapsed_seconds >= low * 60:
        return MIN_REACHED
    return UNDER


def iso_utc(moment: datetime) -> str:
    """An ISO 8601 time the browser's Date.parse reads everywhere (no microseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunningSession:
    session: TreatmentSession
    elapsed_minutes: int
    state: str
    label: str
    glyph: str
    # The viewer is the treating practitioner: the board links to the record.
    is_own: bool

    @property
    def needles_in_iso(self) -> str:
        return iso_utc(self.session.needles_in_at)

    @property
    def record_url(self) -> str:
        return reverse("records:record", kwargs={"uuid": self.session.uuid})


@dataclass(frozen=True)
class FloorRow:
    room: Room | None  # None: running sessions recorded without a room
    sessions: list[RunningSession] = field(default_factory=list)

    @property
    def state(self) -> str:
        return max((s.state for s in self.sessions), key=URGENCY.__getitem__, default=FREE)

    @property
    def is_free(self) -> bool:
        return not self.sessions

    @property
    def name(self) -> str:
        return self.room.name if self.room is not None else "No room recorded"

    @property
    def anchor(self) -> str:
        return f"room-{self.room.uuid}" if self.room is not None else "room-none"


def running_session(session, *, now, low, high, viewer_id=None) -> RunningSession:
    elapsed = max((now - session.needles_in_at).total_seconds(), 0)
    state = retention_state(elapsed, low, high)
    return RunningSession(
        session=session,
        elapsed_minutes=int(elapsed // 60),
        state=state,
        label=status_labels(low, high)[state],
        glyph=GLYPHS[state],
        is_own=viewer_id is not None and session.practitioner.user_id == viewer_id,
    )


def board_rows(*, now, rooms, sessions, settings, viewer_id=None) -> list[FloorRow]:
    """One row per room (in the order given), each with its running sessions
    (longest-running first); sessions in a room not listed get a row of their
    own room, and sessions without a room a last row."""
    low, high = settings.retention_range
    rows: dict[int | None, FloorRow] = {room.pk: FloorRow(room) for room in rooms}
    extra: dict[int | None, FloorRow] = {}
    for session in sorted(sessions, key=lambda s: s.needles_in_at):
        if session.room_id in rows:
            row = rows[session.room_id]
        else:
            row = extra.setdefault(session.room_id, FloorRow(session.room))
        row.sessions.append(
            running_session(session, now=now, low=low, high=high, viewer_id=viewer_id)
        )
    # Rooms since made inactive still show while needles are in them; no room last.
    tail = sorted(extra.values(), key=lambda r: (r.room is None, r.name))
    return [*rows.values(), *tail]


def _running():
    return TreatmentSession.objects.retention_running().select_related(
        "patient", "practitioner__user", "room"
    )


@dataclass(frozen=True)
class Board:
    now: datetime
    rows: list[FloorRow]
    retention_min: int
    retention_max: int
    labels: dict[str, str]
    glyphs: dict[str, str] = field(default_factory=lambda: dict(GLYPHS))

    @property
    def now_iso(self) -> str:
        return iso_utc(self.now)

    @property
    def running_count(self) -> int:
        return sum(len(row.sessions) for row in self.rows)


def load_board(*, now, viewer=None) -> Board:
    """The board in three queries: settings, running sessions, active rooms."""
    settings = ClinicSettings.load()
    sessions = list(_running().filter(needles_in_at__lte=now))
    rooms = Room.objects.filter(is_active=True).order_by("name")
    rows = board_rows(
        now=now,
        rooms=rooms,
        sessions=sessions,
        settings=settings,
        viewer_id=getattr(viewer, "pk", None),
    )
    low, high = settings.retention_range
    return Board(
        now=now, rows=rows, retention_min=low, retention_max=high, labels=status_labels(low, high)
    )


def occupied_rooms(now) -> dict[int, TreatmentSession]:
    """Rooms with needles in at ``now`` (room id -> the longest-running session), in one
    query, for the calendar. The session carries its patient, practitioner and room."""
    occupied: dict[int, TreatmentSession] = {}
    for session in (
        _running().filter(room__isnull=False, needles_in_at__lte=now).order_by("needles_in_at")
    ):
        occupied.setdefault(session.room_id, session)
    return occupied


def room_still_occupied(room, *, except_patient=None) -> TreatmentSession | None:
    """The running session (needles in, not yet out) in ``room``, if any; with
    ``except_patient``, only another patient's. The longest-running one first."""
    if room is None:
        return None
    sessions = _running().filter(room=room)
    if except_patient is not None:
        sessions = sessions.exclude(patient=except_patient)
    return sessions.order_by("needles_in_at").first()
