"""A practitioner looks at the clinic's outcomes, filters them by cause and
exports the table of her own patients' courses as CSV, in a real browser."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reports.summary import refresh
from tests.browser.conftest import login
from tests.factories import PatientFactory
from tests.factories.accounts import PASSWORD
from tests.reports.test_outcome_pages import signed_course

pytestmark = pytest.mark.browser


@pytest.fixture
def courses(practitioner):
    for i in range(5):
        signed_course(
            practitioner, PatientFactory(first_name=f"Disc{i}"), 7, 4, cause="herniated_disc"
        )
    for i in range(6):
        signed_course(
            practitioner, PatientFactory(first_name=f"Strain{i}"), 6, 6, cause="muscle_strain"
        )
    refresh()  # what manage.py refresh_outcomes does every quarter of an hour


def test_a_practitioner_filters_outcomes_by_cause_and_exports_the_csv(
    page, live_server, practitioner, courses
):
    login(page, live_server, practitioner.user.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", level=1)).to_be_visible()
    expect(page.get_by_test_id("headline")).to_contain_text("11 courses chosen")
    expect(page.get_by_test_id("bars-chart")).to_be_visible()

    page.get_by_label("Cause").select_option(label="Herniated disc")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(
        f"{live_server.url}/reports/outcomes/?cause=herniated_disc&severity=&protocol=&start=&end="
    )
    expect(page.get_by_test_id("headline")).to_contain_text("5 courses chosen")
    expect(page.get_by_test_id("headline")).to_contain_text("100 % of the 5 with room to improve")
    expect(page.get_by_label("Cause")).to_have_value("herniated_disc")

    with page.expect_download() as download:
        page.get_by_test_id("csv-my_courses").click()
    assert download.value.suggested_filename == "outcomes-my_courses.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0][0] == "Patient"
    assert sorted(r[0].split()[0] for r in rows[1:]) == [f"Disc{i}" for i in range(5)]
    assert {r[3] for r in rows[1:]} == {"Herniated disc"}
