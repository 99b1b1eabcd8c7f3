"""The demo's data makes every report show something real (issue 16): enough
signed courses for each outcome figure to clear the small-cell rule, safety
events, and bookings for every practice report."""

import pytest
from django.core.management import call_command

from accounts.models import User
from reports.pages import build_outcome_report
from reports.practice_pages import build_practice_report
from reports.tables import SUPPRESSED
from reports.typical import typical_course


@pytest.mark.django_db
def test_every_report_of_the_demo_shows_real_figures(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", verbosity=0)
    practitioner = User.objects.get(email="practitioner@example.com")

    outcomes = build_outcome_report(practitioner, {})
    assert outcomes.headline.n >= 150 and outcomes.headline.responders.shown
    assert outcomes.median is not None
    for key in ("by_visit", "cause", "severity", "protocol", "point_sets"):
        values = [value for row in outcomes.tables[key].rows for value in row]
        assert values and values.count(SUPPRESSED) < len(values) / 2, key
    assert len(outcomes.tables["curve"].rows) >= 6
    safety = {row[0] for row in outcomes.tables["safety"].rows}
    assert {"Needle-count incidents", "Red-flag referrals"} <= safety
    assert any(label.startswith("Adverse event") for label in safety)
    assert outcomes.tables["my_courses"].rows
    assert typical_course("herniated_disc") is not None

    practice = build_practice_report({})
    for key, table in practice.tables.items():
        assert table.rows, key
