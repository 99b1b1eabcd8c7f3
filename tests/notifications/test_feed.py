"""The practitioner's private calendar feed: content, revocation, queries."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from audit.models import AuditEvent
from scheduling.models import CalendarFeed
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory, AppointmentTypeFactory, RoomFactory

MANAGE = "/calendar/practitioners/feed/"


def feed_url(feed):
    return f"/calendar/feed/{feed.token}.ics"


@pytest.fixture
def feed(practitioner):
    return CalendarFeed.objects.create(practitioner=practitioner)


def soon(days=1, hours=0):
    return timezone.now().replace(microsecond=0) + timedelta(days=days, hours=hours)


@pytest.mark.django_db
def test_the_feed_lists_the_practitioners_appointments_without_clinical_details(
    client, feed, practitioner
):
    patient = PatientFactory(
        first_name="Margaret",
        preferred_name="Peggy",
        last_name="Smith",
        is_pregnant=True,
        other_allergies="Penicillin",
    )
    mine = AppointmentFactory(
        practitioner=practitioner,
        patient=patient,
        room=RoomFactory(name="Garden room"),
        appointment_type=AppointmentTypeFactory(name="Initial consultation"),
        start_at=soon(2),
        notes="Bad flare-up, sciatica on the left",
    )
    AppointmentFactory(practitioner=practitioner, start_at=soon(-10))  # recent past: shown
    AppointmentFactory(practitioner=practitioner, start_at=soon(-40))  # too old
    AppointmentFactory(practitioner=practitioner, start_at=soon(200))  # too far ahead
    AppointmentFactory(
        practitioner=practitioner,
        start_at=soon(3),
        status="cancelled",
        cancelled_at=timezone.now(),
        cancelled_by="patient",
        cancellation_reason="Ill",
    )
    AppointmentFactory(start_at=soon(2))  # someone else's

    r = client.get(feed_url(feed))  # anonymous: calendar programs cannot log in
    assert r.status_code == 200
    assert r["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in r["Cache-Control"]
    body = r.content.decode()
    for secret in ("Margaret", "Peggy", "Smith", "Penicillin", "sciatica", "flare", "Pregnan"):
        assert secret not in body
    calendar = Calendar.from_ical(r.content)
    assert "method" not in calendar
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    event = next(e for e in events if str(e["uid"]).startswith(str(mine.uuid)))
    assert str(event["summary"]) == "Initial consultation – P.S."
    assert str(event["location"]) == "Garden room"
    assert event.decoded("dtstart") == mine.start_at
    assert event.decoded("dtend") == mine.end_at
    assert str(event["status"]) == "CONFIRMED"


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["no-such-token", "x" * 100])
def test_an_unknown_token_is_404(client, feed, token):
    assert client.get(f"/calendar/feed/{token}.ics").status_code == 404


@pytest.mark.django_db
def test_a_revoked_token_is_404(client, feed):
    feed.revoked_at = timezone.now()
    feed.save()
    assert client.get(feed_url(feed)).status_code == 404


@pytest.mark.django_db
def test_an_inactive_practitioners_feed_is_404(client, feed, practitioner):
    practitioner.is_active = False
    practitioner.save()
    assert client.get(feed_url(feed)).status_code == 404


@pytest.mark.django_db
def test_the_feed_is_get_only(client, feed):
    assert client.post(feed_url(feed)).status_code == 405


@pytest.mark.django_db
def test_the_feed_takes_the_same_queries_for_few_or_many_appointments(
    client, feed, practitioner, django_assert_num_queries
):
    AppointmentFactory(practitioner=practitioner, start_at=soon(1))
    with django_assert_num_queries(2):
        assert len(Calendar.from_ical(client.get(feed_url(feed)).content).walk("VEVENT")) == 1
    for day in range(2, 12):
        AppointmentFactory(
            practitioner=practitioner,
            start_at=soon(day),
            room=RoomFactory(),
            patient=PatientFactory(),
        )
    with django_assert_num_queries(2):
        assert len(Calendar.from_ical(client.get(feed_url(feed)).content).walk("VEVENT")) == 11


# --- The management page -------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_makes_a_link_once_and_shows_it(client_for, practitioner):
    client = client_for(practitioner.user)
    first = client.get(MANAGE)
    assert first.status_code == 200
    feed = CalendarFeed.objects.get(practitioner=practitioner, revoked_at__isnull=True)
    assert f"http://testserver/calendar/feed/{feed.token}.ics" in first.content.decode()
    assert f"webcal://testserver/calendar/feed/{feed.token}.ics" in first.content.decode()
    client.get(MANAGE)
    assert CalendarFeed.objects.count() == 1
    event = AuditEvent.objects.get(action="scheduling.calendar_feed.created")
    assert event.actor == practitioner.user
    assert feed.token not in str(event.data)


@pytest.mark.django_db
def test_revoking_makes_a_new_link_and_the_old_one_stops(client_for, client, practitioner):
    page = client_for(practitioner.user)
    page.get(MANAGE)
    old = CalendarFeed.objects.get()
    r = page.post(MANAGE, follow=True)
    assert r.redirect_chain == [(MANAGE, 302)]
    assert "The old link no longer works" in r.content.decode()
    old.refresh_from_db()
    assert old.revoked_at is not None
    new = CalendarFeed.objects.get(revoked_at__isnull=True)
    assert new.token != old.token and new.token in r.content.decode()
    assert old.token not in r.content.decode()
    assert AuditEvent.objects.filter(action="scheduling.calendar_feed.revoked").count() == 1
    assert AuditEvent.objects.filter(action="scheduling.calendar_feed.created").count() == 2
    page.logout()
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200


@pytest.mark.django_db
def test_each_practitioner_manages_only_their_own_link(
    client_for, practitioner, other_practitioner
):
    CalendarFeed.objects.create(practitioner=other_practitioner)
    client_for(practitioner.user).post(MANAGE)
    assert (
        CalendarFeed.objects.filter(practitioner=other_practitioner, revoked_at=None).count() == 1
    )
    assert CalendarFeed.objects.filter(practitioner=practitioner, revoked_at=None).count() == 1


@pytest.mark.django_db
def test_a_practitioner_account_without_a_profile_gets_an_explanation(client_for):
    from tests.factories import UserFactory

    user = UserFactory(practitioner=True)
    r = client_for(user).get(MANAGE)
    assert r.status_code == 200
    assert "no practitioner profile" in r.content.decode()
    assert not CalendarFeed.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["front_desk", "clinic_admin", "patient"])
def test_only_practitioners_have_a_feed_page(client_for, personas, role):
    assert client_for(personas[role]).get(MANAGE).status_code == 403


@pytest.mark.django_db
def test_head_is_answered_too(client, feed):
    assert client.head(feed_url(feed)).status_code == 200


@pytest.mark.django_db
def test_the_feed_asks_calendar_programs_to_refresh_often(client, feed):
    body = client.get(feed_url(feed)).content.decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M" in body
    assert "X-PUBLISHED-TTL:PT15M" in body
    assert "X-WR-CALNAME:Clinic: Pat Practitioner" in body
