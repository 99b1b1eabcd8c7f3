"""Two patients, each with appointments, questionnaires, signed sessions and a
draft: whatever portal URL patient A asks for, nothing of patient B's comes
back. The portal's URLs are read from the URL resolver, so a URL added later
is covered without touching this file.

* A URL with a UUID in it answers A with B's UUIDs exactly as with a UUID that
  does not exist: 404 for the patient's own pages (403 for a staff action such
  as the invitation, 405 for a method the view does not take), never a page.
* A page without an id never shows B's name, patient number or notes.
"""

import datetime
import re
import uuid

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.roles import Capability
from audit.services import record
from portal.models import PreVisitQuestionnaire
from tests.access import url_patterns
from tests.factories.scheduling import AppointmentFactory
from tests.sessions.test_clinical_page import make_session

UUID_PARAM = re.compile(r"<uuid:(\w+)>")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
PORTAL = [entry for entry in url_patterns()[0] if entry.name.startswith("portal:")]
WITH_UUID = [e for e in PORTAL if UUID_PARAM.search(e.route)]
WITHOUT_PARAMS = [e for e in PORTAL if not PARAM.search(e.route)]
METHODS = ("GET", "POST")


def _view(entry):
    return resolve("/" + PARAM.sub(lambda m: str(uuid.uuid4()), entry.route)).func


def _is_patient_page(entry):
    return Capability.USE_PORTAL in getattr(_view(entry), "required_capabilities", ())


PATIENT_PAGES = [e for e in WITH_UUID if _is_patient_page(e)]


def _record(patient, practitioner, *, hour, plan):
    """Upcoming and past appointments (with questionnaires), a signed session of
    the past one, and a draft: every kind of object a portal URL may name."""
    base = datetime.datetime(2030, 1, 7, hour, tzinfo=datetime.UTC)
    upcoming = AppointmentFactory(patient=patient, practitioner=practitioner, start_at=base)
    later = AppointmentFactory(
        patient=patient, practitioner=practitioner, start_at=base + datetime.timedelta(days=7)
    )
    past_start = (timezone.now() - datetime.timedelta(days=7)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    past = AppointmentFactory(patient=patient, practitioner=practitioner, start_at=past_start)
    questionnaires = [
        PreVisitQuestionnaire.objects.create(
            appointment=appointment, nprs_now=5, nprs_best=2, nprs_worst=7, comments=plan
        )
        for appointment in (upcoming, past)
    ]
    signed = make_session(patient, practitioner, appointment=past, plan=plan)
    draft = make_session(patient, practitioner, week=1, plan=plan, signed=False)
    record("sessions.session.viewed", actor=practitioner.user, obj=signed, patient=patient)
    objects = [patient, upcoming, later, past, signed, draft, *questionnaires]
    return [obj.uuid for obj in objects]


@pytest.fixture
def records(patient_a, patient_b, practitioner):
    return {
        "a": _record(patient_a, practitioner, hour=10, plan="ALICES-PLAN"),
        "b": _record(patient_b, practitioner, hour=12, plan="BOBS-PLAN"),
    }


def test_the_portal_has_urls_with_ids_to_check():
    names = {entry.name for entry in WITH_UUID}
    assert {"portal:session", "portal:questionnaire"} <= names
    assert {"portal:history", "portal:progress", "portal:export-json"} <= {
        entry.name for entry in WITHOUT_PARAMS
    }


@pytest.mark.django_db
@pytest.mark.parametrize("entry", WITH_UUID, ids=[e.name for e in WITH_UUID])
def test_another_patients_ids_are_not_found(client, patient_a, patient_b, records, entry):
    client.force_login(patient_a.user)
    [param] = UUID_PARAM.findall(entry.route)
    portal_page = _is_patient_page(entry)

    for method in METHODS:
        missing = client.generic(method, reverse(entry.name, kwargs={param: uuid.uuid4()}))
        expected = missing.status_code
        if expected != 405:
            assert expected == (404 if portal_page else 403), (entry.name, method, expected)
        for theirs in records["b"]:
            path = reverse(entry.name, kwargs={param: theirs})
            response = client.generic(method, path)
            assert response.status_code == expected, f"{method} {path}: {response.status_code}"
            body = response.content.decode()
            assert "BOBS-PLAN" not in body and patient_b.patient_number not in body


@pytest.mark.django_db
@pytest.mark.parametrize("entry", PATIENT_PAGES, ids=[e.name for e in PATIENT_PAGES])
def test_the_same_urls_work_for_the_patients_own_ids(client, patient_a, records, entry):
    """The control: the 404s above are about whose ids they are, not broken URLs.
    (A new kind of object in a portal URL needs adding to ``_record`` above.)"""
    client.force_login(patient_a.user)
    [param] = UUID_PARAM.findall(entry.route)
    statuses = {
        client.get(reverse(entry.name, kwargs={param: mine})).status_code for mine in records["a"]
    }
    assert 200 in statuses


@pytest.mark.django_db
@pytest.mark.parametrize("entry", WITHOUT_PARAMS, ids=[e.name for e in WITHOUT_PARAMS])
def test_pages_without_ids_never_show_the_other_patient(
    client, patient_a, patient_b, records, entry
):
    client.force_login(patient_a.user)
    response = client.get(reverse(entry.name))
    body = response.content.decode()
    assert response.status_code < 500
    for theirs in ("Bob", "Baker", patient_b.patient_number, "BOBS-PLAN", *map(str, records["b"])):
        assert theirs not in body, (entry.name, theirs)


@pytest.mark.django_db
def test_each_patient_sees_their_own_record(client, patient_a, patient_b, records):
    """Both ways round: B's pages hold B's record and nothing of A's."""
    for me, other, mine, theirs in (
        (patient_a, patient_b, "ALICES-PLAN", "BOBS-PLAN"),
        (patient_b, patient_a, "BOBS-PLAN", "ALICES-PLAN"),
    ):
        client.force_login(me.user)
        for path in ("/portal/history/", "/portal/export/", "/portal/export.json"):
            body = client.get(path).content.decode()
            assert mine in body, (me, path)
            assert theirs not in body and other.patient_number not in body, (me, path)
