"""Front desk moves appointments on the calendar itself: drag to move and to
resize, a conflict shown before anything is saved, undo, the same with the
keyboard; and the day and week views on a phone."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinic.models import ClinicSettings
from tests.browser.conftest import DESKTOP, PHONE, login
from tests.factories import PatientFactory
from tests.factories.accounts import PASSWORD
from tests.factories.scheduling import (
    AppointmentFactory,
    AppointmentTypeFactory,
    RoomFactory,
    WorkingHoursFactory,
)

pytestmark = pytest.mark.browser


def next_monday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday())


def local(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def monday(practitioner):
    """Next Monday: the practitioner works 09:00–17:00 every weekday; Gwen at
    10:00 and Harry at 12:00 (45 minutes, 15 after), in one room."""
    ClinicSettings.load()
    for weekday in range(5):
        WorkingHoursFactory(
            practitioner=practitioner,
            weekday=weekday,
            start_time=datetime.time(9),
            end_time=datetime.time(17),
        )
    room = RoomFactory(name="Willow")
    kind = AppointmentTypeFactory(name="Follow-up treatment", duration_minutes=45)
    day = next_monday()
    gwen = AppointmentFactory(
        practitioner=practitioner,
        room=room,
        appointment_type=kind,
        patient=PatientFactory(first_name="Gwen", last_name="Grey"),
        start_at=local(day, 10),
    )
    harry = AppointmentFactory(
        practitioner=practitioner,
        room=room,
        appointment_type=kind,
        patient=PatientFactory(first_name="Harry", last_name="Hill"),
        start_at=local(day, 12),
    )
    return day, gwen, harry


def open_day(page, live_server, user, day):
    login(page, live_server, user.email, PASSWORD)
    page.goto(f"{live_server.url}/calendar/?date={day.isoformat()}")


def entry_of(page, name):
    return page.get_by_test_id("calendar-appointment").filter(has_text=name)


def drag(page, handle, clock, *, start="10:00", column_index=0):
    """Drag ``handle`` with the mouse as far as from the row of ``start`` to the
    row of ``clock`` (the row it was grabbed in stays under the pointer, as
    rows of long entries are taller), into a column; the button stays down."""
    header = page.locator("thead th.cal-col-head").nth(column_index).bounding_box()
    rows = page.locator("tbody th.cal-time")
    clocks = rows.evaluate_all("(ths) => ths.map((th) => th.dataset.clock)")
    boxes = rows.evaluate_all(
        "(ths) => ths.map((th) => { const b = th.parentElement.getBoundingClientRect();"
        " return [b.top, b.bottom]; })"
    )
    box = handle.bounding_box()
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    grabbed = next(i for i, (top, bottom) in enumerate(boxes) if top <= y0 < bottom)
    wanted = clocks.index(clock) + grabbed - clocks.index(start)
    top, bottom = boxes[wanted]
    page.mouse.move(x0, y0)
    page.mouse.down()
    x, y = header["x"] + header["width"] / 2, (top + bottom) / 2
    page.mouse.move(x, y - 20, steps=4)
    page.mouse.move(x, y, steps=4)


def test_drag_to_a_free_time_moves_it_and_undo_puts_it_back(page, live_server, front_desk, monday):
    day, gwen, _ = monday
    open_day(page, live_server, front_desk, day)
    grip = entry_of(page, "Gwen Grey").get_by_role("button", name="Move Gwen Grey")
    drag(page, grip, "14:00")
    # Before the drop, the place says in words that it is free.
    expect(page.get_by_test_id("drop-marker")).to_contain_text("14:00–14:45 · ✓ Free")
    page.mouse.up()

    status = page.get_by_test_id("calendar-status")
    expect(status).to_contain_text("Moved Gwen Grey to")
    expect(status).to_contain_text("14:00–14:45")
    expect(entry_of(page, "Gwen Grey")).to_contain_text("14:00–14:45")
    gwen.refresh_from_db()
    assert gwen.start_at == local(day, 14)

    status.get_by_role("button", name="Undo").click()
    expect(status).to_contain_text("Undone. Moved Gwen Grey to")
    expect(entry_of(page, "Gwen Grey")).to_contain_text("10:00–10:45")
    gwen.refresh_from_db()
    assert gwen.start_at == local(day, 10)
    assert [e.kind for e in gwen.events.all()] == ["moved", "moved"]


def test_drag_onto_another_booking_shows_the_conflict_and_does_not_move(
    page, live_server, front_desk, monday
):
    day, gwen, _ = monday
    open_day(page, live_server, front_desk, day)
    grip = entry_of(page, "Gwen Grey").get_by_role("button", name="Move Gwen Grey")
    drag(page, grip, "12:15")
    marker = page.get_by_test_id("drop-marker")
    expect(marker).to_contain_text("✕ Not possible")
    expect(marker).to_contain_text("already has an appointment")
    page.mouse.up()
    expect(page.get_by_test_id("calendar-status")).to_contain_text(
        "Not moved. " + str(gwen.practitioner) + " already has an appointment"
    )
    expect(marker).to_have_count(0)
    expect(entry_of(page, "Gwen Grey")).to_contain_text("10:00–10:45")
    gwen.refresh_from_db()
    assert gwen.start_at == local(day, 10) and gwen.version == 1


def test_drag_the_bottom_edge_to_make_it_longer(page, live_server, front_desk, monday):
    day, gwen, _ = monday
    open_day(page, live_server, front_desk, day)
    edge = entry_of(page, "Gwen Grey").locator("[data-resize]")
    # The edge ends the block, the 15 minutes' buffer after the visit included:
    # from the 10:45 row to the 11:00 row, the visit ends at 11:00.
    drag(page, edge, "11:00", start="10:45")
    expect(page.get_by_test_id("drop-marker")).to_contain_text("10:00–11:00 · ✓ Free")
    page.mouse.up()
    expect(page.get_by_test_id("calendar-status")).to_contain_text("10:00–11:00")
    gwen.refresh_from_db()
    assert (gwen.start_at, gwen.duration_minutes) == (local(day, 10), 60)


def test_the_keyboard_moves_it_too(page, live_server, front_desk, monday):
    day, gwen, _ = monday
    open_day(page, live_server, front_desk, day)
    grip = entry_of(page, "Gwen Grey").get_by_role("button", name="Move Gwen Grey")
    grip.focus()
    page.keyboard.press("Enter")
    announce = page.locator("#calendar-announce")
    expect(announce).to_contain_text("Moving Gwen Grey")
    # Down eight rows of 15 minutes: 12:00, Harry's time, is refused...
    for _ in range(8):
        page.keyboard.press("ArrowDown")
    expect(announce).to_contain_text("12:00–12:45")
    expect(announce).to_contain_text("Not possible")
    # ...so on to 13:30, and make it 15 minutes shorter.
    for _ in range(6):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowUp")
    expect(announce).to_contain_text("13:30–14:00 with")
    expect(announce).to_contain_text("✓ Free")
    page.keyboard.press("Enter")
    status = page.get_by_test_id("calendar-status")
    expect(status).to_contain_text("Moved Gwen Grey to")
    expect(status).to_contain_text("13:30–14:00")
    # The focus is on Undo; Escape on a new pick-up cancels without a change.
    expect(status.get_by_role("button", name="Undo")).to_be_focused()
    gwen.refresh_from_db()
    assert (gwen.start_at, gwen.duration_minutes) == (local(day, 13, 30), 30)

    expect(entry_of(page, "Gwen Grey")).to_contain_text("13:30–14:00")  # the grid reloaded
    grip = entry_of(page, "Gwen Grey").get_by_role("button", name="Move Gwen Grey")
    grip.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    # The server's verdict first: a check still running when the test ends
    # deadlocks with the database flush of the teardown.
    expect(announce).to_contain_text("13:45–14:15 with")
    expect(announce).to_contain_text("✓ Free")
    page.keyboard.press("Escape")
    expect(announce).to_contain_text("Move cancelled")
    gwen.refresh_from_db()
    assert gwen.start_at == local(day, 13, 30)


def test_outside_hours_asks_for_a_reason_before_the_move(page, live_server, front_desk, monday):
    day, gwen, _ = monday
    open_day(page, live_server, front_desk, day)
    grip = entry_of(page, "Gwen Grey").get_by_role("button", name="Move Gwen Grey")
    grip.focus()
    page.keyboard.press("Enter")
    for _ in range(26):  # to 16:30: 45 minutes run past 17:00
        page.keyboard.press("ArrowDown")
    expect(page.locator("#calendar-announce")).to_contain_text("needs a reason")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Move outside working hours?")
    expect(dialog).to_contain_text("is not working then")
    dialog.get_by_role("button", name="Move it").click()
    expect(dialog).to_contain_text("Say why")
    dialog.get_by_label("Reason for booking outside working hours").fill("Only time she can")
    dialog.get_by_role("button", name="Move it").click()
    expect(page.get_by_test_id("calendar-status")).to_contain_text("16:30–17:15")
    gwen.refresh_from_db()
    assert gwen.outside_hours_reason == "Only time she can"


# --- A phone ---------------------------------------------------------------------------


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("viewport", [PHONE])
def test_day_and_week_fit_a_phone(page, live_server, front_desk, monday):
    day, gwen, _ = monday
    open_day(page, live_server, front_desk, day)
    expect(entry_of(page, "Gwen Grey")).to_be_visible()
    assert page_width(page) <= PHONE["width"]

    page.goto(
        f"{live_server.url}/calendar/week/?date={day.isoformat()}"
        f"&practitioner={gwen.practitioner.uuid}"
    )
    assert page_width(page) <= PHONE["width"]
    # The week is a list of days on a phone, each with its appointments and free times.
    expect(page.get_by_test_id("calendar-grid")).to_be_hidden()
    agenda = page.get_by_test_id("calendar-agenda")
    monday_list = agenda.get_by_role("region", name=f"{day:%A} {day.day} {day:%B}")
    expect(monday_list.get_by_test_id("agenda-appointment").first).to_contain_text("Gwen Grey")
    expect(monday_list.get_by_role("link", name="Free 09:00–10:00")).to_be_visible()


# --- The demo clinic's calendar: phone width and axe-core ---------------------------------

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


def serious_axe_violations(page) -> list[str]:
    """Serious and critical axe-core findings in the page's main content (the
    menu bar is every page's, checked by the every-page test)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context={"include": [["main"]]}, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: "
        + "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.fixture
def demo_clinic(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.DEBUG = True  # seed_demo refuses otherwise
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_demo_calendar_fits_the_screen_and_passes_axe(page, live_server, demo_clinic, viewport):
    from demo import seeding

    login(page, live_server, seeding.FRONT_DESK_EMAIL, seeding.DEMO_PASSWORD)
    # A weekday with a full day of appointments for three practitioners.
    day = next_monday()
    problems = []
    for path in (f"/calendar/?date={day}", f"/calendar/week/?date={day}"):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page_width(page)
        if width > viewport["width"]:
            problems.append(f"{path}: {width} px wide on a {viewport['width']} px screen")
        problems += [f"{path}: {found}" for found in serious_axe_violations(page)]
    assert not problems, "\n".join(problems)


def test_the_move_form_offers_free_times_and_undo(page, live_server, front_desk, monday):
    day, gwen, _ = monday
    open_day(page, live_server, front_desk, day)
    entry_of(page, "Gwen Grey").get_by_role("link", name="Move Gwen Grey").click()
    free_times = page.get_by_test_id("free-times")
    expect(free_times).to_contain_text("the next free times with")
    first = free_times.get_by_role("button").first
    label = first.inner_text()
    first.click()
    done = page.get_by_test_id("move-done")
    expect(done).to_contain_text("Moved to")
    # The page says the new time ("Now: …") and the grid shows it too.
    expect(page.get_by_test_id("move-now")).to_contain_text(label.split(" ")[-1])
    gwen.refresh_from_db()
    assert gwen.start_at != local(day, 10)
    done.get_by_role("button", name="Undo").click()
    expect(page.get_by_test_id("move-done")).to_contain_text("Undone. Moved Gwen Grey to")
    expect(page.get_by_test_id("move-now")).to_contain_text("10:00–10:45")
    expect(entry_of(page, "Gwen Grey")).to_contain_text("10:00–10:45")
    gwen.refresh_from_db()
    assert gwen.start_at == local(day, 10)


def test_drag_to_another_day_on_the_week_view(page, live_server, front_desk, monday):
    day, gwen, _ = monday
    login(page, live_server, front_desk.email, PASSWORD)
    page.goto(
        f"{live_server.url}/calendar/week/?date={day.isoformat()}"
        f"&practitioner={gwen.practitioner.uuid}"
    )
    grip = entry_of(page, "Gwen Grey").get_by_role("button", name="Move Gwen Grey")
    drag(page, grip, "11:00", column_index=1)  # Tuesday
    expect(page.get_by_test_id("drop-marker")).to_contain_text("11:00–11:45 · ✓ Free")
    page.mouse.up()
    expect(page.get_by_test_id("calendar-status")).to_contain_text("Moved Gwen Grey to Tuesday")
    gwen.refresh_from_db()
    assert gwen.start_at == local(day + datetime.timedelta(days=1), 11)
