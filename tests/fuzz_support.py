"""Machinery of the form fuzzing (tests/test_fuzz_forms.py) and of the foreign
key tests (tests/test_foreign_keys.py).

* ``parse_forms`` reads the forms of a page (method, action, fields with the
  values the page offers); ``FormSpec`` is what one URL accepts, merged from
  every form of the page that is sent there.
* ``payloads`` is the Hypothesis strategy: the form as the page would send it,
  with a few fields broken (wrong values, missing, sent twice, a file), or a
  random dictionary of the form's fields and unknown keys.
* ``snapshot`` is the state of the database (row count and a hash of the rows
  of every table but those that reads and logins write to), and
  ``refused`` tells a refusal (nothing may change) from a success.
* ``World`` makes the objects the forms need (and whose ids are posted where
  they do not belong): rooms, types, working hours, appointments, records.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.apps import apps
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms import BaseForm
from django.utils import timezone
from hypothesis import strategies as st

# --- Reading the forms of a page ----------------------------------------------------


@dataclass
class ParsedField:
    name: str
    kind: str  # input type, "select", "textarea"
    values: list[str] = field(default_factory=list)  # what the page offers
    chosen: list[str] = field(default_factory=list)  # what the page would send
    multiple: bool = False
    required: bool = False


@dataclass
class ParsedForm:
    method: str
    action: str
    fields: list[ParsedField] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[ParsedForm] = []
        self._form: ParsedForm | None = None
        self._select: ParsedField | None = None
        self._option: dict | None = None
        self._textarea: ParsedField | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = ParsedForm((a.get("method") or "get").upper(), a.get("action") or "")
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name") or "disabled" in a:
            if tag == "option" and self._select is not None:
                self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            return
        name = a["name"]
        if tag in ("input", "button"):
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            value = a.get("value")
            if value is None:
                value = "on" if kind in ("checkbox", "radio") else ""
            parsed = ParsedField(name, kind, [value])
            if kind in ("checkbox", "radio"):
                parsed.chosen = [value] if "checked" in a else []
            elif kind not in ("submit", "image", "reset", "button"):
                parsed.chosen = [value]
            self._form.fields.append(parsed)
        elif tag == "select":
            self._select = ParsedField(
                name, "select", multiple="multiple" in a, required="required" in a
            )
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = ParsedField(name, "textarea", [""], [""])
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            if not self._textarea.values[0] and data.startswith("\n"):
                data = data[1:]  # as browsers do, the newline after <textarea>
            self._textarea.values[0] += data
            self._textarea.chosen[0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self._close_option()
            if not self._select.chosen:
                self._select.chosen = self._select.values[:1]
            if self._select.required and not any(self._select.chosen):
                # A required choice not made yet (Django selects the empty "Choose…"):
                # the first real one, as a person filling the form in would.
                self._select.chosen = [v for v in self._select.values if v][:1]
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def _close_option(self):
        option, self._option = self._option, None
        value = option["value"] if option["value"] is not None else option["text"].strip()
        self._select.values.append(value)
        if option["selected"]:
            self._select.chosen.append(value)


def parse_forms(html: str) -> list[ParsedForm]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_path(form: ParsedForm, page_path: str) -> str:
    """Where the form is sent: its action, or the page itself (without its query)."""
    return urlsplit(form.action).path if form.action else urlsplit(page_path).path


SKIPPED_FIELDS = {"csrfmiddlewaretoken"}


@dataclass
class FormSpec:
    """What one URL is sent: its fields, the values the page offers for each, and
    the data the page would send as it stands (the baseline)."""

    names: list[str]
    kinds: dict[str, str]
    offered: dict[str, list[str]]
    baseline: dict[str, str | list[str]]

    @classmethod
    def from_forms(cls, forms: list[ParsedForm]) -> FormSpec:
        names, kinds, offered, chosen = [], {}, {}, {}
        for form in forms:
            for f in form.fields:
                if f.name in SKIPPED_FIELDS:
                    continue
                if f.name not in kinds:
                    names.append(f.name)
                    kinds[f.name] = f.kind
                    offered[f.name], chosen[f.name] = [], []
                offered[f.name] += [v for v in f.values if v not in offered[f.name]]
                if f.multiple:
                    kinds[f.name] = "select-multiple"
                chosen[f.name] += [v for v in f.chosen if v not in chosen[f.name]]
        kinds = {name: infer_kind(kind, offered[name]) for name, kind in kinds.items()}
        baseline = {}
        for name in names:
            values = chosen[name]
            if kinds[name] == "radio":
                values = values[:1] or offered[name][:1]
            if kinds[name] in ("submit", "image"):
                values = offered[name][:1]
            if not values:
                continue
            baseline[name] = values[0] if len(values) == 1 else values
        return cls(names, kinds, offered, baseline)


# --- What is sent: Hypothesis strategies ---------------------------------------------

LONG = 10_000
# Names that are not fields of any form: mass assignment, odd keys.
UNKNOWN_KEYS = [
    "id",
    "pk",
    "uuid",
    "user",
    "patient_id",
    "practitioner_id",
    "signed_at",
    "is_superuser",
    "role",
    "version",
    "__all__",
    "k" * 300,
    "ключ",
    "a[b]",
]
EDGE_DATES = [
    "2030-02-30",
    "0000-00-00",
    "99999-01-01",
    "2030-13-01",
    "2030-00-10",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59",
    "1899-12-31",
    "1900-01-01",
    "1999-12-31",
    "2000-01-01",
    "2099-12-31",
    "2100-01-01",
    "31/12/9999",
    "29/02/2031",
    "2030-W01",
    "yesterday",
]
EDGE_TIMES = ["25:61", "24:00", "23:59", "00:00", "-01:00", "12:60", "9", "23:59:59.999999", "12:00 PM", "T"]  # fmt: skip
EDGE_NUMBERS = [
    "0",
    "-1",
    "-0",
    "1.5",
    "1e309",
    "-1e309",
    "1E+5",
    "NaN",
    "inf",
    "Infinity",
    "0x10",
    "٣",
    "１２",
    "½",
    str(2**15),
    str(2**31),
    str(2**63),
    str(-(2**63) - 1),
    str(10**30),
    "9" * 400,
]
EDGE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\r\n",
    "\u200b",
    "\u202eevil",
    "e\u0301",
    "😀" * 5,
    "\U0010fffd",
    "\x1b[31m",
    "null",
    "None",
    "true",
    "on",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%s%n",
    "../../etc/passwd",
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "00000000-0000-4000-8000-000000000000",
    "{12345678-1234-5678-1234-567812345678}",
    "a@b",
    "x" * 250 + "@example.com",
]
LONG_TEXT = st.sampled_from(["x", "\x00", "é", "😀", "9", " ", "\n", "BL23 left\n"]).map(
    lambda unit: unit * (LONG // len(unit))
)


def _dates():
    return st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)).map(
        datetime.date.isoformat
    )


def _times():
    return st.times().map(lambda t: t.strftime(st_format(t)))


def st_format(t: datetime.time) -> str:
    return "%H:%M:%S" if t.second else "%H:%M"


def garbage(ids: list[str]) -> st.SearchStrategy[str]:
    """Values that no field expects."""
    return st.one_of(
        st.sampled_from(EDGE_TEXT),
        st.sampled_from(EDGE_DATES),
        st.sampled_from(EDGE_TIMES),
        st.sampled_from(EDGE_NUMBERS),
        st.text(max_size=40),
        st.text(max_size=20).map(lambda s: s + "\x00"),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        LONG_TEXT,
        st.sampled_from(ids) if ids else st.nothing(),
        st.uuids().map(str),
        _dates(),
        _times(),
    )


EDGE_DATETIMES = [
    "9999-12-31T23:59",
    "9999-12-31T23:59+14:00",
    "0001-01-01T00:00",
    "0001-01-01T00:00-14:00",
    "2030-02-30T09:00",
    "2030-01-07T25:00",
    "2030-01-07T09:00+99:00",
    "2030-01-07 09:00 01:00",
    "2030-03-30T01:30",  # the hour the clocks skip (Europe/London)
    "2030-10-27T01:30",  # the hour that happens twice
]


def _near_days(fmt=datetime.date.isoformat):
    today = timezone.localdate()
    return st.integers(-400, 400).map(lambda d: fmt(today + datetime.timedelta(days=d)))


def _near_datetimes():
    return st.tuples(
        _near_days(),
        st.integers(0, 24 * 4 - 1),
        st.sampled_from(["", "+00:00", "+01:00", "-05:00", "Z"]),
    ).map(lambda t: f"{t[0]}T{t[1] // 4:02d}:{t[1] % 4 * 15:02d}{t[2]}")


def typed(kind: str) -> st.SearchStrategy[str]:
    """Plausible values for an input of this kind, with its edge cases weighed in."""
    if kind == "date":
        return st.one_of(st.sampled_from(EDGE_DATES), _near_days(), _dates())
    if kind == "time":
        quarter = st.integers(0, 24 * 4 - 1).map(lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}")
        return st.one_of(st.sampled_from(EDGE_TIMES), quarter, _times())
    if kind == "datetime":
        return st.one_of(st.sampled_from(EDGE_DATETIMES), _near_datetimes())
    if kind == "number":
        return st.one_of(
            st.sampled_from(EDGE_NUMBERS),
            st.integers(-5, 600).map(str),
            st.decimals(-1000, 1000, places=2).map(str),
        )
    if kind == "uuid":
        return st.one_of(st.uuids().map(str), st.sampled_from(EDGE_TEXT))
    if kind == "email":
        return st.one_of(st.emails().map(str), st.sampled_from(EDGE_TEXT))
    return st.one_of(st.sampled_from(EDGE_TEXT), st.text(max_size=60))


def infer_kind(kind: str, values: list[str]) -> str:
    """A hidden or text input's kind, from the value the page puts in it."""
    if kind not in ("hidden", "text", "search") or not any(values):
        return kind
    value = next(v for v in values if v)
    for name, parse in (
        ("uuid", uuid.UUID),
        ("date", datetime.date.fromisoformat),
        ("datetime", datetime.datetime.fromisoformat),
        ("time", datetime.time.fromisoformat),
        ("number", int),
    ):
        try:
            parse(value)
        except ValueError:
            continue
        return name
    return kind


def field_value(spec: FormSpec, name: str, ids: list[str], *, files: bool):
    """One value for the field: offered by the page, plausible, or garbage; or
    several values; or a file."""
    kind = spec.kinds.get(name, "text")
    offered = [v for v in spec.offered.get(name, []) if v]
    single = st.one_of(
        st.sampled_from(offered) if offered else st.nothing(), typed(kind), garbage(ids)
    )
    if kind in ("date", "time", "datetime", "number", "uuid"):
        single = st.one_of(single, typed(kind))  # mostly what this kind of field expects
    shapes = [single, single, single, st.lists(single, min_size=2, max_size=3)]
    if files:
        shapes.append(
            st.binary(max_size=20).map(lambda b: SimpleUploadedFile("upload.bin", b + b"\x00"))
        )
    return st.one_of(*shapes)


def _key(spec: FormSpec):
    """A field of the form, or (one time in five) a key no form has."""
    if not spec.names:
        return st.sampled_from(UNKNOWN_KEYS)
    return st.integers(0, 4).flatmap(
        lambda n: st.sampled_from(UNKNOWN_KEYS) if n == 4 else st.sampled_from(spec.names)
    )


@st.composite
def payloads(draw, spec: FormSpec, ids: list[str], *, files: bool = True):
    """The form as the page sends it, with up to four keys broken (another value,
    missing, sent several times, a file), or (one time in four) a random dictionary."""
    keys = spec.names + UNKNOWN_KEYS
    if draw(st.integers(0, 3)) == 3:
        chosen = draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys)))
        return {name: draw(field_value(spec, name, ids, files=files)) for name in chosen}
    data = dict(spec.baseline)
    for name in draw(st.lists(_key(spec), unique=True, max_size=4)):
        if draw(st.integers(0, 4)) == 0:
            data.pop(name, None)
        else:
            data[name] = draw(field_value(spec, name, ids, files=files))
    return data


# The extremes of each kind of field, each sent alone in the form as the page sends it.
EXTREMES = {
    "date": ["9999-12-31", "0001-01-01"],
    "datetime": ["9999-12-31T23:59+14:00", "0001-01-01T00:00-14:00"],
    "time": ["23:59"],
    "number": [str(10**30), str(-(10**30))],
}
NASTY_TEXT = "é\x00" + "x" * LONG


TEXT_KINDS = ("text", "textarea", "search", "hidden", "email", "password")


def extremes(spec: FormSpec) -> list[dict]:
    """What random sampling over many fields seldom hits: the page's data with
    one date, time or number field at an extreme (a far date in the one date
    field), and with every text field at once NUL, accented and 10,000 long."""
    found = [
        spec.baseline | {name: value}
        for name in spec.names
        for value in EXTREMES.get(spec.kinds[name], [])
    ]
    texts = [name for name in spec.names if spec.kinds[name] in TEXT_KINDS]
    if texts:
        found.append(spec.baseline | dict.fromkeys(texts, NASTY_TEXT))
    return found


# --- What was written ----------------------------------------------------------------

# Written by reads and logins as well: who opened what (audit), the session
# (SESSION_SAVE_EVERY_REQUEST), failed logins (django-axes).
UNWATCHED_TABLES = {
    "audit_auditevent",
    "django_session",
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
}


def watched_tables() -> list[str]:
    return sorted(set(connection.introspection.table_names(include_views=False)) - UNWATCHED_TABLES)


def snapshot(tables: list[str]) -> dict[str, tuple[int, str]]:
    """Row count and a hash of the rows of each table: a refusal must change
    neither (an UPDATE that was not undone changes the hash)."""
    qn = connection.ops.quote_name
    # The table names come from the database's own catalogue, quoted.
    parts = [
        f"SELECT %s, count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) FROM {qn(table)} t"  # noqa: S608
        for table in tables
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), tables)
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def changes(before: dict, after: dict) -> dict[str, str]:
    return {
        table: f"{before[table][0]} -> {after[table][0]} rows"
        + ("" if before[table][0] != after[table][0] else " (rows changed)")
        for table in before
        if before[table] != after[table]
    }


def _contexts(response):
    context = response.context
    if context is None:
        return []
    return list(context) if isinstance(context, list) else [context]


def shows_errors(response) -> bool:
    """A page (or htmx fragment) with a form that has errors, or a problem stated."""
    for context in _contexts(response):
        for key, value in context.flatten().items():
            if isinstance(value, BaseForm) and value.is_bound and value.errors:
                return True
            if key in ("errors", "problem") and value:
                return True
    return False


def error_messages(response) -> list[str]:
    """The error messages the request added (the messages cookie is cleared before it)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is None:
        return []
    return [str(m) for m in list(storage) if m.level >= messages.ERROR]


def refused(response, *, htmx: bool) -> bool:
    """Whether the request was turned down, so that nothing may have been written.

    4xx: refused (a 2xx JSON answer is a success). A redirect (or an htmx redirect) with an error message:
    refused. A page answered to a POST without htmx: the form again, nothing
    saved (every success redirects, POST/redirect/GET). An htmx fragment:
    refused when it shows errors.
    """
    if response.status_code >= 400 or error_messages(response):
        return True
    if response.get("Content-Type", "").startswith("application/json"):
        return False  # the calendar's drag moves: a 2xx JSON answer is a success
    if response.status_code == 200:
        if response.has_header("HX-Redirect") or response.has_header("HX-Location"):
            return False
        return shows_errors(response) if htmx else True
    return False


def all_ids() -> list[str]:
    """Every uuid and primary key in the database: other people's objects."""
    ids: list[str] = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "uuid" in names:
            ids += [str(u) for u in model._default_manager.values_list("uuid", flat=True)[:50]]
    for label in ("treatment_sessions.Needle", "treatment_sessions.NeedlePlacement"):
        model = apps.get_model(label)
        ids += [str(pk) for pk in model._default_manager.values_list("pk", flat=True)[:20]]
    return sorted(set(ids))


# --- The objects the forms need ---------------------------------------------------------


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class World(SimpleNamespace):
    """The personas plus what the forms refer to, among them objects the personas
    may not use (an archived patient, an inactive room, type and needle, another
    practitioner's calendar, protocol and draft)."""

    @classmethod
    def build(cls, o) -> World:
        from clinic.models import ClinicSettings
        from scheduling.models import AppointmentType, Room, WorkingHours
        from sessions.models import Needle
        from tests.factories import PatientFactory, PractitionerFactory
        from tests.factories.scheduling import AppointmentFactory
        from tests.factories.sessions import ProtocolFactory, ProtocolPointFactory

        w = cls(**vars(o))
        clinic = ClinicSettings.load()
        clinic.online_booking_enabled = True
        clinic.save()
        w.room = Room.objects.create(name="Room 1")
        w.closed_room = Room.objects.create(name="Old store room", is_active=False)
        w.kind = AppointmentType.objects.create(
            name="Follow-up treatment", duration_minutes=45, bookable_online=True
        )
        w.others_kind = AppointmentType.objects.create(name="Cupping", duration_minutes=30)
        w.others_kind.practitioners.set([w.other_practitioner])
        w.retired_kind = AppointmentType.objects.create(name="Moxa (retired)", is_active=False)
        for practitioner in (w.practitioner, w.other_practitioner):
            WorkingHours.objects.bulk_create(
                WorkingHours(
                    practitioner=practitioner,
                    weekday=weekday,
                    start_time=datetime.time(7, 0),
                    end_time=datetime.time(21, 0),
                )
                for weekday in range(7)
            )
        w.needle = Needle.objects.filter(is_active=True).order_by("id").first()
        w.retired_needle = Needle.objects.create(
            gauge_mm="0.45", length_mm=125, make="Retired stock", is_active=False
        )
        w.archived = PatientFactory(first_name="Arch", last_name="Ived", archived_at=timezone.now())
        w.day = timezone.localdate() + datetime.timedelta(days=3)
        w.own_appointment = AppointmentFactory(
            practitioner=w.practitioner,
            patient=w.patient_a,
            room=w.room,
            appointment_type=w.kind,
            start_at=local(w.day, 10),
        )
        w.others_appointment = AppointmentFactory(
            practitioner=w.other_practitioner,
            patient=w.patient_b,
            room=w.room,
            appointment_type=w.kind,
            start_at=local(w.day, 14),
        )
        # Checking in is for the day itself (scheduling.services.change_status).
        w.todays_appointment = AppointmentFactory(
            practitioner=w.practitioner,
            patient=w.patient_a,
            room=w.room,
            appointment_type=w.kind,
            start_at=local(timezone.localdate(), 7),
        )
        w.retired_practitioner = PractitionerFactory(
            user__full_name="Rita Retired", is_active=False
        )
        w.own_protocol = ProtocolFactory(practitioner=w.practitioner, name="Lumbar strain")
        ProtocolPointFactory(protocol=w.own_protocol)
        w.others_protocol = ProtocolFactory(practitioner=w.other_practitioner, name="Sciatica")
        ProtocolPointFactory(protocol=w.others_protocol)
        return w

    def free_slot(self) -> dict[str, str]:
        """The query of a slot the portal offers patients (the practitioner's first)."""
        from portal import services

        rules = services.OnlineRules.load()
        slot = services.search_slots(
            rules=rules,
            appointment_type=self.kind,
            practitioner=self.practitioner,
            first_day=rules.first_day,
            last_day=rules.last_day,
            limit=1,
        )[0]
        return {
            "appointment_type": str(self.kind.uuid),
            "practitioner": str(slot.practitioner.uuid),
            "room": str(slot.room.uuid),
            "start": slot.local_start.isoformat(timespec="minutes"),
        }

    # Records in the states each section needs.
    def draft(self, practitioner=None, patient=None, **fields):
        from sessions.models import TreatmentSession
        from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory

        session = TreatmentSessionFactory(
            practitioner=practitioner or self.practitioner, patient=patient or self.patient_a
        )
        NeedlePlacementFactory(session=session, needle=self.needle)
        if fields:
            TreatmentSession.objects.filter(pk=session.pk).update(**fields)
            session.refresh_from_db()
        return session

    def draft_after_signed(self):
        """A draft of a patient with an earlier signed session (to copy from)."""
        self.signed()
        return self.draft()

    def signed(self, practitioner=None, patient=None):
        from tests.factories.sessions import sign

        return sign(self.draft(practitioner, patient), (practitioner or self.practitioner).user)


def new_id() -> str:
    return str(uuid.uuid4())
