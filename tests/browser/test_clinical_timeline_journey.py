"""A practitioner reads a long clinical timeline in a real browser: ten sessions,
then "Earlier sessions" from the keyboard appends the rest to the same table
(htmx) and puts the focus on the first row added; the chart keeps them all."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_patient_records_journey import signed_session
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.browser


def test_a_practitioner_loads_earlier_sessions_in_place(page, live_server, patient_a, practitioner):
    problems = []  # console errors, e.g. anything the Content-Security-Policy blocked
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    first_day = datetime.date(2026, 1, 5)
    for week in range(12):
        day = first_day + datetime.timedelta(weeks=week)
        signed_session(patient_a, practitioner, day=day, nprs=7 - week % 3, plan="Weekly")
    login(page, live_server, practitioner.user.email, PASSWORD)
    page.goto(f"{live_server.url}/records/patient/{patient_a.uuid}/")
    page.wait_for_load_state("load")
    rows = page.get_by_test_id("timeline-row")
    expect(rows).to_have_count(10)
    expect(page.get_by_test_id("trend-row")).to_have_count(12)  # the chart's table: all

    page.get_by_role("link", name="Earlier sessions").focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(12)
    table = page.get_by_role("table", name="Treatment sessions, newest first")
    expect(table.locator("tbody")).to_have_count(2)  # the page appended to the same table
    expect(rows.nth(10).get_by_role("link", name="12 Jan 2026")).to_be_focused()
    expect(rows.last).to_contain_text("5 Jan 2026")
    expect(page.get_by_role("link", name="Earlier sessions")).to_have_count(0)
    assert problems == []
