"""The research export: pseudonymous ids under a key from the settings,
coarse quasi-identifiers, refusal under k-anonymity, and the audit trail."""

import csv
import datetime
import hashlib
import hmac
import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from reports.outcomes import SessionRow, build_courses
from reports.research import PatientFacts, age_band, research_rows, too_small_groups
from tests.factories import PatientFactory
from tests.factories.sessions import TreatmentSessionFactory, sign

DAY = datetime.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (datetime.date(2008, 3, 3), "under 18"),  # 17 the day before the 18th birthday
        (datetime.date(2008, 3, 2), "18–29"),
        (datetime.date(1986, 3, 2), "40–49"),
        (datetime.date(1950, 1, 1), "70 and over"),
    ],
)
def test_age_bands_at_the_start_of_the_course(born, band):
    assert age_band(born, DAY) == band


def facts_and_courses(groups):
    """``groups``: (sex, cause, number of patients); everyone 40 at the course."""
    rows, facts, pid = [], {}, 0
    for sex, cause, count in groups:
        for _ in range(count):
            pid += 1
            facts[pid] = PatientFacts(f"uuid-{pid}", datetime.date(1986, 1, 1), sex)
            rows += [
                SessionRow(
                    pid * 10 + i,
                    pid,
                    1,
                    DAY + datetime.timedelta(weeks=i),
                    cause,
                    nprs=6 - i,
                    points=("BL23",),
                )
                for i in range(2)
            ]
    return build_courses(rows), facts


def test_rows_carry_a_keyed_pseudonym_and_the_scores_by_visit():
    courses, facts = facts_and_courses([("female", "arthritis", 1)])
    [row] = research_rows(courses, facts, "k3y")
    assert row["pseudonymous_id"] == hmac.new(b"k3y", b"uuid-1", hashlib.sha256).hexdigest()[:20]
    assert research_rows(courses, facts, "other")[0]["pseudonymous_id"] != row["pseudonymous_id"]
    assert (row["age_band"], row["sex"], row["cause"], row["sessions"]) == (
        "40–49",
        "female",
        "arthritis",
        2,
    )
    assert (row["nprs_visit_1"], row["nprs_visit_2"], row["nprs_visit_3"]) == ("6", "5", "")
    assert row["points_used"] == "BL23"


def test_a_combination_of_fewer_than_five_patients_is_found():
    courses, facts = facts_and_courses([("female", "arthritis", 5), ("male", "arthritis", 4)])
    small = too_small_groups(research_rows(courses, facts, "k"))
    assert [(g.sex, g.cause, g.patients) for g in small] == [("male", "arthritis", 4)]
    courses, facts = facts_and_courses([("female", "arthritis", 5), ("male", "arthritis", 5)])
    assert too_small_groups(research_rows(courses, facts, "k")) == []


@pytest.fixture
def lead(practitioner):
    practitioner.is_clinical_lead = True
    practitioner.save(update_fields=["is_clinical_lead"])
    return practitioner


def sign_patients(practitioner, count, sex="female"):
    for _ in range(count):
        patient = PatientFactory(sex=sex, date_of_birth=datetime.date(1980, 6, 1))
        sign(TreatmentSessionFactory(patient=patient, practitioner=practitioner, session_date=DAY))


@pytest.mark.django_db
def test_the_lead_downloads_the_export_and_it_is_audited(client, lead, settings):
    settings.RESEARCH_EXPORT_KEY = "test-key"
    sign_patients(lead, 5)
    client.force_login(lead.user)
    assert client.get(reverse("reports:research_export")).status_code == 200
    response = client.post(reverse("reports:research_export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 5 and {r["age_band"] for r in rows} == {"40–49"}
    assert not any("uuid" in value for r in rows for value in r.values())
    event = AuditEvent.objects.get(action="reports.research_export.downloaded")
    assert event.data == {"courses": 5, "patients": 5}


@pytest.mark.django_db
def test_the_export_is_refused_under_k_anonymity(client, lead, settings):
    settings.RESEARCH_EXPORT_KEY = "test-key"
    sign_patients(lead, 5)
    sign_patients(lead, 2, sex="male")
    client.force_login(lead.user)
    response = client.post(reverse("reports:research_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "1 combination(s) of age band, sex and cause are held by fewer than 5 patients" in page
    assert AuditEvent.objects.filter(action="reports.research_export.refused").count() == 1


@pytest.mark.django_db
def test_without_a_key_nothing_is_exported(client, lead, settings):
    settings.RESEARCH_EXPORT_KEY = ""
    sign_patients(lead, 5)
    client.force_login(lead.user)
    page = client.post(reverse("reports:research_export")).content.decode()
    assert "RESEARCH_EXPORT_KEY" in page


@pytest.mark.django_db
def test_a_practitioner_who_is_not_the_lead_is_refused(client, practitioner):
    client.force_login(practitioner.user)
    assert client.post(reverse("reports:research_export")).status_code == 403
