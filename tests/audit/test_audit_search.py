"""The clinic admin's search of the audit trail and its CSV export."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.http import StreamingHttpResponse

from audit.models import AuditEvent
from audit.services import record
from tests.factories import PatientFactory, UserFactory

URL = "/audit/"
EXPORT = "/audit/export.csv"
CLINIC = ZoneInfo(settings.CLINIC_TIME_ZONE)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CLINIC)


def event(action, *, when=None, **fields):
    """An event at a chosen time (the trigger numbers and hashes it as usual)."""
    actor = fields.get("actor")
    fields.setdefault("actor_label", getattr(actor, "email", ""))
    if when is not None:
        fields["occurred_at"] = when
    return AuditEvent.objects.create(action=action, **fields)


def rows(response):
    return [e.action for e in response.context["page"]]


def csv_rows(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def admin_client(client_for, clinic_admin):
    return client_for(clinic_admin)


@pytest.fixture
def trail(db, front_desk, practitioner, patient_a, patient_b):
    return {
        "desk_views_alice": event(
            "patients.patient.viewed", actor=front_desk, patient=patient_a,
            when=at(2026, 3, 1, 9, 0),
        ),
        "desk_edits_bob": event(
            "patients.patient.changed", actor=front_desk, patient=patient_b,
            when=at(2026, 3, 2, 23, 59),
            data={"changed_fields": {"phone": {"from": "07700 900001", "to": "07700 900002"}}},
        ),
        "prac_flags_alice": event(
            "patients.clinical_flags.changed", actor=practitioner.user, patient=patient_a,
            when=at(2026, 3, 3, 0, 0), data={"changed_fields": ["is_pregnant"]},
        ),
        "prac_signs_session": event(
            "sessions.session.signed", actor=practitioner.user, patient=patient_a,
            when=at(2026, 3, 4, 12, 0), data={"nprs_now": 7, "summary": "Tender-ZZ"},
        ),
        "failed_login": event(
            "accounts.login_failed", actor_label="=HYPERLINK(\"http://evil\")",
            when=at(2026, 3, 5, 8, 0),
        ),
    }  # fmt: skip


@pytest.mark.django_db
def test_it_lists_the_newest_first_with_who_role_and_patient(admin_client, trail, patient_a):
    response = admin_client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert response.status_code == 200
    assert rows(response) == [
        "accounts.login_failed",
        "sessions.session.signed",
        "patients.clinical_flags.changed",
        "patients.patient.changed",
        "patients.patient.viewed",
    ]
    html = response.content.decode()
    assert "Pat Practitioner" in html and "Practitioner" in html
    assert patient_a.patient_number in html
    assert f"/patients/{patient_a.uuid}/" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"patient": "Alice Able"}, {"desk_views_alice", "prac_flags_alice", "prac_signs_session"}),
        ({"patient": "baker"}, {"desk_edits_bob"}),
        ({"user": "DESK@clinic"}, {"desk_views_alice", "desk_edits_bob"}),
        ({"user": "evil"}, {"failed_login"}),
        ({"action": "patients."}, {"desk_views_alice", "desk_edits_bob", "prac_flags_alice"}),
        ({"action": "patients.patient"}, {"desk_views_alice", "desk_edits_bob"}),
        # Whole days in the clinic's time zone, both ends included.
        ({"date_from": "2026-03-02", "date_to": "2026-03-03"}, {"desk_edits_bob", "prac_flags_alice"}),
        ({"date_to": "2026-03-01"}, {"desk_views_alice"}),
        ({"patient": "Able", "user": "prac@", "action": "sessions."}, {"prac_signs_session"}),
        ({"patient": "nobody-like-this"}, set()),
    ],
)  # fmt: skip
def test_it_filters(admin_client, trail, query, expected):
    ids = {trail[name].pk for name in expected}
    response = admin_client.get(URL, query)
    # Events written while setting up (logins of the fixtures) are outside March 2026.
    shown = {e.pk for e in response.context["page"] if e.pk in {t.pk for t in trail.values()}}
    assert shown == ids


@pytest.mark.django_db
def test_it_filters_by_patient_number(admin_client, trail, patient_b):
    response = admin_client.get(URL, {"patient": patient_b.patient_number})
    assert [e.pk for e in response.context["page"]] == [trail["desk_edits_bob"].pk]


@pytest.mark.django_db
def test_it_never_shows_data_values(admin_client, trail):
    html = admin_client.get(URL).content.decode()
    # Field names of a demographic change, not the old or new value.
    assert "changed_fields: phone" in html
    assert "07700 90000" not in html
    # Clinical actions: keys only, not even which clinical field changed.
    assert "is_pregnant" not in html
    assert "nprs_now; summary" in html
    assert "Tender-ZZ" not in html and ">7<" not in html


@pytest.mark.django_db
def test_it_explains_odd_filters_instead_of_showing_everything(admin_client, trail):
    response = admin_client.get(URL, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "The end date is before the start date." in response.content.decode()
    assert admin_client.get(EXPORT, {"date_from": "garbage"}).status_code == 400


@pytest.mark.django_db
def test_it_pages_through_many_events(admin_client, db):
    for n in range(60):
        record(f"test.paging.{n:02d}")
    first = admin_client.get(URL, {"action": "test.paging."})
    second = admin_client.get(URL, {"action": "test.paging.", "page": 2})
    assert len(first.context["page"]) == 50 and len(second.context["page"]) == 10
    assert "page=2" in first.content.decode() and "action=test.paging." in first.content.decode()
    assert set(rows(first)).isdisjoint(rows(second))


def _many_events(count, actor, patients):
    for n in range(count):
        record(
            f"test.volume.{n}",
            actor=actor,
            patient=patients[n % len(patients)],
            data={"changed_fields": ["phone"]},
        )


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 120])
def test_the_page_makes_the_same_queries_whatever_the_size(
    client_for, clinic_admin, front_desk, django_assert_num_queries, count
):
    # Named, not random: with no patient matching "a" the page would have no
    # rows and the paginator would skip the page query (a flake seen once).
    patients = [PatientFactory(last_name=name) for name in ("Adams", "Baker", "Carter")]
    _many_events(count, front_desk, patients)
    client = client_for(clinic_admin)
    # Session, user / count, the page of events (actor and patient joined) /
    # savepoint, session save, release.
    with django_assert_num_queries(7):
        response = client.get(URL, {"action": "test.volume.", "patient": "a"})
    assert response.status_code == 200
    assert "test.volume." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 120])
def test_the_export_makes_the_same_queries_whatever_the_size(
    client_for, clinic_admin, front_desk, django_assert_num_queries, count
):
    _many_events(count, front_desk, PatientFactory.create_batch(3))
    client = client_for(clinic_admin)
    # Session, user / the audit record of the export / the events (one cursor) /
    # savepoint, session save, release.
    with django_assert_num_queries(7):
        exported = csv_rows(client.get(EXPORT, {"action": "test.volume."}))
    assert len(exported) == count + 1


@pytest.mark.django_db
def test_the_export_has_the_same_rows_as_the_page_and_is_audited(
    admin_client, clinic_admin, trail, patient_a
):
    query = {"patient": "able", "action": "patients."}
    page = admin_client.get(URL, query)
    response = admin_client.get(EXPORT, query)
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    header, *lines = csv_rows(response)
    assert header[:4] == ["when", "user", "role", "action"]
    assert [line[3] for line in lines] == rows(page)
    assert lines[0][0].startswith("2026-03-03T00:00:00+00:00")  # clinic time, with its offset
    assert lines[0][4:6] == [patient_a.patient_number, patient_a.display_name]
    assert lines[0][9] == "changed_fields"  # clinical: the key only
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor == clinic_admin
    assert exported.data == {"filters": query}


@pytest.mark.django_db
def test_the_export_defuses_spreadsheet_formulas(admin_client, trail):
    _, *lines = csv_rows(admin_client.get(EXPORT, {"action": "accounts.login_failed"}))
    assert [line[1] for line in lines] == ['\'=HYPERLINK("http://evil")']


@pytest.mark.django_db
def test_a_user_without_an_account_is_shown_by_what_they_typed(admin_client, db):
    UserFactory(email="someone@clinic.test")
    record("accounts.login_failed", actor_label="someone@clinic.test")
    html = admin_client.get(URL, {"action": "accounts.login_failed"}).content.decode()
    assert "someone@clinic.test (not signed in)" in html
