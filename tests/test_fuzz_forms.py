"""Every form of the site, sent random and malformed values (Hypothesis).

FORMS lists each URL that takes a form, the role that uses it and how to reach
it: the page that shows the form gives the fields, the values it offers and
what it would send as it stands. Hypothesis then sends that data with a few
fields broken (long strings, unicode, NUL bytes, several values, a file,
impossible dates and times, huge numbers, other objects' ids, missing fields),
or a random dictionary of the fields and unknown keys. For every request:

* never a server error (the test client re-raises a view's exception, so an
  exception fails the example and Hypothesis shrinks it);
* a refusal (4xx, an error message, the form again) writes nothing: the row
  count and the rows of every table are unchanged (but the audit trail, the
  sessions and django-axes' tables, which reads and logins write to); a GET
  form writes nothing at all. A success may write.

Each example runs in a savepoint that is rolled back, so every example starts
from the same data. ``test_every_form_is_fuzzed`` requests every page of the
access matrix and fails for a form sent to a URL that has no row here, and for
a URL the matrix POSTs to.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from tests.access import ROLES
from tests.factories.accounts import PASSWORD
from tests.fuzz_support import (
    FormSpec,
    World,
    changes,
    extremes,
    form_path,
    infer_kind,
    local,
    parse_forms,
    payloads,
    refused,
    snapshot,
    watched_tables,
)
from tests.fuzz_support import all_ids as every_id

GET, POST = "GET", "POST"
# A deeper run: FUZZ_EXAMPLES=300 FUZZ_RANDOM=1 pytest tests/test_fuzz_forms.py
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
DERANDOMIZE = not os.environ.get("FUZZ_RANDOM")


@dataclass
class Target:
    """Where a form is sent, and where it is read from."""

    path: str
    page: str | None = None  # the page that shows the form (GET); None: ``path`` itself
    html: str | None = None  # or the page itself, already fetched
    # Values to start from instead of the page's (a form the page shows empty).
    baseline: dict = field(default_factory=dict)
    # The fields of a URL that reads its query without showing a form.
    fields: dict[str, list[str]] | None = None


@dataclass(frozen=True)
class Case:
    url: str  # the URL name the form is sent to
    role: str
    target: Callable[[World, object], Target]
    method: str = POST
    variant: str = ""
    # Also sent as htmx (the record's sections answer htmx with a fragment).
    htmx: bool = False
    # The form as the page sends it (plus ``baseline``) is accepted: the fuzzing
    # starts from a success, so that it reaches the code behind the form.
    accepts_baseline: bool = True
    examples: int = EXAMPLES
    # Values that once broke the form, always sent (each over the page's data).
    regressions: tuple[dict, ...] = ()

    @property
    def id(self):
        label = f"{self.url}[{self.variant}]" if self.variant else self.url
        return f"{label}-{self.method}-{self.role}"


def clinical_lead(w, target):
    """The practitioner made clinical lead (the research export is theirs)."""
    w.practitioner.is_clinical_lead = True
    w.practitioner.save(update_fields=["is_clinical_lead"])
    return target


def url(name, *args, **query):
    path = reverse(name, args=args)
    return f"{path}?{urlencode(query)}" if query else path


# --- Patients ----------------------------------------------------------------------

NEW_PATIENT = {
    "first_name": "Nina",
    "last_name": "Newcomer",
    "date_of_birth": "1984-06-01",
    "sex": "female",
    "phone": "07700 900123",
    "email": "nina@example.net",
    "preferred_contact": "email",
    "consent_to_treatment_date": "2026-01-05",
    "consent_text_version": "2026-01",
}


def uninvited(w):
    from tests.factories import PatientFactory

    return PatientFactory(first_name="Ursula", last_name="Uninvited", email="ursula@example.net")


# A 1 × 1 PNG, as the signature pad would send a (very small) drawing.
SIGNATURE_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="


def with_consent(w):
    from tests.factories.patients import ConsentFactory

    return ConsentFactory(patient=w.patient_a, recorded_by=w.front_desk).patient


# --- Online intake and documents ------------------------------------------------------


def _intake(w, *, completed: bool):
    from intake import services

    sent = services.send_intake_link(patient=uninvited(w), by=w.front_desk)
    if completed:
        from intake.tokens import intake_token
        from tests.intake.conftest import answers

        data = answers()
        services.submit_intake(
            intake_request=sent,
            token=intake_token.make_token(sent),
            answers={k.removeprefix("q-"): v for k, v in data.items() if k.startswith("q-")},
            consent={k: v for k, v in data.items() if not k.startswith("q-")}
            | {"typed_name_confirmed": True},
        )
    return sent


def intake_fill_target(w, c):
    from intake.tokens import intake_token
    from tests.intake.conftest import answers

    sent = _intake(w, completed=False)
    return T(url("intake:fill", sent.uuid, intake_token.make_token(sent)), baseline=answers())


def a_document(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.services import attach_document

    return attach_document(
        patient=w.patient_a, uploaded=SimpleUploadedFile("a.pdf", b"%PDF-1.4 %%EOF"),
        kind="referral", document_date=timezone.localdate(), by=w.practitioner.user,
    )  # fmt: skip


# --- Scheduling ----------------------------------------------------------------------


def slot_query(w, practitioner=None, patient=None, day_offset=1):
    start = local(timezone.localdate() + datetime.timedelta(days=day_offset), 11)
    query = {
        "practitioner": (practitioner or w.practitioner).uuid,
        "room": w.room.uuid,
        "appointment_type": w.kind.uuid,
        "start": start.strftime("%Y-%m-%dT%H:%M"),
    }
    return {"patient": (patient or w.patient_a).uuid} | query


def course_preview(w, client):
    """The course page after a preview: it carries the plan and a tick per visit."""
    first = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    data = {
        "patient": w.patient_a.uuid,
        "appointment_type": w.kind.uuid,
        "practitioner": w.practitioner.uuid,
        "room": w.room.uuid,
        "first_date": first,
        "time": "12:00",
        "count": "3",
        "pattern": "weekly",
        "action": "preview",
    }
    response = client.post(url("scheduling:course"), data)
    assert response.status_code == 200
    # The page names the buttons; "save" is the one that books.
    return Target(
        url("scheduling:course"), html=response.content.decode(), baseline={"action": "save"}
    )


def drag_fields(w):
    """What calendar.js sends for a drop: an hour later, same practitioner and room."""
    appointment = w.own_appointment
    return {
        "version": [str(appointment.version)],
        "date": [w.day.isoformat()],
        "time": ["11:00"],
        "duration_minutes": [str(appointment.duration_minutes)],
        "practitioner": [str(w.practitioner.uuid)],
        "room": [str(w.room.uuid)],
        "outside_hours_reason": [""],
    }


def dragged(w):
    """The own appointment after a move, so that there is a move to undo."""
    from scheduling import services

    appointment = w.own_appointment
    return services.move_appointment(
        appointment=appointment,
        start_at=appointment.start_at + datetime.timedelta(hours=1),
        end_at=appointment.end_at + datetime.timedelta(hours=1),
        practitioner=appointment.practitioner,
        room=appointment.room,
        by=w.front_desk,
    )


def failed_message(w):
    from notifications.models import OutboundMessage

    return OutboundMessage.objects.create(
        appointment=w.own_appointment,
        kind="confirmation",
        recipient=w.patient_a.email,
        status="failed",
        attempts=1,
        last_error="ConnectionRefusedError",
    )


def waitlist_entry(w):
    from tests.factories.scheduling import WaitlistEntryFactory

    return WaitlistEntryFactory(patient=w.patient_a, appointment_type=w.kind)


AUDIT_FILTERS = {
    "patient": ["able"],
    "user": ["clinic.test"],
    "action": ["patients."],
    "date_from": ["2026-01-01"],
    "date_to": ["2030-12-31"],
}


def waitlist_window():
    today = timezone.localdate()
    return {
        "earliest_date": (today + datetime.timedelta(days=1)).isoformat(),
        "latest_date": (today + datetime.timedelta(days=30)).isoformat(),
    }


# --- Records --------------------------------------------------------------------------


# The step of the record each endpoint's form is on (sessions/record_steps.py).
STEP_OF = {
    "assessment": "assessment",
    "follow-up": "follow-up",
    "sign": "sign",
    "override": "sign",
    **dict.fromkeys(
        ("placement-add", "placement-remove", "apply-protocol", "copy-last", "lesion-add",
         "lesion-resolve"),
        "needles",
    ),
    **dict.fromkeys(
        ("needles-in", "needles-out", "after-removal", "incident", "adverse-event"), "retention"
    ),
}  # fmt: skip


def step_page(section, session):
    return url("records:step", session.uuid, STEP_OF[section])


def record_target(section, make="draft", baseline=None, state=dict):
    """A section of the record page, on a draft of the practitioner in the state
    ``state()`` (fields of the record, worked out when the test runs)."""

    def target(w, client):
        session = getattr(w, make)(**state())
        return Target(
            url(f"records:{section}", session.uuid),
            page=step_page(section, session),
            baseline=baseline or {},
        )

    return target


def today_target(w, client):
    from tests.factories.scheduling import AppointmentFactory

    AppointmentFactory(
        practitioner=w.practitioner,
        patient=w.patient_b,
        room=w.room,
        appointment_type=w.kind,
        start_at=local(timezone.localdate(), 0, 5),
    )
    return Target(url("records:start"), page=url("records:today", q="Able"))


def placement_remove(w, client):
    session = w.draft()
    placement = session.placements.get()
    return Target(
        url("records:placement-remove", session.uuid, placement.pk),
        page=step_page("placement-remove", session),
    )


def override_target(w, client):
    """A draft with LI4 placed, the patient flagged pregnant since: a warning to answer."""
    from patients.models import Patient
    from tests.factories.sessions import NeedlePlacementFactory, point

    session = w.draft()
    NeedlePlacementFactory(session=session, acupoint=point("LI4"), side="left", needle=w.needle)
    Patient.objects.filter(pk=session.patient_id).update(is_pregnant=True)
    return Target(
        url("records:override", session.uuid),
        page=step_page("override", session),
        baseline={"reason": "Discussed with the patient"},
    )


def lesion_resolve(w, client):
    from sessions.models import SkinLesionSite
    from tests.factories.sessions import point

    session = w.draft()
    site = SkinLesionSite.objects.create(
        patient=session.patient, acupoint=point("BL25"), description="Eczema"
    )
    return Target(
        url("records:lesion-resolve", session.uuid, site.pk),
        page=step_page("lesion-resolve", session),
    )


def needles_in_since(minutes, **fields):
    """The state of a draft whose needles went in ``minutes`` ago."""
    return lambda: (
        {"needles_in_at": timezone.now() - datetime.timedelta(minutes=minutes)}
        | {name: value() if callable(value) else value for name, value in fields.items()}
    )


def unused_needle():
    from sessions.models import Needle

    return Needle.objects.create(gauge_mm="0.18", length_mm=13, make="Unused")


def sp6_caution():
    from sessions.models import PregnancyCautionPoint

    return PregnancyCautionPoint.objects.get(acupoint__code="SP6")


# --- Portal -----------------------------------------------------------------------------


def link_target(name):
    """The password page a welcome or reset link leads to (the token moves into the session)."""

    def target(w, client):
        from django.contrib.auth.tokens import default_token_generator
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        from accounts.models import User
        from accounts.roles import Role

        if name == "portal:welcome":
            user = User.objects.create(email="wendy@example.net", role=Role.PATIENT)
            user.set_unusable_password()
            user.save()
            patient = uninvited(w)
            patient.user = user
            patient.save()
        else:
            user = w.front_desk
        uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
        response = client.get(
            reverse(name, args=[uidb64, default_token_generator.make_token(user)]), follow=True
        )
        assert response.status_code == 200
        return Target(
            response.wsgi_request.path,
            baseline={
                "new_password1": "Plum-Tree-Orchard-77",
                "new_password2": "Plum-Tree-Orchard-77",
            },
        )

    return target


# --- Two-factor ------------------------------------------------------------------------------


def with_device(client, user, *, verified):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    if verified:
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return device


def current_code(hex_key: str) -> str:
    from django_otp.oath import TOTP

    return f"{TOTP(bytes.fromhex(hex_key)).token():06d}"


def two_factor_target(name, *, device=None):
    """The page with the form; the baseline is the code the app shows now."""

    def target(w, client):
        from accounts.twofactor import PENDING_KEY_SESSION_KEY

        made = None
        if device is not None:
            made = with_device(client, w.front_desk, verified=device == "verified")
        page = url("two_factor:verify" if name == "two_factor:verify" else "two_factor:status")
        response = client.get(page)  # the set-up page keeps a new key in the session
        assert response.status_code == 200
        key = made.key if made is not None else client.session[PENDING_KEY_SESSION_KEY]
        return Target(
            url(name),
            html=response.content.decode(),
            page=page,
            baseline={"code": current_code(key)},
        )

    return target


# --- The table ---------------------------------------------------------------------------

T = Target

# fmt: off
FORMS: list[Case] = [
    # Accounts: signing in and out, passwords (Django's views with the app's forms).
    Case("login", "anonymous", lambda w, c: T(url("login"), baseline={"username": "desk@clinic.test", "password": PASSWORD})),
    Case("logout", "practitioner", lambda w, c: T(url("logout"), page=url("home"))),
    Case("password_change", "practitioner", lambda w, c: T(url("password_change"), baseline={"old_password": PASSWORD, "new_password1": "Plum-Tree-Orchard-77", "new_password2": "Plum-Tree-Orchard-77"})),
    Case("password_reset", "anonymous", lambda w, c: T(url("password_reset"), baseline={"email": "desk@clinic.test"})),
    Case("password_reset_confirm", "anonymous", link_target("password_reset_confirm")),
    Case("two_factor:confirm", "front_desk", two_factor_target("two_factor:confirm")),
    Case("two_factor:disable", "front_desk", two_factor_target("two_factor:disable", device="verified")),
    # A `next` without a slash or a dot was once reversed as a view name: a 500.
    Case("two_factor:verify", "front_desk", two_factor_target("two_factor:verify", device="unverified"), regressions=({"next": ":"}, {"next": "home"})),
    Case("two_factor:verify", "front_desk", lambda w, c: T(url("two_factor:verify"), fields={"next": ["/patients/"]}), method=GET, variant="without a device, on to next", regressions=({"next": ":"},)),
    # Patients.
    Case("patients:list", "front_desk", lambda w, c: T(url("patients:list")), method=GET),
    Case("patients:create", "front_desk", lambda w, c: T(url("patients:create"), baseline=NEW_PATIENT)),
    Case("patients:edit", "front_desk", lambda w, c: T(url("patients:edit", w.patient_a.uuid))),
    Case("patients:flags-edit", "practitioner", lambda w, c: T(url("patients:flags-edit", w.patient_a.uuid))),
    Case("patients:archive", "front_desk", lambda w, c: T(url("patients:archive", w.patient_b.uuid), page=url("patients:detail", w.patient_b.uuid))),
    Case("patients:restore", "front_desk", lambda w, c: T(url("patients:restore", w.archived.uuid), page=url("patients:detail", w.archived.uuid))),
    # Informed consent: typed name confirmed, or a drawn signature (a PNG data URL).
    Case("patients:consent", "front_desk", lambda w, c: T(url("patients:consent", w.patient_a.uuid), baseline={"typed_name": "Alice Able", "typed_name_confirmed": "on"})),
    Case("patients:consent", "front_desk", lambda w, c: T(url("patients:consent", w.patient_a.uuid), baseline={"signature_method": "drawn", "signature_image": SIGNATURE_PNG}), variant="drawn"),
    Case("patients:consent-withdraw", "front_desk", lambda w, c: (p := with_consent(w)) and T(url("patients:consent-withdraw", p.uuid), page=url("patients:consent", p.uuid))),
    Case("portal:invite", "front_desk", lambda w, c: (p := uninvited(w)) and T(url("portal:invite", p.uuid), page=url("patients:detail", p.uuid))),
    # Online intake: the link, the patient's answers and consent, the practitioner's review.
    Case("intake:send", "front_desk", lambda w, c: (p := uninvited(w)) and T(url("intake:send", p.uuid), page=url("patients:detail", p.uuid))),
    Case("intake:fill", "anonymous", intake_fill_target),
    Case("intake:review", "practitioner", lambda w, c: T(url("intake:review", _intake(w, completed=True).uuid))),
    # Documents: the page shows the form without a file, so it starts from a refusal.
    Case("documents:patient", "front_desk", lambda w, c: T(url("documents:patient", w.patient_a.uuid)), accepts_baseline=False),
    Case("documents:mine", "patient", lambda w, c: T(url("documents:mine")), accepts_baseline=False),
    Case("documents:filed-in-error", "front_desk", lambda w, c: (d := a_document(w)) and T(url("documents:filed-in-error", w.patient_a.uuid, d.uuid), page=url("documents:patient", w.patient_a.uuid), baseline={"reason": "Wrong patient"})),
    # Scheduling.
    Case("scheduling:day", "front_desk", lambda w, c: T(url("scheduling:day")), method=GET),
    Case("scheduling:week", "front_desk", lambda w, c: T(url("scheduling:week")), method=GET),
    Case("scheduling:find", "front_desk", lambda w, c: T(url("scheduling:find")), method=GET),
    # Pages and typeaheads that read their query without a form.
    Case("scheduling:day-sheet", "front_desk", lambda w, c: T(url("scheduling:day-sheet", w.practitioner.uuid), fields={"date": [w.day.isoformat()]}), method=GET, variant="a link"),
    Case("scheduling:patient-options", "front_desk", lambda w, c: T(url("scheduling:patient-options"), fields={"q": ["able"]}), method=GET, variant="typeahead"),
    # A far date once overflowed the date arithmetic of booking and moving: a 500.
    Case("scheduling:book", "front_desk", lambda w, c: T(url("scheduling:book"), page=url("scheduling:book", **slot_query(w))), regressions=({"date": "9999-12-31", "time": "23:45"},)),
    Case("scheduling:book", "practitioner", lambda w, c: T(url("scheduling:book"), page=url("scheduling:book", **slot_query(w))), variant="own calendar"),
    # The booking page read from links (a calendar slot, find a time): the query pre-fills it.
    Case("scheduling:book", "front_desk", lambda w, c: T(url("scheduling:book"), fields={k: [str(v)] for k, v in slot_query(w).items()}), method=GET, variant="pre-filled from a link"),
    Case("scheduling:move", "front_desk", lambda w, c: T(url("scheduling:move", w.own_appointment.uuid))),
    Case("scheduling:move", "practitioner", lambda w, c: T(url("scheduling:move", w.own_appointment.uuid)), variant="own calendar", htmx=True),
    # The calendar's drag and keyboard moves: the move form's fields, sent by calendar.js.
    Case("scheduling:move-check", "front_desk", lambda w, c: T(url("scheduling:move-check", w.own_appointment.uuid), fields=drag_fields(w)), method=GET),
    Case("scheduling:move-drop", "front_desk", lambda w, c: T(url("scheduling:move-drop", w.own_appointment.uuid), fields=drag_fields(w))),
    Case("scheduling:move-undo", "front_desk", lambda w, c: T(url("scheduling:move-undo", w.own_appointment.uuid), fields={"version": [str(dragged(w).version)]})),
    Case("scheduling:cancel", "front_desk", lambda w, c: T(url("scheduling:cancel", w.own_appointment.uuid), baseline={"cancelled_by": "patient", "reason": "Unwell"})),
    Case("scheduling:status", "front_desk", lambda w, c: T(url("scheduling:status", w.todays_appointment.uuid), page=url("scheduling:appointment", w.todays_appointment.uuid)), htmx=True),
    Case("scheduling:course", "front_desk", lambda w, c: T(url("scheduling:course"), page=url("scheduling:course", patient=w.patient_a.uuid)), accepts_baseline=False),
    Case("scheduling:course", "front_desk", course_preview, variant="booking the previewed plan"),
    Case("scheduling:course", "front_desk", lambda w, c: T(url("scheduling:course"), fields={"patient": [str(w.patient_a.uuid)], "appointment_type": [str(w.kind.uuid)], "practitioner": [str(w.practitioner.uuid)], "room": [str(w.room.uuid)]}), method=GET, variant="pre-filled from a link"),
    Case("scheduling:waitlist", "front_desk", lambda w, c: T(url("scheduling:waitlist"), page=url("scheduling:waitlist", patient=w.patient_a.uuid, appointment_type=w.kind.uuid), baseline=waitlist_window())),
    Case("scheduling:waitlist-withdraw", "front_desk", lambda w, c: (e := waitlist_entry(w)) and T(url("scheduling:waitlist-withdraw", e.uuid), page=url("scheduling:waitlist"))),
    Case("scheduling:feed-manage", "practitioner", lambda w, c: T(url("scheduling:feed-manage"))),
    Case("notifications:retry", "front_desk", lambda w, c: T(url("notifications:retry", failed_message(w).uuid), page=url("scheduling:appointment", w.own_appointment.uuid))),
    # The SMS provider's webhook (no page: the provider POSTs). Unsigned, so always
    # refused; the signed path is tested in tests/notifications/test_sms_inbound.py.
    Case("notifications:sms-inbound", "anonymous", lambda w, c: T(url("notifications:sms-inbound"), fields={"From": ["+447700900123"], "To": ["+441174960000"], "Body": ["STOP"], "OptOutType": ["STOP"]}), accepts_baseline=False),
    # Recording a session: the record page's sections, as forms and as htmx.
    Case("records:today", "practitioner", lambda w, c: T(url("records:today")), method=GET),
    Case("records:points", "practitioner", lambda w, c: T(url("records:points"), fields={"q": ["bl2"], "acupoint": ["BL23"]}), method=GET, variant="typeahead"),
    Case("records:start", "practitioner", today_target),
    Case("records:assessment", "practitioner", record_target("assessment"), htmx=True),
    Case("records:placement-add", "practitioner", record_target("placement-add", baseline={"acupoint": "BL25", "side": "left"}), htmx=True),
    Case("records:placement-remove", "practitioner", placement_remove, htmx=True),
    Case("records:apply-protocol", "practitioner", record_target("apply-protocol"), htmx=True),
    Case("records:copy-last", "practitioner", record_target("copy-last", make="draft_after_signed"), htmx=True),
    Case("records:needles-in", "practitioner", record_target("needles-in", baseline={"patient_position": "prone"}), htmx=True),
    Case("records:after-removal", "practitioner", record_target("after-removal", baseline={"retention_reason": "Dizzy"}, state=needles_in_since(25, needles_out_at=timezone.now, needles_removed=2)), htmx=True),
    Case("records:override", "practitioner", override_target, htmx=True),
    Case("records:lesion-add", "practitioner", record_target("lesion-add", baseline={"acupoint": "BL25", "description": "Eczema"}), htmx=True),
    Case("records:lesion-resolve", "practitioner", lesion_resolve, htmx=True),
    Case("records:needles-out", "practitioner", record_target("needles-out", baseline={"removed": "2"}, state=needles_in_since(25)), htmx=True),
    Case("records:incident", "practitioner", record_target("incident", baseline={"missing_needle_incident": "on", "missing_needle_found": "True", "missing_needle_details": "On the couch"}, state=needles_in_since(50, needles_out_at=timezone.now, needles_removed=1)), htmx=True),
    Case("records:adverse-event", "practitioner", record_target("adverse-event", baseline={"action_taken": "Rested, water given"}), htmx=True),
    Case("records:follow-up", "practitioner", record_target("follow-up"), htmx=True),
    Case("records:sign", "practitioner", record_target("sign", baseline={"checked": "on"}, state=needles_in_since(25, needles_out_at=timezone.now, needles_removed=2)), htmx=True),
    Case("records:addendum", "practitioner", lambda w, c: (s := w.signed()) and T(url("records:addendum", s.uuid), page=url("records:record", s.uuid), baseline={"reason": "Typo", "text": "BL23, not BL25."}), htmx=True),
    Case("records:protocols", "practitioner", lambda w, c: T(url("records:protocols"), baseline={"name": "Neck", "points": "GB20 bilateral\nGV14"})),
    Case("records:protocol", "practitioner", lambda w, c: T(url("records:protocol", w.own_protocol.uuid))),
    Case("records:protocol-delete", "practitioner", lambda w, c: T(url("records:protocol-delete", w.own_protocol.uuid), page=url("records:protocol", w.own_protocol.uuid))),
    # The clinic's reference lists (practitioners).
    Case("records:needles", "practitioner", lambda w, c: T(url("records:needles"), baseline={"gauge_mm": "0.22", "length_mm": "35", "make": "Fuzz make"})),
    Case("records:needle", "practitioner", lambda w, c: T(url("records:needle", unused_needle().pk))),
    Case("records:needle", "practitioner", lambda w, c: T(url("records:needle", w.draft().placements.get().needle.pk)), variant="a needle on a record"),
    Case("records:pregnancy-points", "practitioner", lambda w, c: T(url("records:pregnancy-points"), baseline={"acupoint": "ST36", "reason": "Clinic policy"})),
    Case("records:pregnancy-point", "practitioner", lambda w, c: T(url("records:pregnancy-point", sp6_caution().pk))),
    Case("records:pregnancy-point-remove", "practitioner", lambda w, c: T(url("records:pregnancy-point-remove", sp6_caution().pk), page=url("records:pregnancy-point", sp6_caution().pk))),
    # The patient's portal.
    Case("portal:cancel", "patient", lambda w, c: T(url("portal:cancel", w.own_appointment.uuid), baseline={"reason": "Unwell"})),
    Case("portal:questionnaire", "patient", lambda w, c: T(url("portal:questionnaire", w.own_appointment.uuid), baseline={"nprs_now": "5", "nprs_best": "2", "nprs_worst": "7"})),
    Case("portal:book", "patient", lambda w, c: T(url("portal:book")), method=GET),
    Case("portal:book-confirm", "patient", lambda w, c: T(url("portal:book-confirm"), page=url("portal:book-confirm", **w.free_slot()))),
    # The confirmation page reads the slot from the link.
    Case("portal:book-confirm", "patient", lambda w, c: T(url("portal:book-confirm"), fields={k: [str(v)] for k, v in w.free_slot().items()}), method=GET, variant="slot from the link"),
    Case("portal:welcome", "anonymous", link_target("portal:welcome")),
    # The audit trail's filters.
    Case("audit:search", "clinic_admin", lambda w, c: T(url("audit:search")), method=GET, regressions=({"date_to": "9999-12-31"},)),
    # The export link carries the search's filters.
    Case("audit:export", "clinic_admin", lambda w, c: T(url("audit:export"), fields=AUDIT_FILTERS), method=GET, variant="the export link"),
    # The reports' filters (GET) and the clinical lead's research export.
    Case("reports:outcomes", "practitioner", lambda w, c: T(url("reports:outcomes")), method=GET),
    Case("reports:practice", "front_desk", lambda w, c: T(url("reports:practice")), method=GET, regressions=({"start": "9999-12-31", "end": ""},)),
    # The test world has too few patients: the export is refused (k-anonymity), as it should be.
    Case("reports:research_export", "practitioner", lambda w, c: clinical_lead(w, T(url("reports:research_export"))), accepts_baseline=False),
]
# fmt: on


# --- The Django admin (the clinic admin): the forms of the clinic's own models ---------
# Each model's add and change forms; Django's admin builds them from the model,
# but the constraints, inlines and widgets are the app's.


def time_off(w):
    from tests.factories.scheduling import AvailabilityExceptionFactory

    start = local(w.day, 13)
    return AvailabilityExceptionFactory(
        practitioner=w.practitioner, start_at=start, end_at=start + datetime.timedelta(hours=2)
    )


def closure():
    from tests.factories.scheduling import ClinicClosureFactory

    return ClinicClosureFactory(
        start_date=datetime.date(2030, 12, 25), end_date=datetime.date(2030, 12, 26)
    )


def consent_text_v1():
    from patients.models import ConsentText

    return ConsentText.objects.get(version="1")


def clinic_settings():
    from clinic.models import ClinicSettings

    return ClinicSettings.load()


def billing_settings():
    from billing.models import BillingSettings

    return BillingSettings.load()


def a_fee(w):
    from billing.models import Fee

    return Fee.objects.get_or_create(appointment_type=w.kind, practitioner=None, defaults={"amount": 60})[0]  # fmt: skip


def a_code(w):
    from billing.models import DiagnosisCode

    return DiagnosisCode.objects.get_or_create(system="icd10", code="M54.5", defaults={"description": "Low back pain"})[0]  # fmt: skip


def a_registration(w):
    from billing.models import PractitionerRegistration

    return PractitionerRegistration.objects.get_or_create(practitioner=w.practitioner, defaults={"registration_number": "NPI-1"})[0]  # fmt: skip


ADMIN_MODELS = {
    # model: the object whose change form is fuzzed
    "patients.patient": lambda w: w.patient_b,
    "patients.consenttext": lambda w: consent_text_v1(),
    "practitioners.practitioner": lambda w: w.other_practitioner,
    "scheduling.room": lambda w: w.room,
    "scheduling.appointmenttype": lambda w: w.kind,
    "scheduling.workinghours": lambda w: w.practitioner.working_hours.first(),
    "scheduling.availabilityexception": lambda w: time_off(w),
    "scheduling.clinicclosure": lambda w: closure(),
    "accounts.user": lambda w: w.front_desk,
    "clinic.clinicsettings": lambda w: clinic_settings(),
    "billing.billingsettings": lambda w: billing_settings(),
    "billing.fee": a_fee,
    "billing.diagnosiscode": a_code,
    "billing.practitionerregistration": a_registration,
}
ADMIN_EXAMPLES = min(EXAMPLES, 10)


def _admin_cases():
    for label, existing in ADMIN_MODELS.items():
        app, model = label.split(".")
        regressions = ({"user": "abc"},) if label == "practitioners.practitioner" else ()
        if label not in (
            "clinic.clinicsettings",
            "billing.billingsettings",
        ):  # one row, which exists
            yield Case(
                f"admin:{app}_{model}_add",
                "clinic_admin",
                lambda w, c, app=app, model=model: T(f"/admin/{app}/{model}/add/"),
                accepts_baseline=False,  # the page's empty form
                examples=ADMIN_EXAMPLES,
                regressions=regressions,
            )
        yield Case(
            f"admin:{app}_{model}_change",
            "clinic_admin",
            lambda w, c, app=app, model=model, existing=existing: T(
                f"/admin/{app}/{model}/{existing(w).pk}/change/"
            ),
            examples=ADMIN_EXAMPLES,
            regressions=regressions,
        )


FORMS += list(_admin_cases())


# --- Billing ----------------------------------------------------------------------------


def billing_line(w, *, issue=True, paid=None, package=False):
    """A visit of patient_a on an invoice (issued unless ``issue=False``, with a
    card payment of ``paid``), and a usable package of patient_a if asked."""
    from decimal import Decimal

    from billing import services
    from billing.models import Fee
    from tests.factories.scheduling import AppointmentFactory

    Fee.objects.get_or_create(appointment_type=w.kind, practitioner=None, defaults={"amount": 60})
    visit = AppointmentFactory(
        patient=w.patient_a, practitioner=w.practitioner, room=w.room, appointment_type=w.kind,
        status="completed", start_at=local(timezone.localdate() - datetime.timedelta(days=3), 10),
    )  # fmt: skip
    line = services.bill_appointment(appointment=visit, by=w.front_desk)
    if package:
        services.sell_package(
            patient=w.patient_a, name="Course of 6", treatments=6, price=Decimal("300"),
            expires_on=timezone.localdate() + datetime.timedelta(days=90), by=w.front_desk,
        )  # fmt: skip
    if issue:
        services.issue_invoice(invoice=line.invoice, by=w.front_desk)
    if paid:
        services.take_payment(invoice=line.invoice, method="card", amount=Decimal(paid), by=w.front_desk)  # fmt: skip
    return line


def invoice_form(name, *extra, baseline=None, **made):
    def target(w, c):
        line = billing_line(w, **made)
        args = [line.invoice.uuid, *(line.pk if e == "line" else e for e in extra)]
        return T(url(f"billing:{name}", *args), page=url("billing:invoice", line.invoice.uuid), baseline=baseline or {})  # fmt: skip

    return target


def refund_form(w, c):
    line = billing_line(w, paid="30")
    payment = line.invoice.payments.get()
    return T(url("billing:refund", payment.uuid), page=url("billing:invoice", line.invoice.uuid), baseline={"amount": "5", "reason": "Goodwill"})  # fmt: skip


def codes_form(w, c):
    return T(url("billing:codes", w.draft().uuid))


def account_form(name, baseline):
    def target(w, c):
        return T(url(f"billing:{name}", w.patient_a.uuid), page=url("billing:account", w.patient_a.uuid), baseline=baseline)  # fmt: skip

    return target


# fmt: off
FORMS += [
    Case("billing:add-item", "front_desk", account_form("add-item", {"description": "Heat pack", "unit_price": "12.50"})),
    Case("billing:sell-package", "front_desk", account_form("sell-package", {"price": "300"})),
    Case("billing:issue", "front_desk", invoice_form("issue", issue=False)),
    Case("billing:pay", "front_desk", invoice_form("pay")),
    Case("billing:pay", "front_desk", invoice_form("pay", issue=False), variant="a draft, issued by paying"),
    Case("billing:redeem", "front_desk", invoice_form("redeem", issue=False, package=True)),
    Case("billing:void", "front_desk", invoice_form("void", baseline={"reason": "Wrong patient"})),
    Case("billing:credit-note", "front_desk", invoice_form("credit-note", baseline={"amount": "5", "reason": "Discount"})),
    Case("billing:remove-line", "front_desk", invoice_form("remove-line", "line", issue=False, baseline={"reason": "Booked in error"})),
    Case("billing:email-document", "front_desk", invoice_form("email-document", "receipt")),
    Case("billing:refund", "front_desk", refund_form),
    Case("billing:codes", "practitioner", codes_form),
    Case("billing:takings", "front_desk", lambda w, c: T(url("billing:takings")), method=GET),
    Case("billing:revenue", "front_desk", lambda w, c: T(url("billing:revenue")), method=GET),
]
# fmt: on


def not_fuzzed(name: str) -> str | None:
    """Why a URL that takes a form is not in FORMS (None: it must be)."""
    if not name.startswith("admin:"):
        return None
    if name in ("admin:clinic_clinicsettings_add", "admin:billing_billingsettings_add"):
        return "one row of settings: once it exists (always, here) the add page is refused"
    for label in ADMIN_MODELS:
        prefix = "admin:" + label.replace(".", "_") + "_"
        if name.startswith(prefix):
            view = name.removeprefix(prefix)
            if view in ("add", "change"):
                return None
            return f"the admin's {view} page: a list, a confirmation or the history, no form of the model"
    return "Django's or a library's own admin (accounts, groups, devices, failed logins, read-only logs)"


def _admin_names_with_forms(url_by_name) -> set[str]:
    """Every admin add and change page: each shows its model's form."""
    return {
        name
        for name in url_by_name
        if name.startswith("admin:") and name.endswith(("_add", "_change"))
    }


# --- Running a case ------------------------------------------------------------------------


def persona(w, role):
    return {
        "anonymous": None,
        "patient": w.patient_a.user,
        "front_desk": w.front_desk,
        "practitioner": w.practitioner.user,
        "clinic_admin": w.clinic_admin,
    }[role]


def spec_for(case: Case, target: Target, client) -> FormSpec:
    if target.fields is not None:
        spec = FormSpec(
            names=list(target.fields),
            kinds={name: infer_kind("text", values) for name, values in target.fields.items()},
            offered=dict(target.fields),
            baseline={name: values[0] for name, values in target.fields.items()},
        )
        return spec
    html = target.html
    page = target.page or target.path
    if html is None:
        response = client.get(page)
        assert response.status_code == 200, f"{page}: {response.status_code}"
        html = response.content.decode()
    path = target.path.split("?")[0]
    forms = [
        form
        for form in parse_forms(html)
        if form.method == case.method and form_path(form, page) == path
    ]
    assert forms, f"{page} shows no {case.method} form sent to {path}"
    spec = FormSpec.from_forms(forms)
    spec.baseline |= target.baseline
    for name, value in target.baseline.items():
        if name not in spec.names:
            spec.names.append(name)
            spec.kinds[name] = "text"
            spec.offered[name] = [value]
    return spec


def send(client, case: Case, path: str, data: dict, *, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    if case.method == GET:
        return client.get(path, data, headers=headers)
    return client.post(path, data, headers=headers)


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


def _params():
    for case in FORMS:
        yield pytest.param(case, id=case.id)


@pytest.mark.parametrize("case", list(_params()))
def test_form_survives_fuzzing(case, client, world):
    user = persona(world, case.role)
    if user is not None:
        client.force_login(user)
    target = case.target(world, client)
    spec = spec_for(case, target, client)
    ids = every_id()
    tables = watched_tables()
    cookies = deepcopy(client.cookies)

    def attempt(data, htmx):
        """One request in a savepoint rolled back afterwards; what it wrote."""
        client.cookies = deepcopy(cookies)
        client.cookies.pop("messages", None)
        with transaction.atomic():
            before = snapshot(tables)
            response = send(client, case, target.path, data, htmx=htmx)
            written = changes(before, snapshot(tables))
            transaction.set_rollback(True)
        return response, written

    # The form as the page sends it: accepted, so the fuzzing starts from a success.
    if case.method == POST and case.accepts_baseline:
        response, _ = attempt(spec.baseline, htmx=False)
        assert response.status_code < 500
        assert not refused(response, htmx=False), (
            f"{case.id}: the page's own data {spec.baseline} was refused "
            f"({response.status_code}, {response.get('Location', '')})"
        )

    @settings(
        max_examples=case.examples,
        derandomize=DERANDOMIZE,
        database=None,
        deadline=None,
        report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )
    @given(
        data=payloads(spec, ids, files=case.method == POST),
        htmx=st.booleans() if case.htmx else st.just(False),
    )
    def fuzz(data, htmx):
        response, written = attempt(data, htmx)
        note(f"{case.method} {target.path} htmx={htmx} -> {response.status_code}")
        assert response.status_code < 500
        is_refused = refused(response, htmx=htmx)
        if case.method == GET:
            assert not written, f"a GET wrote: {written}"
        elif is_refused:
            assert not written, f"refused ({response.status_code}) but wrote: {written}"

    # Explicit examples run first, in reverse order of decoration: the regressions
    # first, then the extremes.
    for data in [*extremes(spec)[::-1], *(spec.baseline | r for r in case.regressions[::-1])]:
        fuzz = example(data=data, htmx=False)(fuzz)
    fuzz()


# --- Completeness: a new form without a row here fails -------------------------------------


def _matrix():
    from tests.test_access_matrix import URL_BY_NAME, rows_of

    return URL_BY_NAME, rows_of


def test_every_form_is_fuzzed(client, clinic_admin, front_desk, practitioner, patient_a, patient_b):
    """Every form on every page of the access matrix (as the first role that gets
    the page), and every URL the matrix POSTs to, has a row in FORMS (or a reason
    in NOT_FUZZED); every row of FORMS is a URL of the site."""
    from tests.access import build_path

    url_by_name, rows_of = _matrix()
    objects = SimpleNamespace(
        clinic_admin=clinic_admin,
        front_desk=front_desk,
        practitioner=practitioner,
        patient_a=patient_a,
        patient_b=patient_b,
    )
    users = {
        "anonymous": None,
        "patient": patient_a.user,
        "front_desk": front_desk,
        "practitioner": practitioner.user,
        "clinic_admin": clinic_admin,
    }
    found: dict[tuple[str, str], str] = {}
    for name, entry in url_by_name.items():
        if name.startswith("admin:"):
            continue  # the admin's pages are known by name (below)
        for row in rows_of(name):
            if row.skip:
                continue
            if row.method == POST:
                # Anonymous users are sent to log in first, whatever the method.
                if any(row.expected(role) != 405 for role in ROLES if role != "anonymous"):
                    found.setdefault((name, POST), f"the access matrix POSTs to {name}")
                continue
            role = next((r for r in ROLES if row.expected(r) == 200), None)
            if row.method != GET or role is None:
                continue
            client.logout()
            if users[role] is not None:
                client.force_login(users[role])
            # Each row's objects in a savepoint: the matrix's helpers reuse fixed times.
            with transaction.atomic():
                path = build_path(entry, row, row.kwargs(objects))
                response = client.get(path)
                transaction.set_rollback(True)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in parse_forms(response.content.decode()):
                sent_to = form_path(form, path)
                try:
                    view = resolve(sent_to).view_name
                except Resolver404:
                    pytest.fail(f"{path}: a form is sent to {sent_to}, which is no URL of the site")
                found.setdefault((view, form.method), f"a {form.method} form on {path}")
    for name in _admin_names_with_forms(url_by_name):
        found.setdefault((name, POST), f"the admin's {name} page")
    covered = {(case.url, case.method) for case in FORMS}
    missing = {
        key: where
        for key, where in sorted(found.items())
        if key not in covered and not not_fuzzed(key[0])
    }
    assert not missing, f"Forms without a row in FORMS: {missing}"
    stale = sorted({case.url for case in FORMS} - url_by_name.keys())
    assert not stale, f"FORMS rows for URLs that no longer exist: {stale}"
