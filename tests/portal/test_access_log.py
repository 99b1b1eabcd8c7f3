"""Who at the clinic opened my record (/portal/access-log/): the audit trail's
events on the patient's own record by staff, in words, newest first, paginated;
never the patient's own events, never another patient's, never addresses."""

import re

import pytest

from audit.models import AuditEvent
from audit.services import record
from tests.portal.test_history import get

URL = "/portal/access-log/"


def rows(html):
    return re.findall(r'<tr data-testid="access-row">(.*?)</tr>', html, re.S)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "practitioner", "clinic_admin"])
def test_it_is_for_patients_only(client, personas, role):
    assert get(client, personas[role], URL).status_code == 403


@pytest.mark.django_db
def test_it_lists_staff_who_opened_the_record(client, patient_a, front_desk, practitioner):
    # Real reads through the staff pages write the trail.
    client.force_login(front_desk)
    assert client.get(f"/patients/{patient_a.uuid}/").status_code == 200
    client.force_login(practitioner.user)
    assert client.get(f"/records/patient/{patient_a.uuid}/").status_code == 200

    html = get(client, patient_a.user, URL).content.decode()

    found = rows(html)
    assert len(found) == 2, found
    # Newest first: the practitioner's read, then the front desk's.
    assert "Pat Practitioner" in found[0] and "(practitioner)" in found[0]
    assert "Opened your treatment history and progress" in found[0]
    assert "Fran Desk" in found[1] and "(front desk)" in found[1]
    assert "Opened your details" in found[1]
    assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT", found[0])


@pytest.mark.django_db
def test_it_leaves_out_the_patients_own_events_others_records_and_addresses(
    client, patient_a, patient_b, practitioner
):
    record("portal.export.downloaded", actor=patient_a.user, patient=patient_a)
    record("sessions.session.viewed", actor=practitioner.user, patient=patient_b)
    AuditEvent.objects.create(
        action="sessions.session.viewed",
        actor=practitioner.user,
        patient=patient_a,
        client_address="203.0.113.77",
    )

    html = get(client, patient_a.user, URL).content.decode()

    assert len(rows(html)) == 1
    assert "203.0.113.77" not in html
    assert "Bob" not in html and patient_b.patient_number not in html


@pytest.mark.django_db
def test_it_says_when_nobody_has_opened_the_record(client, patient_a):
    assert 'data-testid="no-access"' in get(client, patient_a.user, URL).content.decode()


@pytest.mark.django_db
def test_it_pages_through_a_long_trail_in_a_fixed_number_of_queries(
    client, patient_a, practitioner, django_assert_num_queries
):
    for _ in range(30):
        record("sessions.session.viewed", actor=practitioner.user, patient=patient_a)
    client.force_login(patient_a.user)

    # 8 queries, never one per row: the session, the user, the patient, the count,
    # one page of events joined to their actors, and saving the session (savepoint,
    # update, release).
    with django_assert_num_queries(8):
        first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()

    assert len(rows(first)) == 25 and len(rows(second)) == 5
    assert "page 1 of 2" in first
    assert 'href="?page=2"' in first
    assert len(rows(client.get(URL, {"page": "garbage"}).content.decode())) == 25
