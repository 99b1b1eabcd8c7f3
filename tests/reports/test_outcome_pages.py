"""The outcomes page, its CSV exports and its explanation page: who sees
what (own patients by name, the clinic de-identified, the clinical lead's
comparison), filters, and a fixed number of queries."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.http import QueryDict
from django.urls import reverse

from audit.models import AuditEvent
from reports import pages
from reports.models import CourseSummary
from reports.summary import refresh
from tests.factories import PatientFactory
from tests.factories.sessions import TreatmentSessionFactory, sign

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 2)


def signed_course(practitioner, patient, *nprs, cause="muscle_strain", start=DAY):
    for i, score in enumerate(nprs):
        sign(
            TreatmentSessionFactory(
                patient=patient,
                practitioner=practitioner,
                session_date=start + datetime.timedelta(weeks=i),
                nprs_now=score,
                pain_cause=cause,
                next_visit_in_days=7,
            )
        )


@pytest.fixture
def clinic(practitioner, other_practitioner):
    """Five strain courses of ``practitioner`` (four improved) and two disc
    courses of the other practitioner (a cell too small to show)."""
    for i, scores in enumerate([(6, 3), (7, 4), (5, 3), (8, 5), (6, 6)]):
        signed_course(practitioner, PatientFactory(first_name=f"Strain{i}"), *scores)
    for i in range(2):
        signed_course(
            other_practitioner, PatientFactory(first_name=f"Disc{i}"), 6, 2, cause="herniated_disc"
        )
    refresh()


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_practitioner_sees_the_clinic_figures_and_her_own_patients(client, practitioner, clinic):
    client.force_login(practitioner.user)
    response = client.get(reverse("reports:outcomes"))
    page = response.content.decode()
    assert "7 courses chosen" in page
    assert "86 % of the 7 with room to improve improved" in page  # 6 of 7
    assert "Strain0" in page  # her own patient, by name
    assert "Disc0" not in page  # another practitioner's patient: in the figures only
    assert 'data-testid="table-practitioner"' not in page  # not a clinical lead
    cause = {
        row[0]: row for row in rows_of(client.get(reverse("reports:outcomes_csv", args=["cause"])))
    }
    assert cause["Muscle strain"][1:4] == ["5", "80 %", "5"]
    assert cause["Herniated disc"][1:3] == ["< 5", "fewer than 5"]  # suppressed


def test_the_clinical_lead_compares_practitioners(client, practitioner, other_practitioner, clinic):
    practitioner.is_clinical_lead = True
    practitioner.save(update_fields=["is_clinical_lead"])
    client.force_login(practitioner.user)
    assert (
        'data-testid="table-practitioner"'
        in client.get(reverse("reports:outcomes")).content.decode()
    )
    rows = {
        r[0]: r for r in rows_of(client.get(reverse("reports:outcomes_csv", args=["practitioner"])))
    }
    assert rows["Pat Practitioner"][1] == "5"
    assert rows["Olly Other"][1] == "< 5"
    only_other = client.get(
        reverse("reports:outcomes_csv", args=["summary"]), {"practitioner": other_practitioner.id}
    )
    assert rows_of(only_other)[1][1] == "< 5"


def test_a_practitioner_may_not_use_the_lead_s_filter_or_table(client, other_practitioner, clinic):
    client.force_login(other_practitioner.user)
    response = client.get(reverse("reports:outcomes_csv", args=["practitioner"]))
    assert response.status_code == 404
    summary = rows_of(
        client.get(reverse("reports:outcomes_csv", args=["summary"]), {"practitioner": 1})
    )
    assert summary[1][1] == "7"  # the parameter filters nothing for her


def test_filtering_by_cause_and_exporting_is_audited(client, practitioner, clinic):
    client.force_login(practitioner.user)
    response = client.get(
        reverse("reports:outcomes_csv", args=["my_courses"]), {"cause": "muscle_strain"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    assert rows[0][:3] == ["Patient", "Course started", "Sessions"]
    assert len(rows) == 6 and all(r[3] == "Muscle strain" for r in rows[1:])
    event = AuditEvent.objects.get(action="reports.outcomes.exported")
    assert event.data == {"table": "my_courses", "filters": {"cause": "muscle_strain"}}


def test_odd_filters_are_explained_not_an_error(client, practitioner, clinic):
    client.force_login(practitioner.user)
    response = client.get(
        reverse("reports:outcomes"), {"start": "2026-05-01", "end": "2026-01-01", "cause": "x"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The end of the date range is before its start." in page
    assert "Select a valid choice" in page


def test_the_page_makes_a_fixed_number_of_queries(
    client, practitioner, other_practitioner, django_assert_num_queries
):
    practitioner.is_clinical_lead = True
    practitioner.save(update_fields=["is_clinical_lead"])
    client.force_login(practitioner.user)
    url = reverse("reports:outcomes")
    client.get(url)  # the session's first save
    signed_course(practitioner, PatientFactory(), 6, 4)
    refresh()
    # The session, the user, her practitioner profile, the last refresh, the
    # practitioners' names (lead), the summaries, the curve, drop-out and
    # safety, the summaries by practitioner (lead), her own courses, and the
    # session's save (savepoint, update, release).
    with django_assert_num_queries(13) as small:
        client.get(url)
    for _ in range(3):
        signed_course(other_practitioner, PatientFactory(), 6, 5, 3, cause="arthritis")
    refresh()
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_the_explanation_page_says_how_responders_are_decided(client, practitioner):
    client.force_login(practitioner.user)
    page = client.get(reverse("reports:outcomes_about")).content.decode()
    assert "NPRS 2 points, ODI 10 percentage points, RMDQ 3 points" in page
    assert "censored" in page


def test_the_page_says_when_the_figures_were_last_refreshed(client, practitioner):
    client.force_login(practitioner.user)
    page = client.get(reverse("reports:outcomes")).content.decode()
    assert "The figures have not been worked out yet" in page
    signed_course(practitioner, PatientFactory(), 6, 4)
    out = io.StringIO()
    call_command("refresh_outcomes", stdout=out)
    assert out.getvalue().startswith("1 courses summarised in")
    page = client.get(reverse("reports:outcomes")).content.decode()
    assert "Figures as of" in page and "(1 courses)" in page
    call_command("refresh_outcomes", stdout=io.StringIO())  # again: replaced, not added to
    assert CourseSummary.objects.count() == 1


def test_her_own_patients_are_listed_a_page_at_a_time(client, practitioner, clinic, monkeypatch):
    monkeypatch.setattr(pages, "MY_COURSES_SHOWN", 2)
    client.force_login(practitioner.user)
    seen, query = [], {"cause": "muscle_strain"}
    for _ in range(3):
        report = client.get(reverse("reports:outcomes"), query).context["report"]
        table = report.tables["my_courses"]
        seen += [row[0] for row in table.rows]
        if not report.older:
            break
        assert "cause=muscle_strain" in report.older  # the filters stay
        assert "of your 5 courses" in table.note
        query = QueryDict(report.older).dict()
    assert report.older == ""
    assert sorted(name.split()[0] for name in seen) == [f"Strain{i}" for i in range(5)]
    page = client.get(reverse("reports:outcomes"), {"before": "not-a-key"})
    assert page.status_code == 200  # an odd key lists the most recent


def test_each_csv_has_the_page_s_table_from_its_own_queries(
    practitioner, clinic, django_assert_max_num_queries
):
    practitioner.is_clinical_lead = True
    practitioner.save(update_fields=["is_clinical_lead"])
    user = practitioner.user
    report = pages.build_outcome_report(user, {"cause": "muscle_strain"})
    assert len(report.tables) == 11
    for key, table in report.tables.items():
        # The last refresh, the names (lead) and the table's own query.
        with django_assert_max_num_queries(3):
            assert pages.build_outcome_table(user, {"cause": "muscle_strain"}, key) == table
    assert pages.build_outcome_table(user, {}, "nonsense") is None


def test_severity_bands_read_from_least_to_most_disability():
    from types import SimpleNamespace

    from reports.pages import _band_rank

    labels = [
        "Severe disability",
        "Not recorded",
        "Crippling back pain",
        "Minimal disability",
        "Moderate disability",
    ]
    ordered = sorted((SimpleNamespace(label=label) for label in labels), key=_band_rank)
    assert [s.label for s in ordered] == [
        "Minimal disability",
        "Moderate disability",
        "Severe disability",
        "Crippling back pain",
        "Not recorded",
    ]


def test_a_course_of_one_session_is_not_called_not_improved():
    from types import SimpleNamespace

    from reports.pages import _decision

    one = SimpleNamespace(sessions=1, decidable=True, improved=False)
    assert _decision(one) == "One session: no change to measure yet"
    assert _decision(SimpleNamespace(sessions=4, decidable=True, improved=False)) == "Not improved"
