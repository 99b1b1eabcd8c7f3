"""The treatment-floor board: running retentions by room, highlighted at the
clinic's thresholds (20 and 30 minutes by default), refreshed by htmx polling."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.floor import board_rows, occupied_rooms, retention_state, room_still_occupied
from tests.factories import PatientFactory
from tests.factories.scheduling import RoomFactory
from tests.factories.sessions import TreatmentSessionFactory

NOW = datetime.datetime(2030, 1, 7, 10, 30, tzinfo=datetime.UTC)
DEFAULT = ClinicSettings(retention_min_minutes=20, retention_max_minutes=30)
URL = "/records/floor/"


def running(room, *, minutes, practitioner=None, now=None, **fields):
    """A session in ``room`` whose needles went in ``minutes`` ago."""
    extra = {"practitioner": practitioner} if practitioner is not None else {}
    return TreatmentSessionFactory(
        room=room,
        needles_in_at=(now or timezone.now()) - datetime.timedelta(minutes=minutes),
        **extra,
        **fields,
    )


# --- The rows, without a database ------------------------------------------------


def fake_session(room, *, seconds, user_id=1):
    return SimpleNamespace(
        room=room,
        room_id=room.pk if room is not None else None,
        needles_in_at=NOW - datetime.timedelta(seconds=seconds),
        practitioner=SimpleNamespace(user_id=user_id),
        uuid=f"00000000-0000-4000-8000-{seconds:012d}",
    )


def fake_room(pk, name):
    return SimpleNamespace(pk=pk, name=name, uuid=f"room-{pk}")


@pytest.mark.parametrize(
    ("seconds", "state"),
    [(0, "under"), (19 * 60 + 59, "under"), (20 * 60, "min"), (29 * 60 + 59, "min"), (30 * 60, "max"), (95 * 60, "max")],
)  # fmt: skip
def test_the_state_changes_at_20_and_30_minutes(seconds, state):
    assert retention_state(seconds, 20, 30) == state


def test_each_room_is_a_row_with_its_sessions_and_a_status_text():
    one, two, three = fake_room(1, "Room 1"), fake_room(2, "Room 2"), fake_room(3, "Room 3")
    rows = board_rows(
        now=NOW,
        rooms=[one, two, three],
        sessions=[fake_session(one, seconds=21 * 60), fake_session(three, seconds=31 * 60 + 5)],
        settings=DEFAULT,
    )
    assert [(r.name, r.state) for r in rows] == [
        ("Room 1", "min"),
        ("Room 2", "free"),
        ("Room 3", "max"),
    ]
    first = rows[0].sessions[0]
    assert (first.elapsed_minutes, first.label, first.glyph) == (
        21,
        "20 min reached — check patient",
        "⚠",
    )
    assert rows[2].sessions[0].label == "30 min reached — remove needles"
    assert rows[1].is_free


def test_the_thresholds_come_from_the_clinic_settings():
    room = fake_room(1, "Room 1")
    settings = ClinicSettings(retention_min_minutes=15, retention_max_minutes=25)
    rows = board_rows(
        now=NOW, rooms=[room], sessions=[fake_session(room, seconds=16 * 60)], settings=settings
    )
    assert rows[0].sessions[0].label == "15 min reached — check patient"
    rows = board_rows(
        now=NOW, rooms=[room], sessions=[fake_session(room, seconds=5 * 60)], settings=settings
    )
    assert rows[0].sessions[0].label == "Under 15 min"


def test_sessions_in_an_unlisted_room_or_without_a_room_still_show():
    listed, retired = fake_room(1, "Room 1"), fake_room(9, "Old room")
    rows = board_rows(
        now=NOW,
        rooms=[listed],
        sessions=[fake_session(None, seconds=60), fake_session(retired, seconds=120)],
        settings=DEFAULT,
    )
    assert [r.name for r in rows] == ["Room 1", "Old room", "No room recorded"]


def test_a_room_with_two_sessions_takes_the_most_urgent_state():
    room = fake_room(1, "Room 1")
    rows = board_rows(
        now=NOW,
        rooms=[room],
        sessions=[fake_session(room, seconds=60), fake_session(room, seconds=33 * 60)],
        settings=DEFAULT,
    )
    assert rows[0].state == "max"
    # Longest-running first.
    assert [s.elapsed_minutes for s in rows[0].sessions] == [33, 1]


def test_only_the_treating_practitioner_gets_a_link_to_the_record():
    room = fake_room(1, "Room 1")
    session = fake_session(room, seconds=60, user_id=7)
    own = board_rows(now=NOW, rooms=[room], sessions=[session], settings=DEFAULT, viewer_id=7)
    other = board_rows(now=NOW, rooms=[room], sessions=[session], settings=DEFAULT, viewer_id=8)
    assert own[0].sessions[0].is_own and not other[0].sessions[0].is_own
    assert own[0].sessions[0].record_url == f"/records/{session.uuid}/"


# --- The page ---------------------------------------------------------------------


@pytest.fixture
def rooms(db):
    return [RoomFactory(name=f"Room {n}") for n in (1, 2, 3)]


@pytest.mark.django_db
def test_the_front_desk_sees_every_room_and_who_has_needles_in(client_for, front_desk, rooms):
    patient = PatientFactory(first_name="Carla", last_name="Cortez")
    running(rooms[0], minutes=22, patient=patient, presenting_complaint="Secret complaint text")
    running(rooms[2], minutes=31)
    html = client_for(front_desk).get(URL).content.decode()

    assert html.count('data-testid="floor-room"') == 3
    assert "Carla Cortez" in html
    assert "20 min reached — check patient" in html
    assert "30 min reached — remove needles" in html
    assert "Free" in html
    assert "floor-state-min" in html and "floor-state-max" in html and "floor-state-free" in html
    # No clinical notes on the board, and no link into records for the front desk.
    assert "Secret complaint text" not in html
    assert 'data-testid="floor-record-link"' not in html


@pytest.mark.django_db
def test_needles_out_frees_the_room(client_for, front_desk, rooms):
    session = running(rooms[0], minutes=25)
    session.needles_out_at = timezone.now()
    session.save(update_fields=["needles_out_at"])
    html = client_for(front_desk).get(URL).content.decode()
    assert 'data-testid="floor-session"' not in html
    assert html.count("<strong>Free</strong>") == 3


@pytest.mark.django_db
def test_the_page_polls_and_the_script_ticks_from_the_needles_in_time(
    client_for, front_desk, rooms
):
    session = running(rooms[0], minutes=5)
    html = client_for(front_desk).get(URL).content.decode()
    assert 'hx-get="/records/floor/"' in html
    assert 'hx-trigger="every 15s, floorRefresh"' in html
    assert "js/floor-board.js" in html
    needles_in = session.needles_in_at.astimezone(datetime.UTC).isoformat(timespec="seconds")
    assert f'data-needles-in="{needles_in}"' in html
    assert "Under 20 min" in html


@pytest.mark.django_db
def test_an_htmx_poll_gets_the_board_alone(client_for, front_desk, rooms):
    running(rooms[1], minutes=21)
    response = client_for(front_desk).get(URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<nav" not in html
    assert 'id="floor-board"' in html and 'hx-trigger="every 15s, floorRefresh"' in html
    assert "20 min reached — check patient" in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_the_page_keeps_to_the_content_security_policy(client_for, practitioner, rooms):
    running(rooms[0], minutes=25, practitioner=practitioner)
    html = client_for(practitioner.user).get(URL).content.decode()
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


@pytest.mark.django_db
def test_a_practitioner_gets_a_link_to_their_own_running_record_only(
    client_for, practitioner, other_practitioner, rooms
):
    mine = running(rooms[0], minutes=10, practitioner=practitioner)
    theirs = running(rooms[1], minutes=10, practitioner=other_practitioner)
    html = client_for(practitioner.user).get(URL).content.decode()
    assert f'href="/records/{mine.uuid}/"' in html
    assert f"/records/{theirs.uuid}/" not in html
    assert "Olly Other" in html  # the other practitioner's session still shows


@pytest.mark.django_db
def test_the_clinic_settings_change_the_thresholds_on_the_page(client_for, front_desk, rooms):
    settings = ClinicSettings.load()
    settings.retention_min_minutes, settings.retention_max_minutes = 15, 25
    settings.save()
    running(rooms[0], minutes=16)
    html = client_for(front_desk).get(URL).content.decode()
    assert "15 min reached — check patient" in html
    assert 'data-retention-max="25"' in html


@pytest.mark.django_db
def test_the_board_reads_a_fixed_number_of_queries(client_for, front_desk, rooms):
    client = client_for(front_desk)
    ClinicSettings.load()
    running(rooms[0], minutes=3)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    one = count()
    more_rooms = [RoomFactory(name=f"Room {n}") for n in range(4, 9)]
    for room in [*rooms[1:], *more_rooms[:2]]:
        running(room, minutes=25)
    assert count() == one


# --- Occupied rooms, for the calendar and the check-in -----------------------------


@pytest.mark.django_db
def test_occupied_rooms_maps_each_room_to_its_running_session_in_one_query(
    django_assert_num_queries, rooms
):
    now = timezone.now()
    first = running(rooms[0], minutes=25, now=now)
    running(rooms[0], minutes=5, now=now)  # a second session in the same room
    out = running(rooms[1], minutes=40, now=now)
    out.needles_out_at = now
    out.save(update_fields=["needles_out_at"])
    running(None, minutes=10, now=now)  # no room recorded
    running(rooms[2], minutes=-5, now=now)  # needles in after `now`

    with django_assert_num_queries(1):
        occupied = occupied_rooms(now)
        names = {room_id: s.patient.display_name for room_id, s in occupied.items()}
    assert list(occupied) == [rooms[0].pk]
    assert occupied[rooms[0].pk] == first  # the longest-running one
    assert names[rooms[0].pk] == first.patient.display_name


@pytest.mark.django_db
def test_room_still_occupied_ignores_the_patient_being_checked_in(rooms):
    session = running(rooms[0], minutes=12)
    assert room_still_occupied(rooms[0]) == session
    assert room_still_occupied(rooms[0], except_patient=session.patient) is None
    assert room_still_occupied(rooms[1]) is None
    assert room_still_occupied(None) is None
