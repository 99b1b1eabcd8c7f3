"""Real-browser tests: Playwright driving Debian's Chromium (never a downloaded one).

Run them alone with ``pytest -m browser``; skip them with ``-m "not browser"``.
Without Chromium they are skipped on a workstation, but fail in CI (``CI`` set).
"""

import importlib
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM_PATH).exists():
        message = f"Chromium not found at {CHROMIUM_PATH} (set CHROMIUM_PATH, or apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing browser is an error, not a skip
        pytest.skip(message)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def viewport():
    """Desktop by default; parametrize ``viewport`` (e.g. with PHONE) to change it."""
    return DESKTOP


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # seen by the page fixture's teardown
    return report


@pytest.fixture
def page(browser, viewport, request):
    """A fresh browser context (no cookies) per test; a screenshot if the test fails."""
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = request.config.rootpath / "test-artifacts"
        folder.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=folder / f"{name}.png", full_page=True)
    context.close()


def login(page, live_server, email, password):
    """Log in through the real login form, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


@pytest.fixture(autouse=True)
def reference_data(live_server):
    """The acupoint catalogue, the needle list and the consent text, which migrations load.

    Django empties the database after each live-server test, and under
    Playwright a serialized rollback does not put them back (the test thread
    sees another connection object than the one serialized at set-up), so
    every browser test loads them again when they are missing."""
    from django.apps import apps

    from sessions.models import Acupoint

    if not Acupoint.objects.exists():
        migration = importlib.import_module("sessions.migrations.0003_acupoint_catalogue")
        migration.load(apps, None)
        # Side rules, points per side and depth cautions, loaded by a later migration.
        safety = importlib.import_module("sessions.migrations.0004_needling_safety_schema")
        safety.load_safety_data(apps, None)
    # Version 1 of the consent text, loaded by a migration too.
    consent_text = importlib.import_module(
        "patients.migrations.0007_consent_text_v1_and_append_only_consents"
    )
    consent_text.add_version_1(apps, None)
    # Version 1 of the online intake questions (intake migration 0002).
    from intake.defaults import create_default_form
    from intake.models import IntakeForm, IntakeQuestion

    if not IntakeForm.objects.exists():
        create_default_form(IntakeForm, IntakeQuestion)
