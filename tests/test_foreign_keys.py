"""Forms cannot reach other people's data: every id a form accepts is limited
to what the user may see and use.

Each row of FORGED is one form sent twice: as the page would send it (it is
accepted: the row proves the refusal comes from the forged id, not from
something else), then with one id replaced by one the user may not use
(another practitioner's calendar, appointment or protocol, another patient's
appointment, an archived patient, an inactive room, type, practitioner or
needle, an object of another kind). The forged request is refused (404 or 403
when the id is in the URL, the form again or an error message otherwise), names
the field when it is a form's, and writes nothing: the row count and the rows
of every table are unchanged (but the audit trail, sessions and django-axes).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from scheduling.models import Appointment
from tests.fuzz_support import World, changes, local, refused, snapshot, watched_tables

REFUSED = "refused"  # the form again with an error, or a redirect with an error message


@dataclass(frozen=True)
class Forged:
    name: str
    role: str
    # The path and the data the page would send: accepted.
    request: Callable[[World], tuple[str, dict]]
    # The same request with an id the user may not use: (path, data).
    forge: Callable[[World, str, dict], tuple[str, dict]]
    expect: int | str = REFUSED
    field: str | None = None  # the form field that must show the error
    htmx: bool = False


def tomorrow(w) -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def booking(w):
    return reverse("scheduling:book"), {
        "patient": w.patient_a.uuid,
        "appointment_type": w.kind.uuid,
        "practitioner": w.practitioner.uuid,
        "room": w.room.uuid,
        "date": tomorrow(w),
        "time": "11:00",
    }


def move(w):
    appointment = w.own_appointment
    return reverse("scheduling:move", args=[appointment.uuid]), {
        "version": appointment.version,
        "date": tomorrow(w),
        "time": "12:00",
        "duration_minutes": "45",
        "practitioner": w.practitioner.uuid,
        "room": w.room.uuid,
    }


def course(w):
    """Booking a previewed course: its plan key and a tick per visit."""
    from scheduling.planning_forms import CourseForm

    data = {
        "patient": w.patient_a.uuid,
        "appointment_type": w.kind.uuid,
        "practitioner": w.practitioner.uuid,
        "room": w.room.uuid,
        "first_date": tomorrow(w),
        "time": "12:00",
        "count": "2",
        "pattern": "weekly",
    }
    form = CourseForm(data, user=w.front_desk)
    assert form.is_valid(), form.errors
    first = datetime.date.fromisoformat(data["first_date"])
    rows = [first.isoformat(), (first + datetime.timedelta(days=7)).isoformat()]
    return reverse("scheduling:course"), data | {
        "action": "save",
        "plan": form.plan_key(),
        "rows": rows,
    }


def waitlist(w):
    return reverse("scheduling:waitlist"), {
        "patient": w.patient_a.uuid,
        "appointment_type": w.kind.uuid,
        "practitioner": w.practitioner.uuid,
        "earliest_date": tomorrow(w),
        "latest_date": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
    }


def start_for_appointment(w):
    return reverse("records:start"), {"appointment": w.own_appointment.uuid}


def start_for_patient(w):
    return reverse("records:start"), {"patient": w.patient_a.uuid}


def placement(w):
    session = w.draft()
    return reverse("records:placement-add", args=[session.uuid]), {
        "acupoint": "BL25",
        "side": "left",
        "needle": w.needle.pk,
        "angle": "perpendicular",
        "stimulation": "none",
    }


def apply_protocol(w):
    session = w.draft()
    return reverse("records:apply-protocol", args=[session.uuid]), {"protocol": w.own_protocol.uuid}


def remove_placement(w):
    session = w.draft()
    return reverse("records:placement-remove", args=[session.uuid, session.placements.get().pk]), {}


def others_placement(w, path, data):
    """Another practitioner's placement, through one's own draft's URL."""
    theirs = w.draft(practitioner=w.other_practitioner, patient=w.patient_b)
    session_uuid = path.split("/")[2]
    return reverse(
        "records:placement-remove", args=[session_uuid, theirs.placements.get().pk]
    ), data


def protocol_edit(w):
    return reverse("records:protocol", args=[w.own_protocol.uuid]), {
        "name": "Lumbar strain",
        "default_needle": w.needle.pk,
        "points": "BL23 bilateral",
    }


def with_path(path_of):
    """Replace the URL (the id is in it), keep the data."""
    return lambda w, path, data: (path_of(w), data)


def with_data(**overrides):
    """Replace fields of the data with ids made from the world."""
    return lambda w, path, data: (path, data | {k: v(w) for k, v in overrides.items()})


def portal_cancel(w):
    return reverse("portal:cancel", args=[w.own_appointment.uuid]), {"reason": "Unwell"}


def questionnaire(w):
    return reverse("portal:questionnaire", args=[w.own_appointment.uuid]), {
        "nprs_now": "5",
        "nprs_best": "2",
        "nprs_worst": "7",
    }


def patient_b_appointment(w):
    from tests.factories.scheduling import AppointmentFactory

    return AppointmentFactory(
        practitioner=w.practitioner,
        patient=w.patient_b,
        room=w.room,
        appointment_type=w.kind,
        start_at=local(w.day, 16),
    )


def online_booking(w):
    return reverse("portal:book-confirm"), w.free_slot()


def invite(w):
    from tests.factories import PatientFactory

    patient = PatientFactory(first_name="Ivy", last_name="Invitee", email="ivy@example.net")
    return reverse("portal:invite", args=[patient.uuid]), {}


def withdraw(w):
    from tests.factories.scheduling import WaitlistEntryFactory

    entry = WaitlistEntryFactory(patient=w.patient_a, appointment_type=w.kind)
    return reverse("scheduling:waitlist-withdraw", args=[entry.uuid]), {}


def retry(w):
    from notifications.models import OutboundMessage

    message = OutboundMessage.objects.create(
        appointment=w.own_appointment,
        kind="confirmation",
        recipient=w.patient_a.email,
        status="failed",
        attempts=1,
    )
    return reverse("notifications:retry", args=[message.uuid]), {}


def appointment_of_patient_b(w):
    return patient_b_appointment(w).uuid


# fmt: off
FORGED = [
    # Booking: only active patients, rooms, types and practitioners, and a practitioner
    # books only into their own calendar.
    Forged("book an archived patient", "front_desk", booking, with_data(patient=lambda w: w.archived.uuid), field="patient"),
    Forged("book an inactive room", "front_desk", booking, with_data(room=lambda w: w.closed_room.uuid), field="room"),
    Forged("book a retired type", "front_desk", booking, with_data(appointment_type=lambda w: w.retired_kind.uuid), field="appointment_type"),
    Forged("book a type the practitioner does not offer", "front_desk", booking, with_data(appointment_type=lambda w: w.others_kind.uuid), field="practitioner"),
    Forged("book an inactive practitioner", "front_desk", booking, with_data(practitioner=lambda w: w.retired_practitioner.uuid), field="practitioner"),
    Forged("book a room's uuid as the patient", "front_desk", booking, with_data(patient=lambda w: w.room.uuid), field="patient"),
    Forged("practitioner books into another's calendar", "practitioner", booking, with_data(practitioner=lambda w: w.other_practitioner.uuid), field="practitioner"),
    # Moving: the same, and not another practitioner's appointment.
    Forged("practitioner moves into another's calendar", "practitioner", move, with_data(practitioner=lambda w: w.other_practitioner.uuid), field="practitioner"),
    Forged("move into an inactive room", "front_desk", move, with_data(room=lambda w: w.closed_room.uuid), field="room"),
    Forged("practitioner moves another's appointment", "practitioner", move, with_path(lambda w: reverse("scheduling:move", args=[w.others_appointment.uuid])), expect=403),
    Forged("practitioner cancels another's appointment", "practitioner", lambda w: (reverse("scheduling:cancel", args=[w.own_appointment.uuid]), {"version": w.own_appointment.version, "cancelled_by": "patient", "reason": "Unwell"}), with_path(lambda w: reverse("scheduling:cancel", args=[w.others_appointment.uuid])), expect=403),
    Forged("practitioner changes the status of another's appointment", "practitioner", lambda w: (reverse("scheduling:status", args=[w.todays_appointment.uuid]), {"version": w.todays_appointment.version, "status": "arrived"}), with_path(lambda w: reverse("scheduling:status", args=[w.others_appointment.uuid])), expect=403),
    # Course of care and waitlist.
    Forged("course for an archived patient", "front_desk", course, with_data(patient=lambda w: w.archived.uuid), field="patient"),
    Forged("course in an inactive room", "front_desk", course, with_data(room=lambda w: w.closed_room.uuid), field="room"),
    Forged("course with an inactive practitioner", "front_desk", course, with_data(practitioner=lambda w: w.retired_practitioner.uuid), field="practitioner"),
    Forged("waitlist an archived patient", "front_desk", waitlist, with_data(patient=lambda w: w.archived.uuid), field="patient"),
    Forged("waitlist an inactive practitioner", "front_desk", waitlist, with_data(practitioner=lambda w: w.retired_practitioner.uuid), field="practitioner"),
    Forged("waitlist a retired type", "front_desk", waitlist, with_data(appointment_type=lambda w: w.retired_kind.uuid), field="appointment_type"),
    Forged("withdraw an appointment's uuid", "front_desk", withdraw, with_path(lambda w: reverse("scheduling:waitlist-withdraw", args=[w.own_appointment.uuid])), expect=404),
    Forged("retry an appointment's uuid", "front_desk", retry, with_path(lambda w: reverse("notifications:retry", args=[w.own_appointment.uuid])), expect=404),
    Forged("invite an archived patient", "front_desk", invite, with_path(lambda w: reverse("portal:invite", args=[w.archived.uuid]))),
    # Recording a session: one's own appointments, active patients and needles, one's
    # own protocols, the placements of this record.
    Forged("open the record of another's appointment", "practitioner", start_for_appointment, with_data(appointment=lambda w: w.others_appointment.uuid), expect=404),
    Forged("open a record for an archived patient", "practitioner", start_for_patient, with_data(patient=lambda w: w.archived.uuid)),
    Forged("place an inactive needle", "practitioner", placement, with_data(needle=lambda w: w.retired_needle.pk), field="needle", htmx=True),
    Forged("apply another's protocol", "practitioner", apply_protocol, with_data(protocol=lambda w: w.others_protocol.uuid), field="protocol", htmx=True),
    Forged("remove another's placement", "practitioner", remove_placement, others_placement, expect=404),
    Forged("protocol with an inactive needle", "practitioner", protocol_edit, with_data(default_needle=lambda w: w.retired_needle.pk), field="default_needle"),
    Forged("edit another's protocol", "practitioner", protocol_edit, with_path(lambda w: reverse("records:protocol", args=[w.others_protocol.uuid])), expect=404),
    # The portal: the patient's own appointments; types, practitioners and times the
    # clinic offers online.
    Forged("patient cancels another patient's appointment", "patient", portal_cancel, with_path(lambda w: reverse("portal:cancel", args=[appointment_of_patient_b(w)])), expect=404),
    Forged("patient answers for another patient's appointment", "patient", questionnaire, with_path(lambda w: reverse("portal:questionnaire", args=[appointment_of_patient_b(w)])), expect=404),
    Forged("patient books a retired type", "patient", online_booking, with_data(appointment_type=lambda w: w.retired_kind.uuid)),
    Forged("patient books a type not offered online", "patient", online_booking, with_data(appointment_type=lambda w: w.others_kind.uuid)),
    Forged("patient books an inactive practitioner", "patient", online_booking, with_data(practitioner=lambda w: w.retired_practitioner.uuid)),
    Forged("patient books a practitioner's uuid as the type", "patient", online_booking, with_data(appointment_type=lambda w: w.practitioner.uuid)),
]
# fmt: on


@pytest.fixture
def world(clinic_admin, front_desk, practitioner, other_practitioner, patient_a, patient_b):
    return World.build(
        SimpleNamespace(
            clinic_admin=clinic_admin,
            front_desk=front_desk,
            practitioner=practitioner,
            other_practitioner=other_practitioner,
            patient_a=patient_a,
            patient_b=patient_b,
        )
    )


def login(client, w, role):
    user = {
        "patient": w.patient_a.user,
        "front_desk": w.front_desk,
        "practitioner": w.practitioner.user,
        "clinic_admin": w.clinic_admin,
    }[role]
    client.force_login(user)


def post(client, path, data, *, htmx=False):
    """POST in a savepoint rolled back afterwards; the response and what it wrote."""
    tables = watched_tables()
    client.cookies.pop("messages", None)
    headers = {"HX-Request": "true"} if htmx else {}
    with transaction.atomic():
        before = snapshot(tables)
        response = client.post(path, data, headers=headers)
        written = changes(before, snapshot(tables))
        transaction.set_rollback(True)
    return response, written


def field_errors(response, name):
    from django.forms import BaseForm

    contexts = response.context if isinstance(response.context, list) else [response.context]
    return [
        error
        for context in contexts
        if context is not None
        for value in context.flatten().values()
        if isinstance(value, BaseForm) and value.is_bound and name in value.errors
        for error in value.errors[name]
    ]


@pytest.mark.parametrize("case", FORGED, ids=[case.name for case in FORGED])
def test_forged_id_is_refused_and_writes_nothing(case, client, world):
    login(client, world, case.role)
    path, data = case.request(world)

    response, written = post(client, path, data, htmx=case.htmx)
    assert response.status_code < 400 and not refused(response, htmx=case.htmx), (
        f"{case.name}: the genuine request was refused ({response.status_code})"
    )
    assert written, f"{case.name}: the genuine request wrote nothing"

    forged_path, forged_data = case.forge(world, path, data)
    response, written = post(client, forged_path, forged_data, htmx=case.htmx)
    if case.expect == REFUSED:
        assert refused(response, htmx=case.htmx), f"{case.name}: accepted ({response.status_code})"
        assert response.status_code < 400
    else:
        assert response.status_code == case.expect, case.name
    if case.field:
        assert field_errors(response, case.field), f"{case.name}: no error on {case.field}"
    assert not written, f"{case.name}: wrote {written}"


def test_online_booking_never_uses_an_inactive_room(client, world):
    """The slot's room may be swapped for the one asked for, but only an active one."""
    login(client, world, "patient")
    data = world.free_slot() | {"room": str(world.closed_room.uuid)}
    with transaction.atomic():
        response = client.post(reverse("portal:book-confirm"), data)
        booked = list(Appointment.objects.filter(patient=world.patient_a, booked_online=True))
        transaction.set_rollback(True)
    assert response.status_code == 302
    assert [a.room_id for a in booked] != [world.closed_room.pk]
    assert all(a.room.is_active for a in booked)


def test_patient_form_ignores_fields_it_does_not_show(client, world):
    """Mass assignment: the account, number or archive date posted to the edit form
    are ignored."""
    from patients.forms import DEMOGRAPHIC_FIELDS

    patient = world.patient_b
    login(client, world, "front_desk")
    page = client.get(reverse("patients:edit", args=[patient.uuid]))
    form = page.context["form"]
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in [*DEMOGRAPHIC_FIELDS, "version"]
    }
    data = {k: v for k, v in data.items() if v is not False}
    data |= {
        "user": world.patient_a.user.pk,
        "patient_number": "P-HACKED",
        "archived_at": "2030-01-01T00:00",
        "is_pregnant": "on",
    }
    response = client.post(reverse("patients:edit", args=[patient.uuid]), data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.user_id == world.patient_b.user.pk
    assert patient.patient_number != "P-HACKED"
    assert patient.archived_at is None
    assert patient.is_pregnant is False
